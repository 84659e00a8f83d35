/**
 * The extension's settings that shape how secrets are resolved. Endpoint overrides exist for
 * emulators and private endpoints; the TLS/insecure switches are for local emulators only.
 */
export interface AwsSettings {
  /** Named profile for the SDK's credential chain (else AWS_PROFILE, else the default chain). */
  profile?: string;
  /** Region used when Metaflow's rules give none (the SDK's own default comes after it). */
  region?: string;
  /** Secrets Manager endpoint override, e.g. http://127.0.0.1:5000. */
  endpoint?: string;
  /** STS endpoint override for AssumeRole (defaults to `endpoint` when that is set). */
  stsEndpoint?: string;
  /** SDK attempts per call (1 = no retry). */
  maxAttempts?: number;
}

export interface AzureSettings {
  tenantId?: string;
  /** Client id of a user-assigned managed identity. */
  managedIdentityClientId?: string;
  /** Replaces scheme and host of every vault URL, e.g. https://127.0.0.1:8443 (emulators, private endpoints). */
  endpoint?: string;
  /** PEM CA bundle to trust for `endpoint` (self-signed emulator certificates). */
  caFile?: string;
  /** Lets the vault's auth challenge name a non-Azure resource (emulators only). */
  disableChallengeResourceVerification?: boolean;
  maxRetries?: number;
}

export interface GcpSettings {
  /** Service-account key file; else Application Default Credentials. */
  keyFilename?: string;
  /** Quota/billing project for the client. */
  projectId?: string;
  /** host:port of the Secret Manager API, e.g. 127.0.0.1:9090. */
  endpoint?: string;
  /** Plain-text gRPC without credentials (emulators only). */
  insecure?: boolean;
  /** Use HTTP/JSON instead of gRPC. */
  rest?: boolean;
}

export interface BackendSettings {
  /** No backend calls at all (also forced in untrusted workspaces). */
  offline: boolean;
  /** Per call, milliseconds. */
  timeoutMs: number;
  /** How long an answer is reused, milliseconds. */
  cacheTtlMs: number;
  /** How long a throttled/unreachable/timeout answer is reused before asking again. */
  transientTtlMs: number;
  /** Backend calls running at once, across all sources. */
  maxConcurrent: number;
  aws: AwsSettings;
  azure: AzureSettings;
  gcp: GcpSettings;
}

export const DEFAULT_SETTINGS: BackendSettings = {
  offline: false,
  timeoutMs: 10_000,
  cacheTtlMs: 5 * 60_000,
  transientTtlMs: 30_000,
  maxConcurrent: 4,
  aws: {},
  azure: {},
  gcp: {},
};

/** Builds settings from a partial (e.g. the client's configuration), keeping defaults for the rest. */
export function backendSettings(partial: Partial<Omit<BackendSettings, 'aws' | 'azure' | 'gcp'>> & { aws?: AwsSettings; azure?: AzureSettings; gcp?: GcpSettings } = {}): BackendSettings {
  const num = (v: unknown, d: number, min: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : d);
  return {
    offline: partial.offline === true,
    timeoutMs: num(partial.timeoutMs, DEFAULT_SETTINGS.timeoutMs, 1),
    cacheTtlMs: num(partial.cacheTtlMs, DEFAULT_SETTINGS.cacheTtlMs, 0),
    transientTtlMs: num(partial.transientTtlMs, DEFAULT_SETTINGS.transientTtlMs, 0),
    maxConcurrent: Math.floor(num(partial.maxConcurrent, DEFAULT_SETTINGS.maxConcurrent, 1)),
    aws: { ...(partial.aws ?? {}) },
    azure: { ...(partial.azure ?? {}) },
    gcp: { ...(partial.gcp ?? {}) },
  };
}
