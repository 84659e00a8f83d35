import { DecoratorModel } from './flowModel';
import { EnvReadName } from './envReads';

/** A map that forgets everything once it holds `max` entries (the memos below are cheap to refill). */
class BoundedMemo<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
}

/** An evaluated decorator with the name lookups it depended on (no syntax node kept). */
export interface DecoratorMemoEntry {
  model: DecoratorModel;
  lookups: { name: string; value: string }[];
}

/**
 * What the analysis reuses between keystrokes: evaluated decorators and the environment reads
 * of step bodies, keyed by place and text. Owned by whoever runs analyses (the language server,
 * a CLI run) and dropped with it; the core keeps no state of its own.
 */
export class AnalysisCache {
  readonly decorators = new BoundedMemo<DecoratorMemoEntry>(20_000);
  readonly envReads = new BoundedMemo<EnvReadName[]>(20_000);
}
