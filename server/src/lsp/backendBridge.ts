import { parseBackendSettings, Resolution, resolutionFindings, secretMetadataSummary, SecretResolver } from '../backends';
import { credentialPaths, CredentialWatch } from '../backends/credentialWatch';
import { PRIORITY } from '../backends/resolver';
import { ResolvedNamesLookup } from '../core/envMap';
import { Finding } from '../core/findings';
import { MetaflowConfig } from '../core/metaflowConfig';
import { SourceSpec } from '../core/sourceSpec';
import { isResolvable, resolvableSources, SecretsAnalysis, SourceInfo } from '../core/secretsAnalysis';
import { SourceDetails } from './hover';
import { Logger } from './logger';
import { ServerSettings, StatusParams } from '../../../shared/protocol';

/** How long a source must stay unchanged before the backend is asked about it. */
const SETTLE_MS = 750;
/** Answers come in bursts (one per source): they are republished together after this... */
const REPUBLISH_MS = 30;
/** ...and, while answers keep coming (a file with thousands of sources), at most this often. */
const REPUBLISH_STORM_MS = 500;

/** A source some open document shows, as the bridge needs it to ask again. */
interface InUse {
  spec: SourceSpec;
  config: MetaflowConfig;
}

/**
 * Joins the static analysis and the backends: analysis reads only cached answers (typing never
 * waits), asks for the missing ones in the background, and is told to republish when they arrive.
 * An answer past its lifetime keeps showing while it is asked again (no flicker); a failure that
 * may pass (credentials, throttling, an unavailable backend) is asked again by itself with
 * backoff, and at once when that backend's credential files change (a login in a terminal).
 */
export class BackendBridge {
  readonly resolver: SecretResolver;
  private republishTimer: NodeJS.Timeout | undefined;
  private lastRepublish = 0;
  private settleTimer: NodeJS.Timeout | undefined;
  /** When each not-yet-asked source was first seen: a source is asked once it stops changing. */
  private readonly firstSeen = new Map<string, number>();
  private problems: string[] = [];
  /** Who the editor is towards each backend type in use (for the status item), once asked. */
  private readonly identities = new Map<string, string>();
  /** Listings asked for missing secrets, so a failed listing is not asked on every keystroke. */
  private readonly listingsAsked = new Set<string>();
  /** Per open document, the sources its last analysis showed (by cache key). */
  private readonly inUse = new Map<string, Map<string, InUse>>();
  /** The document edited, opened or hovered last: its sources are asked first. */
  private focused: string | undefined;
  private watch: CredentialWatch | undefined;
  /** The last status computed, to send again when an identity arrives. */
  private lastStatus: { sources: SourceInfo[]; config: MetaflowConfig } | undefined;

  constructor(
    private readonly log: Logger,
    private readonly onAnswers: () => void,
    private readonly onStatus: (s: StatusParams) => void,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    this.resolver = new SecretResolver({ logger: { info: (m) => log.info(m), warn: (m) => log.warn(m) }, metadata: true });
    this.resolver.onDidResolve((e) => {
      // Recovered: who the editor is towards that backend may be known now too.
      if (e.resolution.ok && e.spec.type && this.identities.get(e.spec.type) === 'unknown') this.resolver.identityStale(e.spec.type);
      this.republishSoon();
    });
    this.resolver.onRetryDue((key) => this.askAgain(key));
  }

  configure(settings: ServerSettings, trusted: boolean): void {
    const parsed = parseBackendSettings(settings.backends, { offline: settings.offline, trusted });
    this.identities.clear();
    this.problems = parsed.problems;
    for (const p of parsed.problems) this.log.warn(p);
    const b = parsed.settings;
    this.log.info(
      `Backends: ${b.offline ? 'offline' : 'online'}; AWS endpoint ${b.aws.endpoint ?? 'default'}${b.aws.profile ? `, profile ${b.aws.profile}` : ''}; ` +
        `Azure endpoint ${b.azure.endpoint ?? 'default'}; GCP endpoint ${b.gcp.endpoint ?? 'default'}; timeout ${b.timeoutMs} ms, cache ${b.cacheTtlMs / 1000} s`,
    );
    this.resolver.setSettings(parsed.settings);
    this.watchCredentials();
  }

  get offline(): boolean {
    return this.resolver.getSettings().offline;
  }

  /** The document the user works in now (edited, opened, hovered): its sources go first. */
  focus(uri: string): void {
    this.focused = uri;
  }

