import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { resolveId, wrapProviderError } from '../core/backendIds';
import { SourceSpec } from '../core/sourceSpec';
import { abortedFailure, isNetworkError, raceAbort } from './abort';
import { isUnreadable, safeErrorText } from './errorText';
import {
  CreationAnswer,
  creationFailure,
  CreationTargetAnswer,
  failure,
  FailedResolution,
  IdentityAnswer,
  NewSecretContent,
  Resolution,
  ResolveContext,
  SecretListing,
  SecretMetadata,
  SecretProvider,
} from './provider';
import { addSanitized, ContentError, expandJsonObject, nameOption, option, pyTruthy } from './secretContent';
import { BackendSettings } from './settings';

/**
 * AWS Secrets Manager through the real SDK and its credential chain (profiles, SSO, environment,
 * instance roles). Mirrors Metaflow's `AwsSecretsManagerSecretsProvider`: region from the ARN,
 * options.region, METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION, then the SDK default; the role
 * is assumed from the default credentials.
 */
export class AwsSecretsManagerProvider implements SecretProvider {
  readonly type = 'aws-secrets-manager';
  private readonly clients = new Map<string, SecretsManagerClient>();

  settingsFingerprint(s: BackendSettings): string {
    return JSON.stringify([s.aws.profile ?? '', s.aws.region ?? '', s.aws.endpoint ?? '', s.aws.stsEndpoint ?? '']);
  }

  async resolve(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<Resolution> {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'aws') return failure('invalid-id', id.ok ? `Not an AWS source: ${spec.type}` : id.message, { reportedStatically: true });
    const aws = ctx.settings.aws;
    const profile = aws.profile || (ctx.env ?? process.env).AWS_PROFILE || undefined;
    const identity = profile ? `AWS profile '${profile}'` : 'the default AWS credential chain';
    const role = id.role;
    const roleNote = role ? { roleUsed: role, roleOrigin: id.roleOrigin } : {};
    const wrap = (m: string) => wrapProviderError(spec.id, m);

    const client = this.client(id.region ?? aws.region, profile, role, ctx.settings);
    let region: string | undefined;
    try {
      region = await raceAbort(client.config.region(), signal);
    } catch {
      region = undefined;
    }
    const meta = { resolvedId: spec.id, region, identity, ...roleNote };
    if (!region) {
      return failure('other', wrap('Default region is not specified for AWS Secrets Manager. Please set METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION'), {
        fix: "Set METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION (or AWS_REGION, or the extension's AWS region setting).",
        meta,
      });
    }
    ctx.logger.info(`aws: GetSecretValue ${spec.id} in ${region}${role ? ` assuming ${role}` : ''} as ${identity}`);
    let res;
    try {
      res = await raceAbort(client.send(new GetSecretValueCommand({ SecretId: spec.id }), { abortSignal: signal }), signal);
    } catch (e) {
      if (signal.aborted) return { ...abortedFailure(signal, `AWS Secrets Manager (${region})`), meta };
      return { ...awsFailure(e, spec.id, profile, role), meta };
    }
    // The version read and its labels come with the value; DescribeSecret adds dates and rotation.
    const metadata: SecretMetadata = { version: res.VersionId, stages: res.VersionStages, valueSetAt: res.CreatedDate?.getTime() };
    const fullMeta = { ...meta, resolvedId: res.ARN ?? spec.id, fetchedAt: Date.now(), metadata };
    try {
      if (res.Name === undefined) throw new ContentError("Secret 'Name' is missing in response", 'other');
      let vars: Map<string, string>;
      const envName = option(spec, 'env_var_name');
      const single = () => (pyTruthy(envName) ? nameOption(envName!) : res.Name!);
      if (res.SecretString !== undefined) {
        const json = option(spec, 'json');
        if (json === undefined || pyTruthy(json)) vars = expandJsonObject(res.SecretString, true);
        else {
          vars = new Map();
          addSanitized(vars, single(), res.SecretString);
        }
      } else if (res.SecretBinary !== undefined) {
        vars = new Map();
        addSanitized(vars, single(), Buffer.from(res.SecretBinary).toString('base64'));
      } else throw new ContentError("Secret response is missing both 'SecretString' and 'SecretBinary'", 'other');
      return { ok: true, vars, names: [...vars.keys()], meta: fullMeta };
    } catch (e) {
      if (e instanceof ContentError) return failure(e.kind, wrap(e.message), { meta: fullMeta });
      throw e;
    }
  }

