import * as fs from 'fs';
import { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { resolveId, sanitizeKey, wrapProviderError } from '../core/backendIds';
import { SourceSpec } from '../core/sourceSpec';
import { abortedFailure, isNetworkError, raceAbort } from './abort';
import { safeErrorText } from './errorText';
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
import { ContentError, nameOption, option } from './secretContent';
import { AzureSettings, BackendSettings } from './settings';

export interface AzureProviderOptions {
  /** Replaces DefaultAzureCredential (tests against an emulator; alternative credential kinds). */
  credential?: (settings: AzureSettings) => TokenCredential;
}

/**
 * Azure Key Vault through `@azure/keyvault-secrets` and `DefaultAzureCredential`. Like Metaflow's
 * `AzureKeyVaultSecretsProvider`: exactly one variable, the raw value, named by
 * options.env_var_name or the secret's name, sanitised.
 */
export class AzureKeyVaultProvider implements SecretProvider {
  readonly type = 'az-key-vault';
  private readonly clients = new Map<string, SecretClient>();
  private credential?: { key: string; value: TokenCredential };

  constructor(private readonly options: AzureProviderOptions = {}) {}

  settingsFingerprint(s: BackendSettings): string {
    return JSON.stringify([s.azure.tenantId ?? '', s.azure.managedIdentityClientId ?? '', s.azure.endpoint ?? '']);
  }

  async resolve(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<Resolution> {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'azure') return failure('invalid-id', id.ok ? `Not an Azure source: ${spec.type}` : id.message, { reportedStatically: true });
    const az = ctx.settings.azure;
    const identity = this.options.credential ? 'a configured Azure credential' : `DefaultAzureCredential${az.tenantId ? ` (tenant ${az.tenantId})` : ''}`;
    const resolvedId = `${id.vaultUrl}/secrets/${id.secretName}${id.version ? `/${id.version}` : ''}`;
    const meta = { resolvedId, vault: id.vaultUrl, identity };
    const wrap = (m: string) => wrapProviderError(spec.id, m);
    const requestUrl = az.endpoint ? az.endpoint.replace(/\/+$/, '') : id.vaultUrl;
    ctx.logger.info(
      `azure: get secret ${id.secretName}${id.version ? ` version ${id.version}` : ''} from ${id.vaultUrl}${az.endpoint ? ` via ${requestUrl}` : ''}`,
    );
    let secret;
    try {
      const client = this.client(requestUrl, ctx.settings);
      secret = await raceAbort(client.getSecret(id.secretName, { version: id.version, abortSignal: signal }), signal);
    } catch (e) {
      if (signal.aborted) return { ...abortedFailure(signal, `Azure Key Vault ${id.vaultUrl}`), meta };
      return { ...azureFailure(e, spec.id, az, !this.options.credential), meta };
    }
    const p = secret.properties;
    // The secret's attributes come with its value: no second request. Key Vault secrets have no rotation of their own.
    const metadata: SecretMetadata = {
      version: p.version,
      valueSetAt: p.createdOn?.getTime(),
      changedAt: p.updatedOn?.getTime(),
      expiresAt: p.expiresOn?.getTime(),
      ...(p.enabled === false ? { state: 'disabled' as const } : {}),
    };
    const fullMeta = { ...meta, resolvedId: p.id ?? resolvedId, fetchedAt: Date.now(), metadata };
    try {
      const envName = option(spec, 'env_var_name');
      const name = sanitizeKey(envName !== undefined && envName !== null ? nameOption(envName) : secret.name);
      if (typeof secret.value !== 'string') throw new ContentError("Found non string value None (<class 'NoneType'>)");
      const vars = new Map([[name, secret.value]]);
      return { ok: true, vars, names: [name], meta: fullMeta };
    } catch (e) {
      if (e instanceof ContentError) return failure(e.kind, e.message.startsWith('Found ') ? e.message : wrap(e.message), { meta: fullMeta });
      throw e;
    }
  }

  /** Names in the vault of METAFLOW_AZURE_KEY_VAULT_PREFIX (short ids need it anyway). */
  async list(ctx: ResolveContext, signal: AbortSignal): Promise<SecretListing> {
    const prefix = ctx.config.get('AZURE_KEY_VAULT_PREFIX')?.value;
    if (!prefix || !prefix.startsWith('https://')) return failure('unsupported', "Set METAFLOW_AZURE_KEY_VAULT_PREFIX to list a vault's secrets.");
    const vault = prefix.replace(/\/+$/, '');
    const az = ctx.settings.azure;
    const names: string[] = [];
    try {
      const client = this.client(az.endpoint ? az.endpoint.replace(/\/+$/, '') : vault, ctx.settings);
      const iter = client.listPropertiesOfSecrets({ abortSignal: signal });
      for (;;) {
        const next = await raceAbort(iter.next(), signal);
        if (next.done) break;
        if (next.value.enabled !== false && !next.value.managed) names.push(next.value.name);
        if (names.length >= MAX_LISTED) return { ok: true, names, scope: vault, truncated: true };
      }
      return { ok: true, names, scope: vault, truncated: false };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, `Azure Key Vault ${vault}`);
      return azureFailure(e, vault, az, !this.options.credential);
    }
  }

  /** Reads who the token is for from its claims; the token itself goes nowhere. */
  async whoAmI(ctx: ResolveContext, signal: AbortSignal): Promise<IdentityAnswer> {
    const az = ctx.settings.azure;
    try {
      const token = await raceAbort(
        this.tokenCredential(az).getToken('https://vault.azure.net/.default', { abortSignal: signal, tenantId: az.tenantId }),
        signal,
      );
      const claims = jwtClaims(token?.token ?? '');
      const who =
        claims.upn ??
        claims.unique_name ??
        claims.preferred_username ??
        (claims.appid ? `app ${claims.appid}` : undefined) ??
        (claims.oid ? `object ${claims.oid}` : undefined);
      return {
        ok: true,
        identity: typeof who === 'string' ? who : 'a token without readable claims',
        detail: typeof claims.tid === 'string' ? `tenant ${claims.tid}` : az.tenantId,
        names: [],
      };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, 'Azure identity');
      return azureFailure(e, '*', az, !this.options.credential);
    }
  }

  /** The vault of the source, and who the credential's token is for. */
  async creationTarget(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<CreationTargetAnswer> {
    const t = this.creatable(spec, ctx);
    if (!t.ok) return t;
    const who = await this.whoAmI(ctx, signal);
    if (!who.ok) return who;
    const via = ctx.settings.azure.endpoint ? ` (via ${ctx.settings.azure.endpoint})` : '';
    return { ok: true, where: `vault ${t.vaultUrl}${via}`, identity: `${who.identity}${who.detail ? ` (${who.detail})` : ''}` };
  }

  /** setSecret: the secret's first version, holding the value as is (Key Vault secrets are one text each). */
  async create(spec: SourceSpec, content: NewSecretContent, ctx: ResolveContext, signal: AbortSignal): Promise<CreationAnswer> {
    const t = this.creatable(spec, ctx);
    if (!t.ok) return t;
    if (content.kind !== 'text') return failure('invalid-id', 'A Key Vault secret holds one value, not a set of keys.');
    const az = ctx.settings.azure;
    ctx.logger.info(`azure: set secret ${t.secretName} in ${t.vaultUrl}`);
    try {
      const client = this.client(az.endpoint ? az.endpoint.replace(/\/+$/, '') : t.vaultUrl, ctx.settings);
      const r = await raceAbort(client.setSecret(t.secretName, content.value, { abortSignal: signal }), signal);
      return { ok: true, resolvedId: r.properties.id ?? `${t.vaultUrl}/secrets/${t.secretName}` };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, `Azure Key Vault ${t.vaultUrl}`);
      return creationFailure(azureFailure(e, spec.id, az, !this.options.credential), spec.id);
    }
  }

  private creatable(spec: SourceSpec, ctx: ResolveContext): { ok: true; vaultUrl: string; secretName: string } | FailedResolution {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'azure') return failure('invalid-id', id.ok ? `Not an Azure source: ${spec.type}` : id.message);
    if (id.version)
      return failure('unsupported', 'The source pins a version, which only an existing secret has: remove the version to create the secret from the editor.');
    return { ok: true, vaultUrl: id.vaultUrl, secretName: id.secretName };
  }

  private client(url: string, s: BackendSettings): SecretClient {
    const az = s.azure;
    const key = JSON.stringify([
      url,
      az.tenantId ?? '',
      az.managedIdentityClientId ?? '',
      az.caFile ?? '',
      !!az.disableChallengeResourceVerification,
      az.maxRetries ?? -1,
    ]);
    let c = this.clients.get(key);
    if (c) return c;
    c = new SecretClient(url, this.tokenCredential(az), {
      disableChallengeResourceVerification: !!az.disableChallengeResourceVerification,
      retryOptions: { maxRetries: az.maxRetries ?? 1, maxRetryDelayInMs: 2000 },
      ...(az.caFile ? { tlsOptions: { ca: fs.readFileSync(az.caFile) } } : {}),
    });
    this.clients.set(key, c);
    return c;
  }

  private tokenCredential(az: AzureSettings): TokenCredential {
    const key = JSON.stringify([az.tenantId ?? '', az.managedIdentityClientId ?? '']);
    if (this.credential?.key === key) return this.credential.value;
    const value = this.options.credential
      ? this.options.credential(az)
      : new DefaultAzureCredential({
          ...(az.tenantId ? { tenantId: az.tenantId } : {}),
          ...(az.managedIdentityClientId ? { managedIdentityClientId: az.managedIdentityClientId } : {}),
        });
    this.credential = { key, value };
    return value;
  }

  dispose(): void {
    this.clients.clear();
    this.credential = undefined;
  }
}

