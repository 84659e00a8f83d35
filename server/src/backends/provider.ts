import { MetaflowConfig } from '../core/metaflowConfig';
import { SourceSpec } from '../core/sourceSpec';
import { BackendSettings } from './settings';
import { ResolverLogger } from './logger';

/** What the editor knows about where a resolved secret came from (never a value). */
export interface ResolutionMeta {
  /** ARN, vault URL or GCP resource name actually asked for. */
  resolvedId: string;
  region?: string;
  vault?: string;
  project?: string;
  /** The role assumed (AWS only), and where it came from. */
  roleUsed?: string;
  roleOrigin?: string;
  /** Who asked: a profile, a credential kind; never a key. */
  identity?: string;
  /** Epoch milliseconds. */
  fetchedAt: number;
  /** What the backend says about the secret (dates, version, rotation), where it says it. */
  metadata?: SecretMetadata;
}

/**
 * Facts about a secret that are not its value, for hovers: "updated yesterday · version
 * AWSCURRENT · rotation on". Every field is optional: a backend gives what it has, and a failure
 * to ask for them never fails the resolution. Dates are epoch milliseconds.
 */
export interface SecretMetadata {
  /** When the value that was read was stored (AWS version CreatedDate, Azure version created, GCP version createTime). */
  valueSetAt?: number;
  /** When the secret was last modified in any way (AWS LastChangedDate, Azure attributes.updated). */
  changedAt?: number;
  /** When it was last rotated (AWS LastRotatedDate). */
  rotatedAt?: number;
  /** The version read: AWS VersionId, Azure version, GCP version number. */
  version?: string;
  /** AWS staging labels of that version (AWSCURRENT, AWSPREVIOUS). */
  stages?: string[];
  /** The version is not usable as is: 'disabled' (Azure enabled=false, GCP DISABLED), 'destroyed'. */
  state?: 'disabled' | 'destroyed';
  /** Automatic rotation, where the backend has it (AWS, GCP's rotation schedule; Azure secrets have none). */
  rotation?: { enabled: boolean; nextAt?: number; every?: string };
  /** When the secret (Azure, GCP) or version expires. */
  expiresAt?: number;
}

export type FailureKind =
  | 'not-found'
  | 'access-denied'
  | 'credentials'
  | 'throttled'
  | 'unreachable'
  | 'timeout'
  | 'bad-content'
  | 'duplicate-key'
  | 'invalid-id'
  | 'cancelled'
  /** Offline mode (or an untrusted workspace): nothing was asked. */
  | 'offline'
  /** Not resolvable from the editor: run-time options, a backend type the editor does not know. */
  | 'unsupported'
  | 'other';

export interface ResolvedSecret {
  ok: true;
  /** Variable name → value, exactly what Metaflow would inject. In memory only. */
  vars: Map<string, string>;
  /** The variable names, in Metaflow's order. */
  names: string[];
  meta: ResolutionMeta;
}

export interface FailedResolution {
  ok: false;
  kind: FailureKind;
  /** Metaflow's wording where Metaflow has one; never contains a secret value. */
  message: string;
  /** A command or step that fixes it, e.g. `aws sso login --profile dev`. */
  fix?: string;
  meta?: Partial<ResolutionMeta>;
  /** The id failed Metaflow's rules before any call: the static analysis reports it already. */
  reportedStatically?: boolean;
}

export type Resolution = ResolvedSecret | FailedResolution;

/** Everything a provider may consult besides the spec itself. */
export interface ResolveContext {
  config: MetaflowConfig;
  settings: BackendSettings;
  logger: ResolverLogger;
  /** Environment for credential lookups that read it (defaults to process.env). */
  env?: Record<string, string | undefined>;
}

/** Secret names a backend lists for completion, as they would be written in `sources`. */
export interface SecretNameList {
  ok: true;
  names: string[];
  /** Where they were listed: a region, a vault URL, a project. */
  scope: string;
  /** More existed than were fetched. */
  truncated: boolean;
}

export type SecretListing = SecretNameList | FailedResolution;

/** Who the editor is towards a backend, for the status item (never a key or token). */
export interface BackendIdentity {
  ok: true;
  /** E.g. an ARN, a user principal name, a service-account e-mail. */
  identity: string;
  /** Region, tenant, project: whatever qualifies it. */
  detail?: string;
  /** For the resolver's bookkeeping (identity answers carry no names). */
  names: string[];
}

export type IdentityAnswer = BackendIdentity | FailedResolution;

/**
 * What a new secret holds, straight from the user's input: one JSON object of key → value (AWS's
 * default, GCP with options.json) or one text value. In memory only, from the request that
 * carried it (sealed) to the SDK call.
 */
export type NewSecretContent = { kind: 'json'; entries: ReadonlyArray<readonly [string, string]> } | { kind: 'text'; value: string };

/** Where a new secret would be created and who would create it, for the user to confirm (never a value). */
export interface CreationTarget {
  ok: true;
  /** The backend's own words: "account 123456789012, region us-east-1", "vault https://…", "project 123". */
  where: string;
  /** The identity the SDK's credential chain yields (an ARN, a user principal, a service account). */
  identity: string;
}

export type CreationTargetAnswer = CreationTarget | FailedResolution;

export interface CreatedSecret {
  ok: true;
  /** ARN, versioned vault URL or version resource name of what was created. */
  resolvedId: string;
}

export type CreationAnswer = CreatedSecret | FailedResolution;

/** One backend type. `resolve` and `list` never throw: every failure is a FailedResolution. */
export interface SecretProvider {
  readonly type: string;
  resolve(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<Resolution>;
  /** Names in the default scope Metaflow's configuration gives (for completion), where the backend allows listing. */
  list?(ctx: ResolveContext, signal: AbortSignal): Promise<SecretListing>;
  /**
   * Metadata the resolution does not carry already (AWS DescribeSecret, GCP GetSecret and
   * GetSecretVersion), asked beside `resolve`. Never throws; undefined when unavailable.
   */
  describe?(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<SecretMetadata | undefined>;
  /** The identity the backend sees (STS GetCallerIdentity, token claims, ADC account). */
  whoAmI?(ctx: ResolveContext, signal: AbortSignal): Promise<IdentityAnswer>;
  /** Where `create` would put the secret of `spec`, and as whom (asks the backend who the caller is). Never throws. */
  creationTarget?(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<CreationTargetAnswer>;
  /**
   * Creates the secret `spec` names, through the same clients and credentials as `resolve`,
   * holding `content`. Never throws; never puts a value in a message or the log.
   */
  create?(spec: SourceSpec, content: NewSecretContent, ctx: ResolveContext, signal: AbortSignal): Promise<CreationAnswer>;
  /** The part of the settings that changes what this provider would answer (cache key). */
  settingsFingerprint(settings: BackendSettings): string;
  /** Releases SDK clients (sockets, credential caches). */
  dispose?(): void;
}

export function failure(kind: FailureKind, message: string, extra: Partial<Omit<FailedResolution, 'ok' | 'kind' | 'message'>> = {}): FailedResolution {
  return { ok: false, kind, message, ...extra };
}
/** A failure worded for creating: without Metaflow's "Failed to retrieve secret" wrapper, which is about reading. */
export function creationFailure(f: FailedResolution, id: string): FailedResolution {
  const prefix = `Failed to retrieve secret '${id}': `;
  return f.message.startsWith(prefix) ? { ...f, message: f.message.slice(prefix.length) } : f;
}
