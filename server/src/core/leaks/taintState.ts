import { SyntaxNode } from '../parser';
import { EMPTY, sameVal, union, Val } from './taintTypes';

/** `self.x = value` still live: Metaflow persists the artifact's value at the end of the step. */
export interface PendingArtifact {
  attr: string;
  /** The `self.x` target (where the diagnostic goes). */
  target: SyntaxNode;
  /** The statement that stored it (for quick fixes). */
  statement: SyntaxNode;
  value: Val;
}

/**
 * What is known at one point of a function: the value of each local (and `self.x`, keyed
 * `self.x`) and the artifact stores that later code has not overwritten.
 */
export class TaintState {
  constructor(
    readonly vars: Map<string, Val> = new Map(),
    readonly pending: Map<string, PendingArtifact[]> = new Map(),
  ) {}

  copy(): TaintState {
    return new TaintState(new Map(this.vars), new Map(this.pending));
  }

  get(key: string): Val | undefined {
    return this.vars.get(key);
  }

  /** Strong update: the old value is gone (this is what makes an overwrite clean). */
  set(key: string, v: Val): void {
    this.vars.set(key, v);
  }

  /** Weak update: a container or object now also holds `v`. */
  add(key: string, v: Val): void {
    const old = this.vars.get(key);
    this.vars.set(key, old ? union(old, v) : v);
  }

  /** Forgets locals whose name starts with `key.` (an object was replaced, so were its fields). */
  killFields(key: string): void {
    const prefix = `${key}.`;
    for (const k of this.vars.keys()) if (k.startsWith(prefix)) this.vars.delete(k);
  }

  storeArtifact(p: PendingArtifact): void {
    this.pending.set(p.attr, [p]);
  }

  addArtifact(p: PendingArtifact): void {
    const old = this.pending.get(p.attr) ?? [];
    if (!old.some((o) => o.target.id === p.target.id)) this.pending.set(p.attr, [...old, p]);
  }

  /** Control-flow merge: after an if/else either branch may have run. Returns whether this changed. */
  joinWith(other: TaintState): boolean {
    let changed = false;
    for (const [k, v] of other.vars) {
      const mine = this.vars.get(k);
      if (!mine) {
        this.vars.set(k, v);
        changed = true;
      } else if (!sameVal(mine, v)) {
        const u = mine.kind || mine.fn ? mine : union(mine, v);
        if (!sameVal(u, mine)) {
          this.vars.set(k, u);
          changed = true;
        }
      }
    }
    for (const [k, ps] of other.pending) {
      const mine = this.pending.get(k) ?? [];
      const add = ps.filter((p) => !mine.some((m) => m.target.id === p.target.id));
      if (add.length) {
        this.pending.set(k, [...mine, ...add]);
        changed = true;
      }
    }
    return changed;
  }

  valueOf(key: string): Val {
    return this.vars.get(key) ?? EMPTY;
  }
}

/** The state after one of several paths ran (branches, handlers, cases). */
export function joinAll(states: TaintState[]): TaintState {
  const out = states[0].copy();
  for (let i = 1; i < states.length; i++) out.joinWith(states[i]);
  return out;
}
