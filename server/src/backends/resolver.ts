import { resolveId } from '../core/backendIds';
import { MetaflowConfig } from '../core/metaflowConfig';
import { DYNAMIC, SourceSpec, specDisplay, specKey } from '../core/sourceSpec';
import { abortedFailure, CancelReason, raceAbort, TimeoutReason } from './abort';
import { AwsSecretsManagerProvider } from './aws';
import { AzureKeyVaultProvider, AzureProviderOptions } from './azure';
import { GcpSecretManagerProvider } from './gcp';
import { InlineProvider } from './inline';
import { ResolverLogger, SILENT_LOGGER } from './logger';
import {
  CreationAnswer,
  CreationTargetAnswer,
  FailedResolution,
  failure,
  IdentityAnswer,
  isTransient,
  NewSecretContent,
  Resolution,
  ResolveContext,
  SecretListing,
  SecretMetadata,
  SecretProvider,
} from './provider';
import { BackendSettings, DEFAULT_SETTINGS } from './settings';

/** Configuration that decides where listings look. */
const LIST_CONFIG = ['AWS_SECRETS_MANAGER_DEFAULT_REGION', 'AWS_SECRETS_MANAGER_DEFAULT_ROLE', 'DEFAULT_SECRETS_ROLE', 'AZURE_KEY_VAULT_PREFIX', 'GCP_SECRET_MANAGER_PREFIX'] as const;

/** The configuration that decides where secrets are listed (region, role, prefixes). */
export function listingScope(config: MetaflowConfig): string[] {
  return LIST_CONFIG.map((n) => config.get(n)?.value ?? '');
}

export interface ResolveEvent {
  key: string;
  spec: SourceSpec;
  resolution: Resolution;
}

export interface ResolverCounters {
  /** Calls made to providers (each is at most one backend request, plus SDK retries). */
  calls: number;
  /** Per cache key. */
  callsByKey: Map<string, number>;
  cacheHits: number;
  /** Callers that joined a request already in flight. */
  joined: number;
  timeouts: number;
  cancelled: number;
}

export interface ResolverOptions {
  settings?: BackendSettings;
  providers?: SecretProvider[];
  logger?: ResolverLogger;
  /** Environment for credential lookups (defaults to process.env). */
  env?: Record<string, string | undefined>;
  azure?: AzureProviderOptions;
  now?: () => number;
  /**
   * Ask for each resolved secret's metadata too (dates, version, rotation: the editor's hovers),
   * beside the value, within the same timeout and cancellation. The CLI has no use for it.
   */
  metadata?: boolean;
}

/** How long a resolved answer waits for its metadata once the value is in. */
const METADATA_GRACE_MS = 1000;
/** Metadata gives up this long before the call's own timeout, so it can never turn an answer into a timeout. */
const METADATA_MARGIN_MS = 100;

interface CacheEntry {
  value: Resolution | SecretListing | IdentityAnswer;
  storedAt: number;
  expiresAt: number;
}

interface Flight {
  promise: Promise<Resolution | SecretListing | IdentityAnswer>;
  controller: AbortController;
  /** Callers still waiting that can cancel; background requests are not counted. */
  waiters: number;
  background: boolean;
  /** Its source was forgotten meanwhile (a secret was created): the answer is not cached. */
  stale?: boolean;
}

/**
 * The server's one door to the secret backends. Values stay in this process's memory; each
 * distinct source (spec + the settings and configuration that shape its request) is asked at
 * most once at a time and then answered from the cache until its TTL passes; calls run with
 * bounded concurrency and a timeout, and are cancelled when nobody waits for them any more.
 */
export class SecretResolver {
  private settings: BackendSettings;
  private readonly providers = new Map<string, SecretProvider>();
  private readonly logger: ResolverLogger;
  private readonly now: () => number;
  private readonly env?: Record<string, string | undefined>;
  private readonly metadata: boolean;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly keys = new WeakMap<SourceSpec, { config: MetaflowConfig; settings: BackendSettings; key: string }>();
  private readonly flights = new Map<string, Flight>();
  private readonly listeners = new Set<(e: ResolveEvent) => void>();
  private readonly queue: Array<() => void> = [];
  private running = 0;
  private generation = 0;
  readonly counters: ResolverCounters = { calls: 0, callsByKey: new Map(), cacheHits: 0, joined: 0, timeouts: 0, cancelled: 0 };

