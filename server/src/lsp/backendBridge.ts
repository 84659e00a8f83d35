import { parseBackendSettings, Resolution, resolutionFindings, secretMetadataSummary, SecretResolver } from '../backends';
import { ResolvedNamesLookup } from '../core/envMap';
import { Finding } from '../core/findings';
import { MetaflowConfig } from '../core/metaflowConfig';
import { isResolvable, resolvableSources, SecretsAnalysis, SourceInfo } from '../core/secretsAnalysis';
import { SourceDetails } from './hover';
import { Logger } from './logger';
import { ServerSettings, StatusParams } from '../../../shared/protocol';

/** How long a source must stay unchanged before the backend is asked about it. */
const SETTLE_MS = 750;

/**
 * Joins the static analysis and the backends: analysis reads only cached answers (typing never
 * waits), asks for the missing ones in the background, and is told to republish when they arrive.
 */
export class BackendBridge {
  readonly resolver: SecretResolver;
  private republishTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  /** When each not-yet-asked source was first seen: a source is asked once it stops changing. */
  private readonly firstSeen = new Map<string, number>();
  private problems: string[] = [];
  /** Who the editor is towards each backend type in use (for the status item), once asked. */
  private readonly identities = new Map<string, string>();
  /** Listings asked for missing secrets, so a failed listing is not asked on every keystroke. */
  private readonly listingsAsked = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly onAnswers: () => void,
    private readonly onStatus: (s: StatusParams) => void,
  ) {
    // Metadata (dates, version, rotation) for hovers, asked beside each value.
    this.resolver = new SecretResolver({ logger: { info: (m) => log.info(m), warn: (m) => log.warn(m) }, metadata: true });
    this.resolver.onDidResolve(() => {
      // Answers come in bursts (one per source): republish once per burst.
      if (this.republishTimer) return;
      this.republishTimer = setTimeout(() => {
        this.republishTimer = undefined;
        this.onAnswers();
      }, 30);
    });
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
  }

  get offline(): boolean {
    return this.resolver.getSettings().offline;
  }

  /** For the analysis: names of sources already answered, never a request. */
  namesLookup(config: MetaflowConfig): ResolvedNamesLookup {
    return (spec) => {
      const r = this.resolver.peek(spec, config);
      return r?.ok ? r.names : undefined;
    };
  }

  /** Findings from backend answers, and background requests for sources not answered yet. */
  findingsFor(secrets: SecretsAnalysis, config: MetaflowConfig): Finding[] {
    const out: Finding[] = [];
    const sources = resolvableSources(secrets);
    const now = Date.now();
    for (const src of sources) {
      const r = this.resolver.peek(src.spec, config);
      if (r) out.push(...resolutionFindings(src.spec, r, src.spec.range, r.ok ? undefined : this.listingFor(r, src, config)));
      else if (!this.offline) this.askWhenSettled(src, config, now);
    }
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
  private askWhenSettled(src: SourceInfo, config: MetaflowConfig, now: number): void {
    if (this.resolver.isPending(src.spec, config)) return;
    const key = this.resolver.keyOf(src.spec, config);
    const seen = this.firstSeen.get(key);
    if (seen !== undefined && now - seen >= SETTLE_MS) {
      this.firstSeen.delete(key);
      this.resolver.prefetch(src.spec, config);
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

  details(config: MetaflowConfig): (src: SourceInfo) => SourceDetails | undefined {
    return (src) => {
      if (!isResolvable(src)) return undefined;
      const r = this.resolver.peek(src.spec, config);
      if (!r) {
        return { state: 'pending', lines: [this.offline ? '_Offline: the backend is not asked._' : this.resolver.isPending(src.spec, config) ? '_Resolving…_' : '_Not resolved yet._'] };
      }
      return describe(r);
    };
  }

  private reportStatus(sources: SourceInfo[], config: MetaflowConfig): void {
    if (this.offline) {
      this.onStatus({ state: 'offline', detail: 'No backend calls (offline setting or Restricted Mode).' });
      return;
    }
    let pending = 0;
    let failed = 0;
    let ok = 0;
    for (const type of new Set(sources.map((x) => x.spec.type as string))) {
      if (this.identities.has(type)) continue;
      this.identities.set(type, '…');
      void this.resolver.identity(type, config).then((a) => {
        this.identities.set(type, a.ok ? `${a.identity}${a.detail ? ` (${a.detail})` : ''}` : 'unknown');
      });
    }
    for (const src of sources) {
      const r = this.resolver.peek(src.spec, config);
      if (!r) pending++;
      else if (r.ok) ok++;
      else failed++;
    }
    const who = [...this.identities].map(([t, id]) => `${t}: ${id}`).join('; ');
    const detail = `${ok} resolved, ${failed} failed, ${pending} pending${who ? ` — ${who}` : ''}${this.problems.length ? `; ${this.problems.length} settings ignored` : ''}`;
    this.onStatus({ state: pending ? 'resolving' : failed ? 'problems' : ok ? 'ok' : 'idle', detail });
  }

  refresh(): void {
    this.identities.clear();
    this.resolver.refresh();
  }

  dispose(): void {
    if (this.republishTimer) clearTimeout(this.republishTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
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
