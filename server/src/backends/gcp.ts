import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { createDefaultBackoffSettings, createRetryOptions, grpc } from 'google-gax';
import { resolveId, wrapProviderError } from '../core/backendIds';
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
import { addSanitized, ContentError, decodeUtf8Strict, expandJsonObject, nameOption, option, pyTruthy } from './secretContent';
import { BackendSettings, GcpSettings } from './settings';

/**
 * GCP Secret Manager through `@google-cloud/secret-manager` and Application Default
 * Credentials. Like Metaflow's `GcpSecretManagerSecretsProvider`: one variable named after the
 * secret unless options.json (default false) expands a JSON object; payload decoded as UTF-8.
 */
export class GcpSecretManagerProvider implements SecretProvider {
  readonly type = 'gcp-secret-manager';
  private readonly clients = new Map<string, SecretManagerServiceClient>();

  settingsFingerprint(s: BackendSettings): string {
    return JSON.stringify([s.gcp.keyFilename ?? '', s.gcp.projectId ?? '', s.gcp.endpoint ?? '']);
  }

  async resolve(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<Resolution> {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'gcp') return failure('invalid-id', id.ok ? `Not a GCP source: ${spec.type}` : id.message, { reportedStatically: true });
    const g = ctx.settings.gcp;
    const project = /^projects\/([^/]+)\//.exec(id.resourceName)?.[1];
    const identity = g.keyFilename ? `service account key ${g.keyFilename}` : 'Application Default Credentials';
    const meta = { resolvedId: id.resourceName, project, identity };
    const wrap = (m: string) => wrapProviderError(spec.id, m);
    ctx.logger.info(`gcp: AccessSecretVersion ${id.resourceName}${g.endpoint ? ` via ${g.endpoint}` : ''} as ${identity}`);
    let data: Uint8Array;
    try {
      const client = this.client(ctx.settings);
      // Find the credentials first: the client's own lazy initialisation would leave a rejected
      // promise unhandled when there are none (it rethrows inside a detached .catch).
      if (!g.insecure) await raceAbort(client.auth.getClient(), signal);
      const call = client.accessSecretVersion({ name: id.resourceName }, { timeout: ctx.settings.timeoutMs, retry: NO_RETRY });
      const onAbort = () => (call as { cancel?: () => void }).cancel?.();
      signal.addEventListener('abort', onAbort, { once: true });
      let response;
      try {
        [response] = await raceAbort(call, signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      const raw = response.payload?.data;
      data = typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw instanceof Uint8Array ? raw : new Uint8Array();
    } catch (e) {
      if (signal.aborted) return { ...abortedFailure(signal, `GCP Secret Manager (${id.resourceName})`), meta };
      return { ...gcpFailure(e, spec.id), meta };
    }
    const fullMeta = { ...meta, fetchedAt: Date.now() };
    try {
      const text = decodeUtf8Strict(data);
      let vars: Map<string, string>;
      if (pyTruthy(option(spec, 'json'))) vars = expandJsonObject(text, false);
      else {
        const envName = option(spec, 'env_var_name');
        const name = pyTruthy(envName) ? nameOption(envName!) : id.secretName;
        if (pyTruthy(option(spec, 'binary'))) {
          // Metaflow puts bytes here, which its own validation then refuses (value elided).
          return failure('bad-content', "Found non string value b'…' (<class 'bytes'>)", { meta: fullMeta });
        }
        vars = new Map();
        addSanitized(vars, name, text);
      }
      return { ok: true, vars, names: [...vars.keys()], meta: fullMeta };
    } catch (e) {
      if (e instanceof ContentError) return failure(e.kind, wrap(e.message), { meta: fullMeta });
      throw e;
    }
  }

  /**
   * GetSecretVersion (which version "latest" is, when it was added, its state) and GetSecret (the
   * rotation schedule, expiry), both beside the access call.
   */
  async describe(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<SecretMetadata | undefined> {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'gcp') return undefined;
    const secretName = id.resourceName.replace(/\/versions\/[^/]+$/, '');
    const opts = { timeout: ctx.settings.timeoutMs, retry: NO_RETRY };
    try {
      const client = this.client(ctx.settings);
      if (!ctx.settings.gcp.insecure) await raceAbort(client.auth.getClient(), signal);
      const [[version], [secret]] = await raceAbort(
        Promise.all([client.getSecretVersion({ name: id.resourceName }, opts), client.getSecret({ name: secretName }, opts)]),
        signal,
      );
      const state = String(version.state ?? '');
      const next = timestampMs(secret.rotation?.nextRotationTime);
      return {
        version: /\/versions\/([^/]+)$/.exec(version.name ?? '')?.[1],
        valueSetAt: timestampMs(version.createTime),
        ...(state === 'DISABLED' || state === '2'
          ? { state: 'disabled' as const }
          : state === 'DESTROYED' || state === '3'
            ? { state: 'destroyed' as const }
            : {}),
        // Secret Manager's rotation is a schedule of notifications; rotationPeriod is input-only, so only the next date comes back.
        rotation: { enabled: next !== undefined, nextAt: next },
        expiresAt: timestampMs(secret.expireTime),
      };
    } catch (e) {
      if (!signal.aborted)
        ctx.logger.info(
          `gcp: GetSecretVersion ${id.resourceName}: no metadata (${typeof (e as { code?: unknown })?.code === 'number' ? `code ${(e as { code: number }).code}` : ((e as Error)?.name ?? 'Error')})`,
        );
      return undefined;
    }
  }

  /** Short names in the project of METAFLOW_GCP_SECRET_MANAGER_PREFIX (short ids need it anyway). */
  async list(ctx: ResolveContext, signal: AbortSignal): Promise<SecretListing> {
    const prefix = ctx.config.get('GCP_SECRET_MANAGER_PREFIX')?.value;
    const m = prefix ? /^projects\/([^/]+)\/secrets\/$/.exec(prefix) : null;
    if (!m) return failure('unsupported', "Set METAFLOW_GCP_SECRET_MANAGER_PREFIX (projects/<number>/secrets/) to list a project's secrets.");
    const parent = `projects/${m[1]}`;
    try {
      const client = this.client(ctx.settings);
      if (!ctx.settings.gcp.insecure) await raceAbort(client.auth.getClient(), signal);
      const call = client.listSecrets({ parent, pageSize: MAX_LISTED }, { timeout: ctx.settings.timeoutMs, retry: NO_RETRY, autoPaginate: false });
      const [secrets, next] = await raceAbort(call, signal);
      const names = secrets.map((s) => (s.name ?? '').split('/').pop() ?? '').filter(Boolean);
      return { ok: true, names, scope: parent, truncated: !!next };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, `GCP Secret Manager (${parent})`);
      return gcpFailure(e, parent);
    }
  }

  async whoAmI(ctx: ResolveContext, signal: AbortSignal): Promise<IdentityAnswer> {
    const g = ctx.settings.gcp;
    if (g.insecure) return { ok: true, identity: 'no credentials (emulator)', detail: g.endpoint, names: [] };
    try {
      const client = this.client(ctx.settings);
      await raceAbort(client.auth.getClient(), signal);
      const creds = await raceAbort(client.auth.getCredentials(), signal);
      const project = await raceAbort(client.auth.getProjectId(), signal).catch(() => undefined);
      return {
        ok: true,
        identity: creds.client_email ?? 'Application Default Credentials (user)',
        detail: project ? `project ${project}` : undefined,
        names: [],
      };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, 'GCP identity');
      return gcpFailure(e, '*');
    }
  }

