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
export function backendSettings(
  partial: { [K in Exclude<keyof BackendSettings, 'aws' | 'azure' | 'gcp'>]?: BackendSettings[K] | undefined } & {
    aws?: AwsSettings;
    azure?: AzureSettings;
    gcp?: GcpSettings;
  } = {},
): BackendSettings {
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

/** Settings built from the client's `metaflowSecrets.backends` object, with what was wrong in it. */
export interface ParsedBackendSettings {
  settings: BackendSettings;
  /** One sentence per ignored value, for the log and the status item (never holds a value of a secret). */
  problems: string[];
}

/**
 * Maps the client's `backends` settings object (`timeoutMs`, `cacheTtlSeconds`,
 * `transientTtlSeconds`, `maxConcurrent`, `aws`, `azure`, `gcp`) onto BackendSettings.
 * An untrusted workspace is always offline.
 */
export function parseBackendSettings(raw: unknown, opts: { offline: boolean; trusted: boolean }): ParsedBackendSettings {
  const problems: string[] = [];
  const obj = (v: unknown, where: string): Record<string, unknown> => {
    if (v === undefined || v === null) return {};
    if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${where} must be an object; ignored.`);
    return {};
  };
  const b = obj(raw, 'metaflowSecrets.backends');
  const num = (v: unknown, where: string, min: number, max: number): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
    problems.push(`${where} must be a number between ${min} and ${max}; the default is used.`);
    return undefined;
  };
  const str = (o: Record<string, unknown>, k: string, where: string): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v.trim() || undefined;
    problems.push(`${where}.${k} must be a string; ignored.`);
    return undefined;
  };
  const bool = (o: Record<string, unknown>, k: string, where: string): boolean | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    problems.push(`${where}.${k} must be true or false; ignored.`);
    return undefined;
  };
  const url = (o: Record<string, unknown>, k: string, where: string): string | undefined => {
    const v = str(o, k, where);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') return v;
    } catch {
      // fall through
    }
    problems.push(`${where}.${k} must be an http(s) URL such as http://127.0.0.1:5000; ignored.`);
    return undefined;
  };

  const aws = obj(b.aws, 'metaflowSecrets.backends.aws');
  const az = obj(b.azure, 'metaflowSecrets.backends.azure');
  const g = obj(b.gcp, 'metaflowSecrets.backends.gcp');
  const A = 'metaflowSecrets.backends.aws';
  const Z = 'metaflowSecrets.backends.azure';
  const G = 'metaflowSecrets.backends.gcp';
  let gcpEndpoint = str(g, 'endpoint', G);
  if (gcpEndpoint !== undefined && !/^(?:https?:\/\/)?(?:[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::\d{1,5})?\/?$/.test(gcpEndpoint)) {
    problems.push(`${G}.endpoint must be host:port such as 127.0.0.1:9090; ignored.`);
    gcpEndpoint = undefined;
  }
  const ttl = num(b.cacheTtlSeconds, 'metaflowSecrets.backends.cacheTtlSeconds', 0, 86_400);
  const transient = num(b.transientTtlSeconds, 'metaflowSecrets.backends.transientTtlSeconds', 0, 86_400);
  const settings = backendSettings({
    offline: opts.offline !== false || opts.trusted !== true,
    timeoutMs: num(b.timeoutMs, 'metaflowSecrets.backends.timeoutMs', 100, 300_000),
    cacheTtlMs: ttl === undefined ? undefined : ttl * 1000,
    transientTtlMs: transient === undefined ? undefined : transient * 1000,
    maxConcurrent: num(b.maxConcurrent, 'metaflowSecrets.backends.maxConcurrent', 1, 64),
    aws: {
      profile: str(aws, 'profile', A),
      region: str(aws, 'region', A),
      endpoint: url(aws, 'endpoint', A),
      stsEndpoint: url(aws, 'stsEndpoint', A),
      maxAttempts: num(aws.maxAttempts, `${A}.maxAttempts`, 1, 10),
    },
    azure: {
      tenantId: str(az, 'tenantId', Z),
      managedIdentityClientId: str(az, 'managedIdentityClientId', Z),
      endpoint: url(az, 'endpoint', Z),
      caFile: str(az, 'caFile', Z),
      disableChallengeResourceVerification: bool(az, 'disableChallengeResourceVerification', Z),
      maxRetries: num(az.maxRetries, `${Z}.maxRetries`, 0, 10),
    },
    gcp: {
      keyFilename: str(g, 'keyFilename', G),
      projectId: str(g, 'projectId', G),
      endpoint: gcpEndpoint,
      insecure: bool(g, 'insecure', G),
      rest: bool(g, 'rest', G),
    },
  });
  // Drop undefined fields so fingerprints and logs stay small.
  for (const k of ['aws', 'azure', 'gcp'] as const) {
    const o = settings[k] as Record<string, unknown>;
    for (const f of Object.keys(o)) if (o[f] === undefined) delete o[f];
  }
  return { settings, problems };
}