  /** A document was closed: its sources are no longer asked again for it. */
  closed(uri: string): void {
    this.inUse.delete(uri);
    if (this.focused === uri) this.focused = undefined;
  }

  /** For the analysis: names of sources answered so far (even past their lifetime), never a request. */
  namesLookup(config: MetaflowConfig): ResolvedNamesLookup {
    return (spec) => {
      const r = this.resolver.peekLatest(spec, config)?.resolution;
      return r?.ok ? r.names : undefined;
    };
  }

  /**
   * Findings from backend answers, and background requests for sources not answered yet (or
   * whose answer has expired). `uri` is the analysed document's: its sources are asked again
   * when a failure's backoff has passed, until it is closed.
   */
  findingsFor(secrets: SecretsAnalysis, config: MetaflowConfig, uri?: string): Finding[] {
    const out: Finding[] = [];
    const sources = resolvableSources(secrets);
    const now = Date.now();
    const priority = uri !== undefined && uri === this.focused ? PRIORITY.focused : PRIORITY.background;
    const used = new Map<string, InUse>();
    for (const src of sources) {
      const latest = this.resolver.peekLatest(src.spec, config);
      if (!this.offline) used.set(this.resolver.keyOf(src.spec, config), { spec: src.spec, config });
      if (latest) {
        const r = latest.resolution;
        // The latest answer shows until a new one replaces it: an expired one is asked again now.
        out.push(...resolutionFindings(src.spec, r, src.spec.range, r.ok ? undefined : this.listingFor(r, src, config)));
        if (!latest.fresh && !this.offline) this.resolver.prefetch(src.spec, config, priority);
      } else if (!this.offline) this.askWhenSettled(src, config, now, priority);
    }
    if (uri !== undefined) this.inUse.set(uri, used);
    this.reportStatus(sources, config);
    return out;
  }

  /**
   * For a secret that does not exist: the backend's listing (cached; asked once in the background,
   * then the diagnostics are republished) so the finding can say "did you mean".
   */
  private listingFor(r: Resolution, src: SourceInfo, config: MetaflowConfig) {
    if (r.ok || r.kind !== 'not-found' || !src.spec.type || this.offline) return undefined;
    const cached = this.resolver.peekListing(src.spec.type, config);
    if (cached) return cached;
    const key = `${src.spec.type}|${this.resolver.keyOf(src.spec, config)}`;
    if (!this.listingsAsked.has(key)) {
      if (this.listingsAsked.size > 1000) this.listingsAsked.clear();
      this.listingsAsked.add(key);
      void this.resolver.listSecretNames(src.spec.type, config).then((l) => {
        if (l.ok) this.onAnswers();
      });
    }
    return undefined;
  }

  /**
   * Keystrokes must not become cloud calls: while an id is being typed (`db-cre`, `db-cred`, ...)
   * each prefix is a new source. Ask only for a source that is still there SETTLE_MS later.
   */
  private askWhenSettled(src: SourceInfo, config: MetaflowConfig, now: number, priority: number): void {
    if (this.resolver.isPending(src.spec, config)) return;
    const key = this.resolver.keyOf(src.spec, config);
    const seen = this.firstSeen.get(key);
    if (seen !== undefined && now - seen >= SETTLE_MS) {
      this.firstSeen.delete(key);
      this.resolver.prefetch(src.spec, config, priority);
      return;
    }
    if (seen === undefined) {
      if (this.firstSeen.size > 10_000) this.firstSeen.clear();
      this.firstSeen.set(key, now);
    }
    if (!this.settleTimer) {
      this.settleTimer = setTimeout(() => {
        this.settleTimer = undefined;
        this.onAnswers();
      }, SETTLE_MS + 50);
    }
  }

  /** A failure's backoff has passed: ask again if an open document still shows that source. */
  private askAgain(key: string): void {
    if (this.offline) return;
    for (const [uri, used] of this.inUse) {
      const u = used.get(key);
      if (!u) continue;
      this.resolver.prefetch(u.spec, u.config, uri === this.focused ? PRIORITY.focused : PRIORITY.background);
      return;
    }
  }