  /** DescribeSecret: when the secret last changed and rotated, and whether rotation is on. */
  async describe(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<SecretMetadata | undefined> {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'aws') return undefined;
    const aws = ctx.settings.aws;
    const profile = aws.profile || (ctx.env ?? process.env).AWS_PROFILE || undefined;
    try {
      const client = this.client(id.region ?? aws.region, profile, id.role, ctx.settings);
      const d = await raceAbort(client.send(new DescribeSecretCommand({ SecretId: spec.id }), { abortSignal: signal }), signal);
      const rules = d.RotationRules;
      const every = rules?.ScheduleExpression ?? (rules?.AutomaticallyAfterDays ? `${rules.AutomaticallyAfterDays} days` : undefined);
      return {
        changedAt: d.LastChangedDate?.getTime(),
        rotatedAt: d.LastRotatedDate?.getTime(),
        // Absent: never configured for rotation, which is "off" too.
        rotation: {
          enabled: d.RotationEnabled === true,
          nextAt: d.RotationEnabled ? d.NextRotationDate?.getTime() : undefined,
          every: d.RotationEnabled ? every : undefined,
        },
      };
    } catch (e) {
      if (!signal.aborted) ctx.logger.info(`aws: DescribeSecret ${spec.id}: no metadata (${(e as Error)?.name ?? 'Error'})`);
      return undefined;
    }
  }

