import { resolveId } from '../core/backendIds';
import { MetaflowConfig } from '../core/metaflowConfig';
import { DYNAMIC, SourceSpec, specDisplay, specKey } from '../core/sourceSpec';
import { abortedFailure, CancelReason, raceAbort, TimeoutReason } from './abort';
import type { AzureProviderOptions } from './azure';
import { Answer, lifetimeMs, retriesBySelf, sameAnswer } from './failurePolicy';
import { InlineProvider } from './inline';
import { isLoaded, lazyProvider } from './lazyProvider';
import { ResolverLogger, SILENT_LOGGER } from './logger';
import {
  CreationAnswer,
  CreationTargetAnswer,
  FailedResolution,
  failure,
  IdentityAnswer,
  NewSecretContent,
  Resolution,
  ResolveContext,
  SecretListing,
  SecretMetadata,
  SecretProvider,
} from './provider';
import { BackendSettings, DEFAULT_SETTINGS } from './settings';

/** Configuration that decides where listings look. */
const LIST_CONFIG = [
  'AWS_SECRETS_MANAGER_DEFAULT_REGION',
  'AWS_SECRETS_MANAGER_DEFAULT_ROLE',
  'DEFAULT_SECRETS_ROLE',
  'AZURE_KEY_VAULT_PREFIX',
  'GCP_SECRET_MANAGER_PREFIX',
] as const;

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

/** Who is waiting for a request, most urgent first: the queue for a free slot is kept in this order. */
export const PRIORITY = {
  /** A caller awaits the answer (a run, a completion list). */
  caller: 0,
  /** The user hovers the source. */
  hovered: 1,
  /** A source of the document being edited or looked at. */
  focused: 2,
  /** Any other open document. */
  background: 3,
} as const;

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
  /** Runs `fn` after `ms` (the retry of a failure); tests replace it to advance time by hand. */
  schedule?: (fn: () => void, ms: number) => { cancel(): void };
}

/** How long a resolved answer waits for its metadata once the value is in. */
const METADATA_GRACE_MS = 1000;
/** Metadata gives up this long before the call's own timeout, so it can never turn an answer into a timeout. */
const METADATA_MARGIN_MS = 100;

interface CacheEntry {
  value: Answer;
  storedAt: number;
  expiresAt: number;
  /** The backend type that answered: a change of its credentials makes its failures stale. */
  type: string;
  /** Failures in a row that may pass by themselves (the backoff step); 0 for answers. */
  failures: number;
  retry?: { cancel(): void };
}

interface Waiting {
  go: () => void;
  priority: number;
  seq: number;
}

interface Flight {
  /** The backend type asked. */
  type: string;
  promise: Promise<Answer>;
  controller: AbortController;
  /** Callers still waiting that can cancel; background requests are not counted. */
  waiters: number;
  background: boolean;
  /** Its source was forgotten meanwhile (a secret was created): the answer is not cached. */
  stale?: boolean;
  /** Its place in the queue for a slot, until it gets one. */
  waiting?: Waiting;
}

const defaultSchedule = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};