  /** For hovers: what is known now, never a wait. A hovered source still queued goes first. */
  details(config: MetaflowConfig): (src: SourceInfo) => SourceDetails | undefined {
    return (src) => {
      if (!isResolvable(src)) return undefined;
      const latest = this.resolver.peekLatest(src.spec, config);
      const pending = !this.offline && this.resolver.isPending(src.spec, config);
      if (pending) this.resolver.promote(src.spec, config, PRIORITY.hovered);
      if (!latest) {
        return { state: 'pending', lines: [this.offline ? '_Offline: the backend is not asked._' : pending ? '_Resolving…_' : '_Not resolved yet._'] };
      }
      const d = describe(latest.resolution);
      if (!latest.fresh && pending) d.lines.push('_Asking again…_');
      return d;
    };
  }

  private reportStatus(sources: SourceInfo[], config: MetaflowConfig): void {
    this.lastStatus = { sources, config };
    if (this.offline) {
      this.onStatus({ state: 'offline', detail: 'No backend calls (offline setting or Restricted Mode).' });
      return;
    }
    let pending = 0;
    let failed = 0;
    let ok = 0;
    // Asked every time: the resolver answers from its cache, and asks again once a failed
    // identity's backoff has passed or that backend recovered (the item then shows who it is).
    for (const type of new Set(sources.map((x) => x.spec.type as string))) {
      if (!this.identities.has(type)) this.identities.set(type, '…');
      void this.resolver.identity(type, config).then((a) => {
        if (a.ok === false && a.kind === 'cancelled') return;
        const who = a.ok ? `${a.identity}${a.detail ? ` (${a.detail})` : ''}` : 'unknown';
        if (this.identities.get(type) === who || this.offline) return;
        this.identities.set(type, who);
        if (this.lastStatus) this.reportStatus(this.lastStatus.sources, this.lastStatus.config);
      });
    }
    for (const src of sources) {
      const r = this.resolver.peekLatest(src.spec, config)?.resolution;
      if (!r) pending++;
      else if (r.ok) ok++;
      else failed++;
    }
    const who = [...this.identities].map(([t, id]) => `${t}: ${id}`).join('; ');
    const detail = `${ok} resolved, ${failed} failed, ${pending} pending${who ? ` — ${who}` : ''}${this.problems.length ? `; ${this.problems.length} settings ignored` : ''}`;
    this.onStatus({ state: pending ? 'resolving' : failed ? 'problems' : ok ? 'ok' : 'idle', detail });
  }

  /** Watches the credential files while online; a change re-asks that backend's failures and identity. */
  private watchCredentials(): void {
    this.watch?.dispose();
    this.watch = undefined;
    if (this.offline) return;
    this.watch = new CredentialWatch(
      credentialPaths(this.env, this.resolver.getSettings()),
      (type) => {
        this.log.info(`${type}: its credential files changed; asking its failed sources and identity again`);
        for (const k of this.listingsAsked) if (k.startsWith(`${type}|`)) this.listingsAsked.delete(k);
        this.resolver.credentialsChanged(type);
        if (this.lastStatus) this.reportStatus(this.lastStatus.sources, this.lastStatus.config);
      },
      { log: (m) => this.log.info(m) },
    );
  }

  private republishSoon(): void {
    if (this.republishTimer) return;
    const storm = Date.now() - this.lastRepublish < REPUBLISH_STORM_MS;
    this.republishTimer = setTimeout(
      () => {
        this.republishTimer = undefined;
        this.lastRepublish = Date.now();
        this.onAnswers();
      },
      storm ? REPUBLISH_STORM_MS : REPUBLISH_MS,
    );
  }

  refresh(): void {
    this.identities.clear();
    this.resolver.refresh();
  }

  dispose(): void {
    if (this.republishTimer) clearTimeout(this.republishTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.watch?.dispose();
    this.resolver.dispose();
  }
}

/** Hover lines for a backend answer: where it came from and which names; no values. */
function describe(r: Resolution): SourceDetails {
  const m = r.meta;
  const lines: string[] = [];
  if (m?.resolvedId) lines.push(`**Resolved:** \`${m.resolvedId}\``);
  if (m?.identity) lines.push(`**As:** ${m.identity}${m.roleUsed ? `, assuming \`${m.roleUsed}\`` : ''}`);
  const about = m?.metadata && secretMetadataSummary(m.metadata);
  if (about) lines.push(`**Secret metadata:** ${about}`);
  if (m?.fetchedAt) lines.push(`**Fetched:** ${new Date(m.fetchedAt).toLocaleTimeString()}`);
  if (!r.ok) {
    lines.push(`**Failed:** ${r.message}${r.fix ? ` — fix: \`${r.fix}\`` : ''}`);
    return { state: r.kind, lines };
  }
  return { state: 'ok', lines, names: r.names };
}