  /** The project of the source, and the account Application Default Credentials (or the key file) give. */
  async creationTarget(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<CreationTargetAnswer> {
    const t = this.creatable(spec, ctx);
    if (!t.ok) return t;
    const who = await this.whoAmI(ctx, signal);
    if (!who.ok) return who;
    return { ok: true, where: `project ${t.project}`, identity: `${who.identity}${who.detail ? ` (${who.detail})` : ''}` };
  }

  /**
   * CreateSecret (automatic replication) and AddSecretVersion with the content: text, or a JSON
   * object when the source reads one (options.json). A secret that exists without any version
   * (what "not found or has no versions" also means) just gets its first version.
   */
  async create(spec: SourceSpec, content: NewSecretContent, ctx: ResolveContext, signal: AbortSignal): Promise<CreationAnswer> {
    const t = this.creatable(spec, ctx);
    if (!t.ok) return t;
    const data = Buffer.from(content.kind === 'json' ? JSON.stringify(Object.fromEntries(content.entries)) : content.value, 'utf8');
    const opts = { timeout: ctx.settings.timeoutMs, retry: NO_RETRY };
    ctx.logger.info(`gcp: CreateSecret ${t.secretPath}${content.kind === 'json' ? ` with keys ${content.entries.map(([k]) => k).join(', ')}` : ''}`);
    try {
      const client = this.client(ctx.settings);
      if (!ctx.settings.gcp.insecure) await raceAbort(client.auth.getClient(), signal);
      try {
        await raceAbort(
          client.createSecret({ parent: `projects/${t.project}`, secretId: t.secretName, secret: { replication: { automatic: {} } } }, opts),
          signal,
        );
      } catch (e) {
        if ((e as { code?: unknown })?.code !== 6) throw e; // 6 ALREADY_EXISTS: a secret without versions
      }
      const [version] = await raceAbort(client.addSecretVersion({ parent: t.secretPath, payload: { data } }, opts), signal);
      return { ok: true, resolvedId: version.name ?? t.secretPath };
    } catch (e) {
      if (signal.aborted) return abortedFailure(signal, `GCP Secret Manager (${t.secretPath})`);
      return creationFailure(gcpFailure(e, spec.id), spec.id);
    } finally {
      data.fill(0);
    }
  }

  private creatable(spec: SourceSpec, ctx: ResolveContext): { ok: true; project: string; secretName: string; secretPath: string } | FailedResolution {
    const id = resolveId(spec, ctx.config);
    if (!id.ok || id.backend !== 'gcp') return failure('invalid-id', id.ok ? `Not a GCP source: ${spec.type}` : id.message);
    const m = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/.exec(id.resourceName);
    if (!m) return failure('invalid-id', `Not a secret version name: ${id.resourceName}`);
    if (m[3] !== 'latest')
      return failure('unsupported', 'The source pins a version, which only an existing secret has: remove the version to create the secret from the editor.');
    return { ok: true, project: m[1], secretName: m[2], secretPath: `projects/${m[1]}/secrets/${m[2]}` };
  }

  private client(s: BackendSettings): SecretManagerServiceClient {
    const g = s.gcp;
    const key = JSON.stringify([g.endpoint ?? '', !!g.insecure, !!g.rest, g.keyFilename ?? '', g.projectId ?? '']);
    let c = this.clients.get(key);
    if (c) return c;
    c = new SecretManagerServiceClient(clientOptions(g));
    this.clients.set(key, c);
    return c;
  }

  dispose(): void {
    for (const c of this.clients.values()) void c.close().catch(() => undefined);
    this.clients.clear();
  }
}

const MAX_LISTED = 1000;

/** A google.protobuf.Timestamp (seconds as a number, string or Long; or RFC 3339 over REST) in epoch ms. */
function timestampMs(t: unknown): number | undefined {
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const ts = t as { seconds?: unknown; nanos?: unknown } | null | undefined;
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  const seconds = Number(String(ts.seconds));
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return seconds * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1e6);
}

