import { createHash } from 'crypto';
import type { LeakRecord } from './findLeaks';
import { Val } from './taintTypes';

/**
 * A fixed-size stand-in for a cache key. Step keys hold the step's text and the module's
 * signature (its top-level text, every step's name): kept as they are, a 2,000-step file held
 * 40 MB of keys, and each analysis built as many again.
 */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64');
}

/** What one step's analysis produced: its findings and the tainted artifacts it leaves behind. */
export interface StepResult {
  records: LeakRecord[];
  writes: Map<string, Val>;
}

/**
 * Per-document memory of step results. Keep one per open document and pass it to every
 * findLeaks call for that document: a step whose text, position, secret names, helpers and
 * incoming artifacts are unchanged is not analysed again. Holds no syntax nodes and no
 * secret values (only names and positions).
 */
export class LeakCache {
  /** Per step, the digest of the key its result was computed for. */
  private readonly entries = new Map<string, { key: string; result: StepResult }>();
  hits = 0;
  misses = 0;

  get(step: string, key: string): StepResult | undefined {
    const e = this.entries.get(step);
    if (e && e.key === keyDigest(key)) {
      this.hits++;
      return e.result;
    }
    this.misses++;
    return undefined;
  }

  set(step: string, key: string, result: StepResult): void {
    this.entries.set(step, { key: keyDigest(key), result });
  }

  /** Drops steps that no longer exist (renamed or deleted). */
  retain(live: ReadonlySet<string>): void {
    for (const k of this.entries.keys()) if (!live.has(k)) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }
}
