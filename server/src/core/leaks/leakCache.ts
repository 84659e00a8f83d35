import { createHash } from 'crypto';
import type { LeakRecord } from './stepAnalysis';
import { DocumentModel, StepModel } from '../flowModel';
import { SyntaxNode } from '../parser';
import { parameterNames } from './moduleIndex';
import { SecretNames, Val } from './taintTypes';

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
  /** MFS058 records of each step's decorators, by the decorators' text and place and the module around them. */
  private readonly decoratorEntries = new Map<string, { key: string; records: LeakRecord[] }>();
  /**
   * Digests of artifact values and of whole writes maps, computed once per object. A step served
   * from the cache hands back the very same objects, so on a keystroke only the edited step's
   * artifacts are serialised again; serialising every upstream artifact (paths included) for
   * every later step made a keystroke quadratic in the number of steps.
   */
  private readonly digests = new WeakMap<object, string>();
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

  /**
   * A step's decorator-value records, computed only when its @environment/@secrets decorators or
   * the module (constants, imports) changed: walking decorator nodes on every keystroke cost a
   * fifth of a 2,000-line flow's analysis.
   */
  decoratorRecords(step: string, k: { step: StepModel; module: string }, compute: () => LeakRecord[]): LeakRecord[] {
    const parts = [k.module];
    for (const d of k.step.decorators) {
      if (d.kind === 'environment' || d.kind === 'secrets') parts.push(`${d.node.startPosition.row}:${d.node.startPosition.column}:${d.node.text}`);
    }
    const key = parts.join('\u0000');
    const e = this.decoratorEntries.get(step);
    if (e && e.key === key) return e.records;
    const records = compute();
    this.decoratorEntries.set(step, { key, records });
    return records;
  }

  /** Drops steps that no longer exist (renamed or deleted). */
  retain(live: ReadonlySet<string>): void {
    for (const k of this.entries.keys()) if (!live.has(k)) this.entries.delete(k);
    for (const k of this.decoratorEntries.keys()) if (!live.has(k)) this.decoratorEntries.delete(k);
  }

  clear(): void {
    this.entries.clear();
    this.decoratorEntries.clear();
  }

  /** Everything a step's result depends on, as one string: equal keys, equal results. */
  stepKey(k: StepKeyParts): string {
    const { step, names } = k;
    const n = names
      ? `${names.complete ? 'c' : 'i'}:${[...names.names].sort().join(',')}:${(names.unknownSources ?? []).join(',')}:${names.nonSecret?.fingerprint ?? ''}`
      : '-';
    // Decorators sit outside the function's text: @environment explains reads (envReadOrigin).
    const decos = step.decorators.map((d) => (d.kind === 'environment' ? d.node.text : '')).join('');
    const arts: string[] = [];
    const reads = artifactReads(step);
    for (const [writer, attrs] of k.writes) {
      if (attrs.size === 0 || !k.follows(writer, step.name)) continue;
      if (!reads) arts.push(writer, this.writesDigest(attrs));
      else for (const [attr, v] of attrs) if (reads.has(attr)) arts.push(writer, attr, this.valDigest(v));
    }
    const fn = step.functionNode;
    return [fn.startPosition.row, fn.startPosition.column, k.conservative ? 1 : 0, n, decos, k.module, arts.join('\u0001'), fn.text].join('\u0000');
  }

  private valDigest(v: Val): string {
    let d = this.digests.get(v);
    if (d === undefined) {
      d = JSON.stringify([v.origins, v.environ]);
      this.digests.set(v, d);
    }
    return d;
  }

  private writesDigest(attrs: ReadonlyMap<string, Val>): string {
    let d = this.digests.get(attrs);
    if (d === undefined) {
      d = [...attrs].map(([attr, v]) => `${attr}\u0002${this.valDigest(v)}`).join('\u0003');
      this.digests.set(attrs, d);
    }
    return d;
  }
}

// ---- keys ----

/** What a step's key is made of (everything its result depends on). */
export interface StepKeyParts {
  step: StepModel;
  names: SecretNames | undefined;
  conservative: boolean;
  /** moduleKey(): the file outside the steps. */
  module: string;
  /** The tainted artifacts each step analysed so far leaves behind, by step name. */
  writes: ReadonlyMap<string, ReadonlyMap<string, Val>>;
  /** Whether `later` may run after `earlier` (so it sees its artifacts). */
  follows(earlier: string, later: string): boolean;
}

/**
 * The key of the file outside its steps (helpers, imports, constants), plus the workspace's
 * version (cached steps may call helpers imported from other files).
 */
export function moduleKey(root: SyntaxNode, model: DocumentModel, workspaceVersion: string | number | undefined): string {
  return `${workspaceVersion ?? ''}\u0001${moduleSignature(root, model)}`;
}

/**
 * The artifacts a step's analysis can ask for (`self.<attr>` in its body), so an upstream change
 * to an artifact it never reads leaves its cached result valid. Undefined (depends on every
 * upstream artifact) for a join step, `self.input`, a flow method called on self (its body may
 * read artifacts), or `self` used as a value (getattr, helpers given self).
 */
function artifactReads(step: StepModel): Set<string> | undefined {
  if (parameterNames(step.functionNode)[1]) return undefined;
  const body = step.functionNode.childForFieldName('body')?.text ?? '';
  const reads = new Set<string>();
  for (const m of body.matchAll(/\bself\b(\s*\.\s*([A-Za-z_]\w*)(\s*\(|\s*=(?!=))?)?/g)) {
    const attr = m[2];
    if (!attr) return undefined;
    const after = m[3]?.trim();
    if (after === '(' && attr !== 'next') return undefined;
    if (after === '=') continue; // a plain store: the step writes the artifact, it does not read it
    if (attr === 'input') return undefined;
    reads.add(attr);
  }
  return reads;
}

/** The parts of the file outside the steps that steps depend on (helpers, imports, constants). */
function moduleSignature(root: SyntaxNode, model: DocumentModel): string {
  const stepIds = new Set<number>();
  for (const f of model.flows) for (const s of f.steps) stepIds.add(s.functionNode.id);
  const parts: string[] = [];
  for (const top of root.namedChildren) {
    if (!top) continue;
    const def = top.type === 'decorated_definition' ? top.childForFieldName('definition') : top;
    if (def?.type === 'class_definition') {
      parts.push(`${top.startPosition.row}:class ${def.childForFieldName('name')?.text}`);
      for (const m of def.childForFieldName('body')?.namedChildren ?? []) {
        if (!m) continue;
        const md = m.type === 'decorated_definition' ? m.childForFieldName('definition') : m;
        if (md && stepIds.has(md.id)) parts.push(`step ${md.childForFieldName('name')?.text}`);
        else parts.push(`${m.startPosition.row}:${m.text}`);
      }
    } else if (isMainGuard(top)) {
      // `if __name__ == "__main__": Flow()` ends nearly every flow file, below the steps: with its
      // row in the key, an Enter anywhere in the flow re-analysed every step. Steps never reach
      // into it, so its text is enough.
      parts.push(`main:${top.text}`);
    } else parts.push(`${top.startPosition.row}:${top.text}`);
  }
  return parts.join('\n');
}

function isMainGuard(n: SyntaxNode): boolean {
  return n.type === 'if_statement' && /^__name__\s*==\s*(['"])__main__\1$/.test(n.childForFieldName('condition')?.text ?? '');
}