  constructor(opts: ResolverOptions = {}) {
    this.settings = opts.settings ?? DEFAULT_SETTINGS;
    this.logger = opts.logger ?? SILENT_LOGGER;
    this.now = opts.now ?? Date.now;
    this.env = opts.env;
    this.metadata = opts.metadata === true;
    const providers = opts.providers ?? [new InlineProvider(), new AwsSecretsManagerProvider(), new AzureKeyVaultProvider(opts.azure), new GcpSecretManagerProvider()];
    for (const p of providers) this.providers.set(p.type, p);
  }

  /** Backend types this resolver can ask. */
  get types(): string[] {
    return [...this.providers.keys()];
  }

  /** New settings: answers that depended on the old ones are forgotten. */
  setSettings(settings: BackendSettings): void {
    const before = this.fingerprints(this.settings);
    this.settings = settings;
    if (settings.offline) {
      // Offline (or no longer trusted): nothing may still be talking to a backend.
      for (const f of this.flights.values()) f.controller.abort(new CancelReason());
    }
    if (this.fingerprints(settings) !== before || settings.offline) this.refresh();
  }

  getSettings(): BackendSettings {
    return this.settings;
  }

  /** The cache and de-duplication key: the spec plus everything that changes its request. */
  keyOf(spec: SourceSpec, config: MetaflowConfig): string {
    // The server asks for the same spec object several times per analysis (names, findings,
    // status): computing the key once per spec, configuration and settings saves the id
    // resolution and two JSON encodings each time.
    const memo = this.keys.get(spec);
    if (memo && memo.config === config && memo.settings === this.settings) return memo.key;
    const provider = spec.type ? this.providers.get(spec.type) : undefined;
    const id = resolveId(spec, config);
    const key = specKey(spec, JSON.stringify([id, provider?.settingsFingerprint(this.settings) ?? '']));
    this.keys.set(spec, { config, settings: this.settings, key });
    return key;
  }

  /** A cached, unexpired answer, without ever starting a request (for analysis that must not wait). */
  peek(spec: SourceSpec, config: MetaflowConfig): Resolution | undefined {
    const e = this.cache.get(this.keyOf(spec, config));
    if (!e || e.expiresAt <= this.now()) return undefined;
    return e.value as Resolution;
  }

  /**
   * The latest answer even past its TTL, so diagnostics do not flicker while a fresh request
   * runs. An expired answer keeps its names but no longer its values.
   */
  peekLatest(spec: SourceSpec, config: MetaflowConfig): { resolution: Resolution; fresh: boolean } | undefined {
    const e = this.cache.get(this.keyOf(spec, config));
    if (!e) return undefined;
    const fresh = e.expiresAt > this.now();
    if (!fresh && e.value.ok && 'vars' in e.value && e.value.vars.size > 0) {
      e.value = { ...e.value, vars: new Map() };
    }
    return { resolution: e.value as Resolution, fresh };
  }

  /** True while a request for this source is running or queued. */
  isPending(spec: SourceSpec, config: MetaflowConfig): boolean {
    return this.flights.has(this.keyOf(spec, config));
  }

  /**
   * Starts a request unless the answer is cached or already on its way; `onDidResolve` reports
   * the answer. For the server's background resolution after an edit.
   */
  prefetch(spec: SourceSpec, config: MetaflowConfig): void {
    void this.resolveInternal(spec, config, undefined, true);
  }

  /**
   * The answer for a source: from the cache, a request in flight, or a new request.
   * `maxAgeMs` refuses cached answers older than that (a run wants values fetched just now).
   */
  resolve(spec: SourceSpec, config: MetaflowConfig, signal?: AbortSignal, opts: { maxAgeMs?: number } = {}): Promise<Resolution> {
    return this.resolveInternal(spec, config, signal, false, opts.maxAgeMs);
  }

  /** Forgets every answer ("Refresh secrets"); requests in flight finish for their callers but are not cached. */
  refresh(): void {
    this.generation++;
    this.cache.clear();
    this.flights.clear();
    this.logger.info('secrets cache cleared');
  }