// The resolver decides when to ask again (transient answers are cached briefly); the client retries nothing.
const NO_RETRY = createRetryOptions([], createDefaultBackoffSettings());

function clientOptions(g: GcpSettings): ConstructorParameters<typeof SecretManagerServiceClient>[0] {
  const opts: Record<string, unknown> = {};
  if (g.endpoint) {
    const m = /^(?:(https?):\/\/)?([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(g.endpoint);
    if (m) {
      opts.apiEndpoint = m[2];
      if (m[3]) opts.port = Number(m[3]);
      if (m[1] === 'http') opts.protocol = 'http';
    } else opts.apiEndpoint = g.endpoint;
  }
  if (g.insecure && g.rest) {
    // Plain HTTP without credentials (emulators only): an auth client that adds no header.
    opts.authClient = {
      getRequestHeaders: async () => new Headers(),
      fetch: (url: string, init: RequestInit) => fetch(url, init),
      universeDomain: 'googleapis.com',
    };
    opts.universeDomain = 'googleapis.com';
    opts.projectId = g.projectId ?? 'emulator';
  }
  if (g.insecure) {
    opts.sslCreds = grpc.credentials.createInsecure();
    // No credentials means no project lookup either (it would probe the GCE metadata server).
    opts.projectId = g.projectId ?? 'emulator';
    opts.universeDomain = 'googleapis.com';
    if (g.rest) opts.protocol = 'http';
  }
  if (g.rest) opts.fallback = true;
  if (g.keyFilename) opts.keyFilename = g.keyFilename;
  if (g.projectId) opts.projectId = g.projectId;
  return opts as ConstructorParameters<typeof SecretManagerServiceClient>[0];
}

// gRPC status → the HTTP code google-api-core prints first in its exception text.
const HTTP_OF_GRPC: Record<number, number> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

function gcpFailure(e: unknown, secretId: string): FailedResolution {
  const err = e as { code?: unknown; details?: unknown; message?: unknown; name?: string };
  const wrap = (m: string) => wrapProviderError(secretId, m);
  const text = typeof err?.details === 'string' && err.details ? safeErrorText({ message: err.details }) : safeErrorText(e);
  const fix = 'gcloud auth application-default login';
  if (/default credentials|invalid_grant|reauth|Could not refresh access token|unable to impersonate/i.test(text) && typeof err?.code !== 'number') {
    return failure('credentials', wrap(text.split('\n')[0]), { fix });
  }
  if (typeof err?.code === 'number') {
    const http = HTTP_OF_GRPC[err.code] ?? 500;
    const m = wrap(`${http} ${text}`);
    switch (err.code) {
      case 5:
        return failure('not-found', m);
      case 7:
        return failure('access-denied', m);
      case 16:
        return failure('credentials', m, { fix });
      case 8:
        return failure('throttled', m);
      case 4:
        return failure('timeout', m);
      case 14:
      case 13:
      case 2:
        return failure('unreachable', m);
      case 3:
        return failure('invalid-id', m);
      case 1:
        return failure('cancelled', m);
      default:
        return failure('other', m);
    }
  }
  if (isNetworkError(e)) return failure('unreachable', wrap(text));
  return failure('other', wrap(text));
}
