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

/** One backend type. `resolve` and `list` never throw: every failure is a FailedResolution. */
export interface SecretProvider {
  readonly type: string;
  resolve(spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<Resolution>;
  /** Names in the default scope Metaflow's configuration gives (for completion), where the backend allows listing. */
  list?(ctx: ResolveContext, signal: AbortSignal): Promise<SecretListing>;
  /** The identity the backend sees (STS GetCallerIdentity, token claims, ADC account). */
  whoAmI?(ctx: ResolveContext, signal: AbortSignal): Promise<IdentityAnswer>;
  /** The part of the settings that changes what this provider would answer (cache key). */
  settingsFingerprint(settings: BackendSettings): string;
  /** Releases SDK clients (sockets, credential caches). */
  dispose?(): void;
}

export function failure(kind: FailureKind, message: string, extra: Partial<Omit<FailedResolution, 'ok' | 'kind' | 'message'>> = {}): FailedResolution {
  return { ok: false, kind, message, ...extra };
}