  onDidResolve(listener: (e: ResolveEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    for (const f of this.flights.values()) f.controller.abort(new CancelReason());
    this.flights.clear();
    this.cache.clear();
    this.listeners.clear();
    for (const p of this.providers.values()) p.dispose?.();
  }

  private fingerprints(s: BackendSettings): string {
    return JSON.stringify([...this.providers.values()].map((p) => p.settingsFingerprint(s)));
  }

  /**
   * Secret names of one backend type for completion inside `sources=[...]`, listed in the scope
   * Metaflow's configuration gives (default region, vault prefix, project prefix). Cached and
   * de-duplicated like resolutions.
   */
  listSecretNames(type: string, config: MetaflowConfig, signal?: AbortSignal): Promise<SecretListing> {
    if (this.settings.offline) return Promise.resolve(failure('offline', 'Offline: secrets are not listed (offline mode or an untrusted workspace).'));
    const provider = this.providers.get(type);
    if (!provider?.list) return Promise.resolve(failure('unsupported', `The editor cannot list ${type} secrets.`));
    const key = this.listingKey(type, config, provider);
    const list = provider.list.bind(provider);
    return this.run(key, `${type} listing`, signal, false, (ctx, sig) => list(ctx, sig), config) as Promise<SecretListing>;
  }

  /** A listing already answered and still fresh, never a request (for "did you mean" on a missing secret). */
  peekListing(type: string, config: MetaflowConfig): SecretListing | undefined {
    const provider = this.providers.get(type);
    if (!provider?.list) return undefined;
    const e = this.cache.get(this.listingKey(type, config, provider));
    return e && e.expiresAt > this.now() ? (e.value as SecretListing) : undefined;
  }

  private listingKey(type: string, config: MetaflowConfig, provider: SecretProvider): string {
    return JSON.stringify(['list', type, provider.settingsFingerprint(this.settings), ...listingScope(config)]);
  }

  /** Who the editor is towards a backend type (for the status item), cached like resolutions. */
  identity(type: string, config: MetaflowConfig, signal?: AbortSignal): Promise<IdentityAnswer> {
    if (this.settings.offline) return Promise.resolve(failure('offline', 'Offline: no backend is asked.'));
    const provider = this.providers.get(type);
    if (!provider?.whoAmI) return Promise.resolve(failure('unsupported', `No identity for ${type}.`));
    const key = JSON.stringify(['identity', type, provider.settingsFingerprint(this.settings), config.get('AWS_SECRETS_MANAGER_DEFAULT_REGION')?.value ?? '']);
    const who = provider.whoAmI.bind(provider);
    return this.run(key, `${type} identity`, signal, false, (ctx, sig) => who(ctx, sig), config) as Promise<IdentityAnswer>;
  }

  /** Where a new secret for this source would go and as whom (asked each time: nothing cached). */
  creationTarget(spec: SourceSpec, config: MetaflowConfig, signal?: AbortSignal): Promise<CreationTargetAnswer> {
    const provider = this.creator(spec);
    if (!provider.ok) return Promise.resolve(provider);
    return this.once(`${specDisplay(spec)} creation target`, config, signal, (ctx, sig) => provider.value.creationTarget!(spec, ctx, sig));
  }

  /**
   * Creates the secret a source names, holding `content`, with the same clients and credentials
   * as resolving it; then forgets what was cached about the source (and its backend's listing) so
   * the next resolution asks again. Not cached, not shared between callers, bounded by the timeout.
   */
  async createSecret(spec: SourceSpec, config: MetaflowConfig, content: NewSecretContent, signal?: AbortSignal): Promise<CreationAnswer> {
    const provider = this.creator(spec);
    if (!provider.ok) return provider;
    const answer = await this.once(`creating ${specDisplay(spec)}`, config, signal, (ctx, sig) => provider.value.create!(spec, content, ctx, sig));
    if (answer.ok) {
      this.logger.info(`created ${specDisplay(spec)}: ${answer.resolvedId}`);
      this.forget(spec, config);
    } else this.logger.warn(`could not create ${specDisplay(spec)}: ${answer.kind}: ${answer.message}`);
    return answer;
  }

  /** Drops the cached answer (and the listing of its backend) for one source; a request in flight finishes for its callers, uncached. */
  forget(spec: SourceSpec, config: MetaflowConfig): void {
    const key = this.keyOf(spec, config);
    this.cache.delete(key);
    const flight = this.flights.get(key);
    if (flight) flight.stale = true;
    this.flights.delete(key);
    const provider = spec.type ? this.providers.get(spec.type) : undefined;
    if (provider && spec.type) this.cache.delete(this.listingKey(spec.type, config, provider));
  }

  private creator(spec: SourceSpec): { ok: true; value: SecretProvider } | FailedResolution {
    if (this.settings.offline) return failure('offline', 'Offline: no backend is asked (offline mode or an untrusted workspace).');
    const provider = spec.type ? this.providers.get(spec.type) : undefined;
    if (!provider?.create || !provider.creationTarget) return failure('unsupported', `The editor cannot create ${spec.type ?? 'untyped'} secrets.`);
    return { ok: true, value: provider };
  }

  /** One call outside the cache, with the settings' timeout and the caller's cancellation. */
  private async once<T extends { ok: boolean }>(display: string, config: MetaflowConfig, signal: AbortSignal | undefined, call: (ctx: ResolveContext, signal: AbortSignal) => Promise<T | FailedResolution>): Promise<T | FailedResolution> {
    const settings = this.settings;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutReason(settings.timeoutMs)), settings.timeoutMs);
    const onAbort = () => controller.abort(new CancelReason());
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) return abortedFailure(signal, display);
      const ctx: ResolveContext = { config, settings, logger: this.logger, env: this.env };
      return await raceAbort(call(ctx, controller.signal), controller.signal);
    } catch (e) {
      if (controller.signal.aborted) return abortedFailure(controller.signal, display);
      return failure('other', `Unexpected failure ${display}: ${(e as Error)?.name ?? 'Error'}`);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async resolveInternal(spec: SourceSpec, config: MetaflowConfig, signal: AbortSignal | undefined, background: boolean, maxAgeMs?: number): Promise<Resolution> {
    if (this.settings.offline) return failure('offline', 'Offline: secrets are not resolved (offline mode or an untrusted workspace).');
    const provider = spec.type ? this.providers.get(spec.type) : undefined;
    if (!provider) return failure('unsupported', `The editor cannot resolve ${spec.type ?? 'untyped'} sources.`);
    if (spec.options === DYNAMIC) return failure('unsupported', 'The options of this source are computed at run time.');
    const key = this.keyOf(spec, config);
    const onDone = (value: Resolution | SecretListing | IdentityAnswer) => {
      for (const l of this.listeners) {
        try {
          l({ key, spec, resolution: value as Resolution });
        } catch (e) {
          this.logger.warn(`onDidResolve listener failed: ${(e as Error)?.message}`);
        }
      }
    };
    const call = this.metadata && provider.describe ? (ctx: ResolveContext, sig: AbortSignal) => this.resolveWithMetadata(provider, spec, ctx, sig) : (ctx: ResolveContext, sig: AbortSignal) => provider.resolve(spec, ctx, sig);
    return this.run(key, specDisplay(spec), signal, background, call, config, onDone, maxAgeMs) as Promise<Resolution>;
  }

  /**
   * The value and the metadata, asked at once. Metadata is a bonus: a failed, slow or missing
   * answer leaves it out and never fails the resolution or delays it past a short grace.
   */
  private async resolveWithMetadata(provider: SecretProvider, spec: SourceSpec, ctx: ResolveContext, signal: AbortSignal): Promise<Resolution> {
    // Wall-clock time (the resolver's `now` may be a test's clock for TTLs).
    const deadline = Date.now() + ctx.settings.timeoutMs - METADATA_MARGIN_MS;
    const stop = new AbortController();
    const described = provider.describe!(spec, ctx, AbortSignal.any([signal, stop.signal])).catch(() => undefined);
    try {
      const res = await provider.resolve(spec, ctx, signal);
      if (!res.ok) return res;
      const wait = Math.min(METADATA_GRACE_MS, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((r) => (timer = setTimeout(r, Math.max(0, wait), undefined)));
      const extra = await Promise.race([described, late]);
      clearTimeout(timer);
      return extra ? { ...res, meta: { ...res.meta, metadata: { ...res.meta.metadata, ...definedOnly(extra) } } } : res;
    } finally {
      stop.abort(new CancelReason());
    }
  }

  /** The cache, then a flight in progress, then a new flight. */
  private run(
    key: string,
    display: string,
    signal: AbortSignal | undefined,
    background: boolean,
    call: (ctx: ResolveContext, signal: AbortSignal) => Promise<Resolution | SecretListing | IdentityAnswer>,
    config: MetaflowConfig,
    onDone?: (value: Resolution | SecretListing | IdentityAnswer) => void,
    maxAgeMs?: number,
  ): Promise<Resolution | SecretListing | IdentityAnswer> {
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && cached.expiresAt > now && (maxAgeMs === undefined || now - cached.storedAt <= maxAgeMs)) {
      this.counters.cacheHits++;
      return Promise.resolve(cached.value);
    }
    let flight = this.flights.get(key);
    if (flight) this.counters.joined++;
    else flight = this.start(key, display, call, config, onDone);
    if (background) {
      flight.background = true;
      return flight.promise;
    }
    return this.wait(flight, signal);
  }

  /** One caller waiting on a flight; the last cancelling caller cancels the request. */
  private wait(flight: Flight, signal: AbortSignal | undefined): Promise<Resolution | SecretListing | IdentityAnswer> {
    if (!signal) {
      // A caller that cannot cancel keeps the request alive.
      flight.background = true;
      return flight.promise;
    }
    if (signal.aborted) return Promise.resolve(failure('cancelled', 'Cancelled.'));
    flight.waiters++;
    return new Promise((resolve) => {
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        flight.waiters--;
        if (flight.waiters === 0 && !flight.background) flight.controller.abort(new CancelReason());
        resolve(failure('cancelled', 'Cancelled.'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void flight.promise.then((r) => {
        if (done) return;
        done = true;
        flight.waiters--;
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      });
    });
  }

  private start(
    key: string,
    display: string,
    call: (ctx: ResolveContext, signal: AbortSignal) => Promise<Resolution | SecretListing | IdentityAnswer>,
    config: MetaflowConfig,
    onDone?: (value: Resolution | SecretListing | IdentityAnswer) => void,
  ): Flight {
    const controller = new AbortController();
    const generation = this.generation;
    const settings = this.settings;
    const flight: Flight = { promise: undefined as unknown as Promise<Resolution>, controller, waiters: 0, background: false };
    flight.promise = this.slot(controller.signal).then(async (release): Promise<Resolution | SecretListing | IdentityAnswer> => {
      if (!release) return abortedFailure(controller.signal, display);
      const timer = setTimeout(() => controller.abort(new TimeoutReason(settings.timeoutMs)), settings.timeoutMs);
      this.counters.calls++;
      this.counters.callsByKey.set(key, (this.counters.callsByKey.get(key) ?? 0) + 1);
      const ctx: ResolveContext = { config, settings, logger: this.logger, env: this.env };
      try {
        return await raceAbort(call(ctx, controller.signal), controller.signal);
      } catch (e) {
        if (controller.signal.aborted) return abortedFailure(controller.signal, display);
        return failure('other', `Unexpected failure resolving ${display}: ${(e as Error)?.name ?? 'Error'}`);
      } finally {
        clearTimeout(timer);
        release();
      }
    }).then((value) => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
      if (value.ok) this.logger.info(`resolved ${display}: ${value.names.length} name(s)`);
      else {
        if (value.kind === 'timeout') this.counters.timeouts++;
        if (value.kind === 'cancelled') this.counters.cancelled++;
        this.logger.warn(`could not resolve ${display}: ${value.kind}: ${value.message}`);
      }
      if (value.ok || value.kind !== 'cancelled') {
        if (generation === this.generation && !flight.stale) {
          const ttl = !value.ok && isTransient(value.kind) ? Math.min(settings.transientTtlMs, settings.cacheTtlMs) : settings.cacheTtlMs;
          this.cache.set(key, { value, storedAt: this.now(), expiresAt: this.now() + ttl });
        }
        onDone?.(value);
      }
      return value;
    });
    this.flights.set(key, flight);
    return flight;
  }

  /** Waits for a concurrency slot; resolves to a release function, or undefined if aborted while queued. */
  private slot(signal: AbortSignal): Promise<(() => void) | undefined> {
    const release = () => {
      this.running--;
      const next = this.queue.shift();
      if (next) next();
    };
    if (this.running < this.settings.maxConcurrent) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => {
      const go = () => {
        signal.removeEventListener('abort', onAbort);
        this.running++;
        resolve(release);
      };
      const onAbort = () => {
        const i = this.queue.indexOf(go);
        if (i >= 0) this.queue.splice(i, 1);
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(go);
    });
  }
}

/** The fields that hold a value, so merging never overwrites what the resolution knew with undefined. */
function definedOnly(m: SecretMetadata): Partial<SecretMetadata> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Partial<SecretMetadata>;
}