/**
 * The server's one door to the secret backends. Values stay in this process's memory; each
 * distinct source (spec + the settings and configuration that shape its request) is asked at
 * most once at a time and then answered from the cache until its TTL passes; calls run with
 * bounded concurrency (callers and hovered sources first) and a timeout, and are cancelled when
 * nobody waits for them any more. Failures that may pass by themselves are kept only briefly
 * and announced (`onRetryDue`) when it is time to ask again, with backoff (failurePolicy.ts).
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
  private readonly retryListeners = new Set<(key: string, type: string) => void>();
  private readonly queue: Waiting[] = [];
  private queued = 0;
  private running = 0;
  private generation = 0;
  /** Per backend type, bumped when its credentials change: answers asked with the old ones are not kept. */
  private readonly credentialGenerations = new Map<string, number>();
  private readonly schedule: (fn: () => void, ms: number) => { cancel(): void };
  readonly counters: ResolverCounters = { calls: 0, callsByKey: new Map(), cacheHits: 0, joined: 0, timeouts: 0, cancelled: 0 };

  constructor(opts: ResolverOptions = {}) {
    this.settings = opts.settings ?? DEFAULT_SETTINGS;
    this.logger = opts.logger ?? SILENT_LOGGER;
    this.now = opts.now ?? Date.now;
    this.env = opts.env;
    this.metadata = opts.metadata === true;
    this.schedule = opts.schedule ?? defaultSchedule;
    // The SDKs load when a source of theirs is first asked about (see lazyProvider.ts).
    const providers = opts.providers ?? [
      new InlineProvider(),
      lazyProvider('aws-secrets-manager', () => new (require('./aws') as typeof import('./aws')).AwsSecretsManagerProvider()),
      lazyProvider('az-key-vault', () => new (require('./azure') as typeof import('./azure')).AzureKeyVaultProvider(opts.azure)),
      lazyProvider('gcp-secret-manager', () => new (require('./gcp') as typeof import('./gcp')).GcpSecretManagerProvider()),
    ];
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
    if (this.cache.size === 0) return undefined;
    const e = this.cache.get(this.keyOf(spec, config));
    if (!e || e.expiresAt <= this.now()) return undefined;
    return e.value as Resolution;
  }

  /**
   * The latest answer even past its TTL, so diagnostics do not flicker while a fresh request
   * runs. An expired answer keeps its names but no longer its values.
   */
  peekLatest(spec: SourceSpec, config: MetaflowConfig): { resolution: Resolution; fresh: boolean } | undefined {
    if (this.cache.size === 0) return undefined;
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
    return this.flights.size > 0 && this.flights.has(this.keyOf(spec, config));
  }

  /**
   * Starts a request unless the answer is cached or already on its way; `onDidResolve` reports
   * the answer when it differs from the one cached before. For the server's background resolution
   * after an edit; `priority` places it in the queue for a slot (PRIORITY).
   */
  prefetch(spec: SourceSpec, config: MetaflowConfig, priority: number = PRIORITY.background): void {
    void this.resolveInternal(spec, config, { background: true, priority });
  }

  /** A request for this source still waiting for a slot goes ahead of those less urgent. */
  promote(spec: SourceSpec, config: MetaflowConfig, priority: number): void {
    const w = this.flights.get(this.keyOf(spec, config))?.waiting;
    if (w && priority < w.priority) w.priority = priority;
  }

  /**
   * The answer for a source: from the cache, a request in flight, or a new request.
   * `maxAgeMs` refuses cached answers older than that (a run wants values fetched just now).
   */
  resolve(spec: SourceSpec, config: MetaflowConfig, signal?: AbortSignal, opts: { maxAgeMs?: number } = {}): Promise<Resolution> {
    return this.resolveInternal(spec, config, { signal, background: false, maxAgeMs: opts.maxAgeMs, priority: PRIORITY.caller });
  }

  /** Forgets every answer ("Refresh secrets"); requests in flight finish for their callers but are not cached. */
  refresh(): void {
    this.generation++;
    for (const e of this.cache.values()) e.retry?.cancel();
    this.cache.clear();
    this.flights.clear();
    this.logger.info('secrets cache cleared');
  }

  /**
   * The credentials of backend `type` changed (a login, a rewritten credentials file): its SDK
   * clients go, so the next call reads them afresh, and its failures and identity are stale. They
   * stay visible (no flicker) until the new answers come; `onRetryDue` announces each, and
   * requests already running with the old credentials are not cached.
   */
  credentialsChanged(type: string): void {
    const provider = this.providers.get(type);
    if (provider && isLoaded(provider)) provider.dispose?.();
    this.credentialGenerations.set(type, (this.credentialGenerations.get(type) ?? 0) + 1);
    const due: string[] = [];
    for (const [key, e] of this.cache) {
      if (e.type !== type || (e.value.ok && !('identity' in e.value))) continue;
      e.retry?.cancel();
      e.retry = undefined;
      e.expiresAt = 0;
      e.failures = 0;
      due.push(key);
    }
    // Requests still running with the old credentials finish for their callers; new ones start afresh.
    for (const [key, f] of this.flights) if (f.type === type) this.flights.delete(key);
    this.logger.info(`${type}: credentials changed; ${due.length} answer(s) to ask again`);
    for (const key of due) this.emitRetryDue(key, type);
  }

  onDidResolve(listener: (e: ResolveEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** A cached failure that may have passed is due to be asked again (`key` as `keyOf` gives it). */
  onRetryDue(listener: (key: string, type: string) => void): { dispose(): void } {
    this.retryListeners.add(listener);
    return { dispose: () => this.retryListeners.delete(listener) };
  }

  dispose(): void {
    for (const f of this.flights.values()) f.controller.abort(new CancelReason());
    this.flights.clear();
    for (const e of this.cache.values()) e.retry?.cancel();
    this.cache.clear();
    this.listeners.clear();
    this.retryListeners.clear();
    for (const p of this.providers.values()) p.dispose?.();
  }

  /** Only providers already loaded: the others have nothing cached, and loading them would load their SDK. */
  private fingerprints(s: BackendSettings): string {
    return JSON.stringify([...this.providers.values()].filter(isLoaded).map((p) => [p.type, p.settingsFingerprint(s)]));
  }

  private emitRetryDue(key: string, type: string): void {
    for (const l of this.retryListeners) {
      try {
        l(key, type);
      } catch (e) {
        this.logger.warn(`onRetryDue listener failed: ${(e as Error)?.message}`);
      }
    }
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
    return this.run({
      key,
      type,
      display: `${type} listing`,
      signal,
      background: false,
      priority: PRIORITY.caller,
      config,
      call: (ctx, sig) => list(ctx, sig),
    }) as Promise<SecretListing>;
  }

  /** A listing already answered and still fresh, never a request (for "did you mean" on a missing secret). */
  peekListing(type: string, config: MetaflowConfig): SecretListing | undefined {
    if (this.cache.size === 0) return undefined;
    const provider = this.providers.get(type);
    if (!provider?.list) return undefined;
    const e = this.cache.get(this.listingKey(type, config, provider));
    return e && e.expiresAt > this.now() ? (e.value as SecretListing) : undefined;
  }

  private listingKey(type: string, config: MetaflowConfig, provider: SecretProvider): string {
    return JSON.stringify(['list', type, provider.settingsFingerprint(this.settings), ...listingScope(config)]);
  }

  /**
   * Who the editor is towards a backend type (for the status item), cached like resolutions; a
   * failed answer is asked again once its backoff has passed, or at once after `credentialsChanged`.
   */
  identity(type: string, config: MetaflowConfig, signal?: AbortSignal): Promise<IdentityAnswer> {
    if (this.settings.offline) return Promise.resolve(failure('offline', 'Offline: no backend is asked.'));
    const provider = this.providers.get(type);
    if (!provider?.whoAmI) return Promise.resolve(failure('unsupported', `No identity for ${type}.`));
    const key = JSON.stringify(['identity', type, provider.settingsFingerprint(this.settings), config.get('AWS_SECRETS_MANAGER_DEFAULT_REGION')?.value ?? '']);
    const who = provider.whoAmI.bind(provider);
    return this.run({
      key,
      type,
      display: `${type} identity`,
      signal,
      background: false,
      priority: PRIORITY.caller,
      config,
      call: (ctx, sig) => who(ctx, sig),
    }) as Promise<IdentityAnswer>;
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
    this.cache.get(key)?.retry?.cancel();
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
  private async once<T extends { ok: boolean }>(
    display: string,
    config: MetaflowConfig,
    signal: AbortSignal | undefined,
    call: (ctx: ResolveContext, signal: AbortSignal) => Promise<T | FailedResolution>,
  ): Promise<T | FailedResolution> {
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

  /** Marks the cached identity of `type` stale (a source of it just resolved after failing). */
  identityStale(type: string): void {
    for (const [key, e] of this.cache) if (e.type === type && key.startsWith('["identity"') && !e.value.ok) e.expiresAt = 0;
  }

  private async resolveInternal(
    spec: SourceSpec,
    config: MetaflowConfig,
    how: { signal?: AbortSignal; background: boolean; maxAgeMs?: number; priority: number },
  ): Promise<Resolution> {
    const { signal, background, maxAgeMs, priority } = how;
    if (this.settings.offline) return failure('offline', 'Offline: secrets are not resolved (offline mode or an untrusted workspace).');
    const provider = spec.type ? this.providers.get(spec.type) : undefined;
    if (!provider) return failure('unsupported', `The editor cannot resolve ${spec.type ?? 'untyped'} sources.`);
    if (spec.options === DYNAMIC) return failure('unsupported', 'The options of this source are computed at run time.');
    const key = this.keyOf(spec, config);
    const onDone = (value: Answer) => {
      for (const l of this.listeners) {
        try {
          l({ key, spec, resolution: value as Resolution });
        } catch (e) {
          this.logger.warn(`onDidResolve listener failed: ${(e as Error)?.message}`);
        }
      }
    };
    const call =
      this.metadata && provider.describe
        ? (ctx: ResolveContext, sig: AbortSignal) => this.resolveWithMetadata(provider, spec, ctx, sig)
        : (ctx: ResolveContext, sig: AbortSignal) => provider.resolve(spec, ctx, sig);
    return this.run({
      key,
      type: provider.type,
      display: specDisplay(spec),
      signal,
      background,
      priority,
      config,
      call,
      onDone,
      maxAgeMs,
    }) as Promise<Resolution>;
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
  private run(r: Request): Promise<Answer> {
    const cached = this.cache.get(r.key);
    const now = this.now();
    if (cached && cached.expiresAt > now && (r.maxAgeMs === undefined || now - cached.storedAt <= r.maxAgeMs)) {
      this.counters.cacheHits++;
      return Promise.resolve(cached.value);
    }
    let flight = this.flights.get(r.key);
    if (flight) {
      this.counters.joined++;
      if (flight.waiting && r.priority < flight.waiting.priority) flight.waiting.priority = r.priority;
    } else flight = this.start(r);
    if (r.background) {
      flight.background = true;
      return flight.promise;
    }
    return this.wait(flight, r.signal);
  }

  /** One caller waiting on a flight; the last cancelling caller cancels the request. */
  private wait(flight: Flight, signal: AbortSignal | undefined): Promise<Answer> {
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

  private start(r: Request): Flight {
    const { key, display, call, config } = r;
    const controller = new AbortController();
    const generation = this.generation;
    const credentials = this.credentialGenerations.get(r.type) ?? 0;
    const settings = this.settings;
    const flight: Flight = { type: r.type, promise: undefined as unknown as Promise<Answer>, controller, waiters: 0, background: false };
    flight.promise = this.slot(flight, r.priority)
      .then(async (release): Promise<Answer> => {
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
      })
      .then((value) => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        if (value.ok) this.logger.info(`resolved ${display}: ${value.names.length} name(s)`);
        else {
          if (value.kind === 'timeout') this.counters.timeouts++;
          if (value.kind === 'cancelled') this.counters.cancelled++;
          this.logger.warn(`could not resolve ${display}: ${value.kind}: ${value.message}`);
        }
        if (value.ok || value.kind !== 'cancelled') {
          const current = generation === this.generation && credentials === (this.credentialGenerations.get(r.type) ?? 0) && !flight.stale;
          // Asked with settings or credentials since replaced: the caller gets it, the cache does not.
          const changed = current ? this.store(key, r.type, value, settings) : false;
          // A forgotten source's answer is not kept, but whoever asked for it still hears it.
          if (changed || flight.stale) r.onDone?.(value);
        }
        return value;
      });
    this.flights.set(key, flight);
    return flight;
  }

  /** Caches an answer for its lifetime (failurePolicy.ts); true when it differs from the one before. */
  private store(key: string, type: string, value: Answer, settings: BackendSettings): boolean {
    const prev = this.cache.get(key);
    prev?.retry?.cancel();
    const failures = retriesBySelf(value) ? (prev && retriesBySelf(prev.value) ? prev.failures : 0) + 1 : 0;
    const ttl = lifetimeMs(value, failures, settings);
    const now = this.now();
    const entry: CacheEntry = { value, storedAt: now, expiresAt: now + ttl, type, failures };
    if (failures > 0) {
      entry.retry = this.schedule(() => {
        if (this.cache.get(key) !== entry) return;
        // A timer may fire a millisecond before the clock says the entry expired.
        entry.expiresAt = Math.min(entry.expiresAt, this.now());
        this.emitRetryDue(key, type);
      }, ttl);
    }
    this.cache.set(key, entry);
    return !prev || !sameAnswer(prev.value, value);
  }

  /**
   * Waits for a concurrency slot; resolves to a release function, or undefined if aborted while
   * queued. The most urgent waiting flight (then the oldest) gets the next free slot.
   */
  private slot(flight: Flight, priority: number): Promise<(() => void) | undefined> {
    const signal = flight.controller.signal;
    const release = () => {
      this.running--;
      this.next();
    };
    if (this.running < this.settings.maxConcurrent && this.queue.length === 0) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => {
      const waiting: Waiting = {
        go: () => {
          signal.removeEventListener('abort', onAbort);
          flight.waiting = undefined;
          this.running++;
          resolve(release);
        },
        priority,
        seq: this.queued++,
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiting);
        if (i >= 0) this.queue.splice(i, 1);
        flight.waiting = undefined;
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.waiting = waiting;
      this.queue.push(waiting);
      this.next();
    });
  }

  /** Hands free slots to the most urgent waiting flights. */
  private next(): void {
    while (this.running < this.settings.maxConcurrent && this.queue.length > 0) {
      let best = 0;
      for (let i = 1; i < this.queue.length; i++) {
        const a = this.queue[i];
        const b = this.queue[best];
        if (a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq)) best = i;
      }
      const [w] = this.queue.splice(best, 1);
      w.go();
    }
  }
}

/** One request as `run` takes it. */
interface Request {
  key: string;
  /** The backend type asked. */
  type: string;
  display: string;
  signal: AbortSignal | undefined;
  background: boolean;
  priority: number;
  config: MetaflowConfig;
  call: (ctx: ResolveContext, signal: AbortSignal) => Promise<Answer>;
  onDone?: (value: Answer) => void;
  maxAgeMs?: number;
}

/** The fields that hold a value, so merging never overwrites what the resolution knew with undefined. */
function definedOnly(m: SecretMetadata): Partial<SecretMetadata> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Partial<SecretMetadata>;
}