const MAX_LISTED = 1000;

function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError', 'AuthenticationError', 'AuthenticationRequiredError']);

/** Classifies an Azure SDK error; words it as azure-core's Python errors print: "(Code) message". */
function azureFailure(e: unknown, secretId: string, az: AzureSettings, defaultCredential: boolean): FailedResolution {
  const err = e as { name?: string; message?: string; statusCode?: number; code?: string };
  const status = err?.statusCode;
  const text = safeErrorText(e, status).split('\n')[0];
  const wrap = (m: string) => wrapProviderError(secretId, m);
  const coded = err?.code && status !== undefined ? `(${err.code}) ${text}` : text;
  const login = `az login${az.tenantId ? ` --tenant ${az.tenantId}` : ''}`;
  if (CREDENTIAL_ERRORS.has(err?.name ?? '')) {
    // Metaflow's Python SDK words a failed DefaultAzureCredential chain like this.
    const py =
      defaultCredential && (err?.name === 'AggregateAuthenticationError' || err?.name === 'CredentialUnavailableError')
        ? 'DefaultAzureCredential failed to retrieve a token from the included credentials.'
        : text;
    return failure('credentials', wrap(py), { fix: login });
  }
  if (status === 404) return failure('not-found', wrap(coded));
  if (status === 401) return failure('credentials', wrap(coded), { fix: login });
  if (status === 403) return failure('access-denied', wrap(coded));
  if (status === 429) return failure('throttled', wrap(coded));
  if (status === 400) return failure('invalid-id', wrap(coded));
  if (status !== undefined && status >= 500) return failure('unreachable', wrap(coded));
  if (isNetworkError(e) || err?.code === 'REQUEST_SEND_ERROR') return failure('unreachable', wrap(text));
  return failure('other', wrap(coded));
}
