import { Resolution, resolutionFindings, SecretResolver } from '../backends';
import { SecretListing } from '../backends/provider';
import { listingScope } from '../backends/resolver';
import { resolvableSources } from '../core/secretsAnalysis';
import { DocumentAnalysis } from '../core/analyzer';
import { ResolvedNamesLookup } from '../core/envMap';
import { Finding } from '../core/findings';
import { MetaflowConfig } from '../core/metaflowConfig';
import { SourceSpec } from '../core/sourceSpec';

/** What the CLI keeps of an answer: names or the failure; the values map is emptied at once. */
type Answer = Resolution;

/**
 * The online half of `check`: gathers every distinct source of the checked files, asks the
 * backends once each (the resolver bounds concurrency and times out every call), and then
 * answers the second analysis with the names each source really injects and its failures.
 */
export class OnlineChecker {
  private readonly pending = new Map<string, { spec: SourceSpec; config: MetaflowConfig }>();
  private readonly answers = new Map<string, Answer>();
  /** Per backend type and scope: the secrets listed there, asked only when a secret was not found. */
  private readonly listings = new Map<string, SecretListing>();

  constructor(private readonly resolver: SecretResolver) {}

  /** Sources a backend can be asked about, as the editor decides it: a known type with a valid id, not inline. */
  private resolvable(analysis: DocumentAnalysis): SourceSpec[] {
    return resolvableSources(analysis.secrets).map((s) => s.spec);
  }

  wants(analysis: DocumentAnalysis): boolean {
    return this.resolvable(analysis).length > 0;
  }

  collect(analysis: DocumentAnalysis, config: MetaflowConfig): void {
    for (const spec of this.resolvable(analysis)) {
      const key = this.resolver.keyOf(spec, config);
      if (!this.pending.has(key)) this.pending.set(key, { spec, config });
    }
  }

  /** Asks every collected source; values are dropped as soon as the names are known. */
  async resolveAll(signal: AbortSignal | undefined, onProgress?: (done: number, total: number) => void): Promise<{ asked: number; failed: number }> {
    const total = this.pending.size;
    let done = 0;
    let failed = 0;
    await Promise.all(
      [...this.pending].map(async ([key, { spec, config }]) => {
        // Interrupted before this source's turn: do not start a request nobody will wait for.
        if (signal?.aborted) return;
        const r = await this.resolver.resolve(spec, config, signal);
        if (r.ok) {
          this.answers.set(key, { ...r, vars: new Map() });
          r.vars.clear();
        } else {
          this.answers.set(key, r);
          if (r.kind !== 'cancelled') failed++;
        }
        onProgress?.(++done, total);
      }),
    );
    await this.listForMissing(signal);
    this.pending.clear();
    this.resolver.refresh();
    return { asked: total, failed };
  }

  /** One listing per backend type and configuration that had a missing secret, for "did you mean". */
  private async listForMissing(signal: AbortSignal | undefined): Promise<void> {
    const wanted = new Map<string, { type: string; config: MetaflowConfig }>();
    for (const [key, { spec, config }] of this.pending) {
      const a = this.answers.get(key);
      if (a && !a.ok && a.kind === 'not-found' && spec.type) wanted.set(listingKey(spec.type, config), { type: spec.type, config });
    }
    await Promise.all(
      [...wanted].map(async ([key, { type, config }]) => {
        if (signal?.aborted) return;
        this.listings.set(key, await this.resolver.listSecretNames(type, config, signal));
      }),
    );
  }

  namesLookup(config: MetaflowConfig): ResolvedNamesLookup {
    return (spec) => {
      const a = this.answers.get(this.resolver.keyOf(spec, config));
      return a?.ok ? a.names : undefined;
    };
  }

  /** What the answers say about the file's sources (not found, denied, bad content, refused names), as in the editor. */
  findings(analysis: DocumentAnalysis, config: MetaflowConfig): Finding[] {
    const out: Finding[] = [];
    for (const spec of this.resolvable(analysis)) {
      const a = this.answers.get(this.resolver.keyOf(spec, config));
      if (a) out.push(...resolutionFindings(spec, a, spec.range, spec.type ? this.listings.get(listingKey(spec.type, config)) : undefined));
    }
    return out;
  }

  dispose(): void {
    this.resolver.dispose();
  }
}

/** Listings depend on the type and the configuration that scopes them (region, prefixes). */
function listingKey(type: string, config: MetaflowConfig): string {
  return JSON.stringify([type, ...listingScope(config)]);
}
