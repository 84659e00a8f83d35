import { SyntaxNode } from '../parser';
import { FlowClassModel, StepModel } from '../flowModel';
import { nodesMatching } from './nodesMatching';

const CALL = new Set(['call']);

/**
 * Which steps run after which, from the `self.next(...)` calls: an artifact set in one step
 * is visible in the steps reachable from it. Without any `self.next` (half-written flow) every
 * step may follow every other.
 */
export class FlowGraph {
  private readonly succ = new Map<string, Set<string>>();
  /** `self.next(self.b, foreach="items")` in step a: b's `self.input` is an element of a's `self.items`. */
  readonly foreachInto = new Map<string, { from: string; attr: string }[]>();
  private readonly reach = new Map<string, Set<string>>();
  readonly known: boolean;
  /** Steps in an order where, in a DAG, every step comes after those that reach it. */
  readonly order: StepModel[];

  constructor(flow: FlowClassModel) {
    const names = new Set(flow.steps.map((s) => s.name));
    let any = false;
    for (const s of flow.steps) {
      const out = new Set<string>();
      for (const call of nodesMatching(s.functionNode, /\bself\s*\.\s*next\s*\(/, CALL)) {
        if (!isSelfNext(call)) continue;
        any = true;
        for (const a of call.childForFieldName('arguments')?.descendantsOfType('attribute') ?? []) {
          const obj = a?.childForFieldName('object');
          const attr = a?.childForFieldName('attribute')?.text;
          if (obj?.text === 'self' && attr && names.has(attr)) out.add(attr);
        }
        const foreach = foreachAttr(call);
        if (foreach) {
          for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
            const target = a?.type === 'attribute' && a.childForFieldName('object')?.text === 'self' ? a.childForFieldName('attribute')?.text : undefined;
            if (target && names.has(target)) this.foreachInto.set(target, [...(this.foreachInto.get(target) ?? []), { from: s.name, attr: foreach }]);
          }
        }
      }
      this.succ.set(s.name, out);
    }
    this.known = any;
    this.order = topological(flow.steps, this.succ);
  }

  /** True when `later` may run after `earlier` in the same run (so it sees its artifacts). */
  follows(earlier: string, later: string): boolean {
    if (!this.known) return earlier !== later;
    let r = this.reach.get(earlier);
    if (!r) {
      r = new Set<string>();
      const todo = [...(this.succ.get(earlier) ?? [])];
      while (todo.length) {
        const n = todo.pop()!;
        if (r.has(n)) continue;
        r.add(n);
        todo.push(...(this.succ.get(n) ?? []));
      }
      this.reach.set(earlier, r);
    }
    return r.has(later);
  }
}

function foreachAttr(call: SyntaxNode): string | undefined {
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a?.type !== 'keyword_argument' || a.childForFieldName('name')?.text !== 'foreach') continue;
    const v = a.childForFieldName('value');
    if (v?.type === 'string' && !v.namedChildren.some((c) => c?.type === 'interpolation')) {
      return v.namedChildren
        .filter((c) => c?.type === 'string_content')
        .map((c) => c!.text)
        .join('');
    }
  }
  return undefined;
}

function isSelfNext(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' && fn.childForFieldName('object')?.text === 'self' && fn.childForFieldName('attribute')?.text === 'next';
}

function topological(steps: StepModel[], succ: Map<string, Set<string>>): StepModel[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const post: StepModel[] = [];
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const n of succ.get(name) ?? []) visit(n);
    const s = byName.get(name);
    if (s) post.push(s);
  };
  if (byName.has('start')) visit('start');
  for (const s of steps) visit(s.name);
  return post.reverse();
}