  async list(ctx: ResolveContext, signal: AbortSignal): Promise<SecretListing> {
    const aws = ctx.settings.aws;
    const profile = aws.profile || (ctx.env ?? process.env).AWS_PROFILE || undefined;
    const role = ctx.config.get('DEFAULT_SECRETS_ROLE')?.value || ctx.config.get('AWS_SECRETS_MANAGER_DEFAULT_ROLE')?.value || undefined;
    const client = this.client(ctx.config.get('AWS_SECRETS_MANAGER_DEFAULT_REGION')?.value || aws.region, profile, role, ctx.settings);
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    try {
      const region = await raceAbort(client.config.region(), signal);
      do {
        const page = await raceAbort(client.send(new ListSecretsCommand({ MaxResults: 100, NextToken: token }), { abortSignal: signal }), signal);
        for (const s of page.SecretList ?? []) if (s.Name) names.push(s.Name);
        token = page.NextToken;
      } while (token && ++pages < MAX_LIST_PAGES);
      return { ok: true, names, scope: region, truncated: !!token };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, 'AWS Secrets Manager');
      if (e instanceof Error && /region is missing/i.test(e.message))
        return failure('other', 'No region: set METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION or AWS_REGION.');
      return awsFailure(e, '*', profile, role, 'ListSecrets');
    }
  }

  async whoAmI(ctx: ResolveContext, signal: AbortSignal): Promise<IdentityAnswer> {
    const aws = ctx.settings.aws;
    const profile = aws.profile || (ctx.env ?? process.env).AWS_PROFILE || undefined;
    const region = ctx.config.get('AWS_SECRETS_MANAGER_DEFAULT_REGION')?.value || aws.region;
    const endpoint = aws.stsEndpoint || aws.endpoint;
    const sts = new STSClient({
      ...(region ? { region } : {}),
      ...(profile ? { profile } : {}),
      ...(endpoint ? { endpoint } : {}),
      credentials: fromNodeProviderChain(chainInit(profile)),
      maxAttempts: 1,
    });
    try {
      const r = await raceAbort(sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal }), signal);
      const where = await raceAbort(sts.config.region(), signal).catch(() => undefined);
      return {
        ok: true,
        identity: r.Arn ?? 'unknown',
        detail: [profile ? `profile ${profile}` : undefined, where].filter(Boolean).join(', ') || undefined,
        names: [],
      };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, 'AWS STS');
      return awsFailure(e, '*', profile, undefined, 'GetCallerIdentity');
    } finally {
      sts.destroy();
    }
  }

  /**
   * Where a new secret of this source goes (the region the resolver would read it from) and who
   * creates it: STS GetCallerIdentity with the very credentials the Secrets Manager client uses
   * (the role assumed, if any).
   */
  async creationTarget(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<CreationTargetAnswer> {
    const t = this.creatable(spec, ctx);
    if (!t.ok) return t;
    let region: string | undefined;
    try {
      region = await raceAbort(t.client.config.region(), signal);
    } catch {
      region = undefined;
    }
    if (!region) return failure('other', "No region: set METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION (or AWS_REGION, or the extension's AWS region setting).");
    const s = ctx.settings;
    const endpoint = s.aws.stsEndpoint || s.aws.endpoint;
    const sts = new STSClient({
      region,
      ...(t.profile ? { profile: t.profile } : {}),
      ...(endpoint ? { endpoint } : {}),
      credentials: this.credentials(region, t.profile, t.role, s),
      maxAttempts: 1,
    });
    try {
      const who = await raceAbort(sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal }), signal);
      const via = [t.profile ? `profile ${t.profile}` : undefined, t.role ? `assuming ${t.role}` : undefined].filter(Boolean).join(', ');
      return { ok: true, where: `account ${who.Account ?? 'unknown'}, region ${region}`, identity: `${who.Arn ?? 'unknown'}${via ? ` (${via})` : ''}` };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, 'AWS STS');
      return awsFailure(e, '*', t.profile, t.role, 'GetCallerIdentity');
    } finally {
      sts.destroy();
    }
  }

  /** CreateSecret with the content as its SecretString (a JSON object unless options.json is false). */
  async create(spec: SourceSpec, content: NewSecretContent, ctx: ResolveContext, signal: AbortSignal): Promise<CreationAnswer> {
    const t = this.creatable(spec, ctx);
    if (!t.ok) return t;
    const secretString = content.kind === 'json' ? JSON.stringify(Object.fromEntries(content.entries)) : content.value;
    ctx.logger.info(`aws: CreateSecret ${spec.id}${content.kind === 'json' ? ` with keys ${content.entries.map(([k]) => k).join(', ')}` : ''}`);
    try {
      const r = await raceAbort(t.client.send(new CreateSecretCommand({ Name: spec.id, SecretString: secretString }), { abortSignal: signal }), signal);
      return { ok: true, resolvedId: r.ARN ?? spec.id };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, 'AWS Secrets Manager');
      return creationFailure(awsFailure(e, spec.id, t.profile, t.role, 'CreateSecret'), spec.id);
    }
  }

  /** The client the resolver reads this source with, if the source names a secret that can be created. */
  private creatable(spec: SourceSpec, ctx: ResolveContext): { ok: true; client: SecretsManagerClient; profile?: string; role?: string } | FailedResolution {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'aws') return failure('invalid-id', id.ok ? `Not an AWS source: ${spec.type}` : id.message);
    // An ARN ends in a suffix AWS picks at creation: it can only name a secret that exists.
    if (spec.id.startsWith('arn:'))
      return failure('unsupported', 'An ARN names an existing secret (AWS picks its suffix): write the source by name to create it from the editor.');
    const aws = ctx.settings.aws;
    const profile = aws.profile || (ctx.env ?? process.env).AWS_PROFILE || undefined;
    return { ok: true, client: this.client(id.region ?? aws.region, profile, id.role, ctx.settings), profile, role: id.role };
  }

  /** The credential chain (and the role assumed from it) that every call of this provider uses. */
  private credentials(region: string | undefined, profile: string | undefined, role: string | undefined, s: BackendSettings) {
    const base = fromNodeProviderChain(chainInit(profile));
    const stsEndpoint = s.aws.stsEndpoint || s.aws.endpoint;
    return role
      ? fromTemporaryCredentials({
          params: { RoleArn: role, RoleSessionName: 'metaflow-secrets-editor' },
          masterCredentials: base,
          clientConfig: { ...(region ? { region } : {}), ...(stsEndpoint ? { endpoint: stsEndpoint } : {}), ...(profile ? { profile } : {}) },
        })
      : base;
  }

  private client(region: string | undefined, profile: string | undefined, role: string | undefined, s: BackendSettings): SecretsManagerClient {
    const key = JSON.stringify([region ?? '', profile ?? '', role ?? '', s.aws.endpoint ?? '', s.aws.stsEndpoint ?? '', s.aws.maxAttempts ?? 0]);
    let c = this.clients.get(key);
    if (c) return c;
    const credentials = this.credentials(region, profile, role, s);
    c = new SecretsManagerClient({
      ...(region ? { region } : {}),
      ...(profile ? { profile } : {}),
      ...(s.aws.endpoint ? { endpoint: s.aws.endpoint } : {}),
      credentials,
      maxAttempts: s.aws.maxAttempts ?? 2,
      requestHandler: { connectionTimeout: Math.min(s.timeoutMs, 5000), requestTimeout: s.timeoutMs },
    });
    this.clients.set(key, c);
    return c;
  }

  dispose(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}

/**
 * The SDK keeps every shared config/credentials file it read, or failed to read, for the life of
 * the process: a credentials file written after the first failure (`aws configure`, a fixed
 * profile) would never be seen. Credentials are memoized by the chain anyway, so re-reading
 * the files costs a read per credential resolution, not per call.
 */
function chainInit(profile: string | undefined): { profile?: string; ignoreCache: boolean } {
  return { ...(profile ? { profile } : {}), ignoreCache: true };
}

const MAX_LIST_PAGES = 10;
const NOT_FOUND = new Set(['ResourceNotFoundException']);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'DecryptionFailure', 'KMSAccessDeniedException']);
const CREDENTIALS = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
  'TokenProviderError',
]);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);
const INVALID = new Set(['InvalidParameterException', 'ValidationException']);
const STS_ERRORS = new Set(['AccessDenied', 'ExpiredToken', 'InvalidClientTokenId', 'RegionDisabledException', 'MalformedPolicyDocument']);

/** Classifies an SDK error and words it as botocore's ClientError would, wrapped like Metaflow. */
function awsFailure(e: unknown, secretId: string, profile: string | undefined, role: string | undefined, operation = 'GetSecretValue'): FailedResolution {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err?.$metadata?.httpStatusCode;
  // An unreadable answer has no trustworthy error code (and its text may quote the body).
  const unreadable = isUnreadable(e);
  const name = unreadable ? `HTTP${status ?? ''}` : (err?.name ?? 'Error');
  const text = safeErrorText(e, status);
  const op = role && STS_ERRORS.has(name) ? 'AssumeRole' : operation;
  const boto = status !== undefined && !unreadable ? `An error occurred (${name}) when calling the ${op} operation: ${text}` : text;
  const wrap = (m: string) => wrapProviderError(secretId, m);
  const login = `aws sso login${profile ? ` --profile ${profile}` : ''}`;
  if (NOT_FOUND.has(name)) return failure('not-found', wrap(boto));
  if (THROTTLED.has(name) || status === 429) return failure('throttled', wrap(boto));
  if (CREDENTIALS.has(name)) {
    const missing = name === 'CredentialsProviderError' && /could not load credentials/i.test(text);
    return failure('credentials', wrap(missing ? 'Unable to locate credentials' : boto), {
      fix: missing ? `${login} (or set AWS_PROFILE, or configure credentials with aws configure)` : login,
    });
  }
  if (DENIED.has(name) || status === 403) return failure('access-denied', wrap(boto));
  if (INVALID.has(name)) return failure('invalid-id', wrap(boto));
  if (status !== undefined && status >= 500) return failure('unreachable', wrap(boto));
  if (isNetworkError(e)) return failure('unreachable', wrap(`Could not connect to the endpoint URL: ${text}`));
  if (name === 'TimeoutError' || name === 'RequestTimeout') return failure('timeout', wrap(text));
  return failure('other', wrap(boto));
}
