import { SyntaxNode } from '../parser';
import { parameterNames } from './moduleIndex';
import { looksLikeLogger } from './sinks';
import { FunctionSummary, SinkHit, StepContext } from './stepContext';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { ArgumentNode } from './taintSyntax';
import { asData, contentOrigins, EMPTY, isTainted, Origin, union, Val, withStep } from './taintTypes';

const MAX_HELPER_DEPTH = 6;

/** A function a call resolves to, and how it sees its arguments. */
export interface Helper {
  fn: SyntaxNode;
  /** Called as `self.m(...)`: the first parameter is `self`. */
  isMethod: boolean;
  /** Defined inside the step: it sees the step's variables. */
  closure?: boolean;
  /** In another workspace file: summarised in that file's context. */
  external?: StepContext;
}

/**
 * Helper functions (module functions, flow methods, nested defs, workspace modules' functions):
 * each is summarised once per step with its parameters as symbolic origins, and each call
 * substitutes what it passes into the summary's return value, sinks and artifacts.
 */
export class HelperCalls {
  constructor(private readonly ip: TaintInterpreter) {}

  /** The function a call runs, when it is one of the file's (or the workspace's) own. */
  resolve(n: SyntaxNode, st: TaintState): Helper | undefined {
    const ctx = this.ip.ctx;
    const fn = n.childForFieldName('function');
    if (!fn) return undefined;
    if (fn.type === 'identifier') {
      const local = st.get(fn.text);
      if (local?.fn) return { fn: local.fn, isMethod: false, closure: true };
      if (local) return undefined;
      const f = ctx.index.functions.get(fn.text);
      if (f) return { fn: f, isMethod: false };
      return this.imported(fn);
    }
    if (fn.type === 'attribute' && fn.childForFieldName('object')?.type === 'identifier' && !st.get(fn.childForFieldName('object')!.text)) {
      const ext = this.imported(fn);
      if (ext) return ext;
    }
    if (fn.type === 'attribute' && fn.childForFieldName('object')?.text === 'self') {
      const name = fn.childForFieldName('attribute')?.text;
      const m = name ? ctx.index.method(ctx.step.flowName, name) : undefined;
      return m ? { fn: m, isMethod: true } : undefined;
    }
    return undefined;
  }

  /** A function of a workspace module (`helpers.show` / `show` imported from it). */
  private imported(callee: SyntaxNode): Helper | undefined {
    const ctx = this.ip.ctx;
    const q = ctx.imports.qualify(callee);
    if (!q || !q.includes('.') || !ctx.externalFunction) return undefined;
    const ext = ctx.externalFunction(q);
    return ext ? { fn: ext.fn, isMethod: false, external: ext.ctx } : undefined;
  }

  /** Applies a helper's summary: what its parameters become in its return value and sinks. */
  apply(helper: Helper, call: SyntaxNode, args: ArgumentNode[], st: TaintState): Val {
    const ip = this.ip;
    const { fn: fnNode, isMethod } = helper;
    const vals = args.map((a) => ip.expr(a.value, st));
    // A function defined inside the step sees the step's variables: summarise it at each call.
    const summary = this.summary(fnNode, helper.closure ? st : undefined, helper.external);
    if (!summary) return asData(union(...vals));
    const byParam: Val[] = [];
    const nodeByParam: SyntaxNode[] = [];
    let pos = isMethod ? 1 : 0;
    args.forEach((a, i) => {
      if (a.splat) return;
      const idx = a.keyword ? summary.params.indexOf(a.keyword) : pos++;
      if (idx >= 0) {
        byParam[idx] = byParam[idx] ? union(byParam[idx], vals[i]) : vals[i];
        nodeByParam[idx] = a.value;
      }
    });
    const subst = (v: Val): Val => substitute(v, byParam);
    for (const h of summary.hits) {
      if (h.ifLoggerParam !== undefined) {
        const node = nodeByParam[h.ifLoggerParam];
        const isLogger = byParam[h.ifLoggerParam]?.kind === 'logger' || (!!node && looksLikeLogger(node, ip.ctx.imports.qualify(node)));
        if (!isLogger) continue;
      }
      const v = subst(h.value);
      if (!isTainted(v)) continue;
      const value = withStep(v, ip.hop(call, `via the call to \`${summary.name}()\``));
      if (summary.uri) {
        // The sink is in another file: report it here, at the argument that carries the secret.
        const param = h.value.origins.find((o) => o.kind === 'param' && nodeByParam[o.index ?? -1]);
        const argNode = param ? nodeByParam[param.index!] : call;
        ip.emit({ ...h, ifLoggerParam: undefined, relocated: true, sinkNode: call, argNode, display: `${h.display} in \`${summary.name}()\``, value });
      } else ip.emit({ ...h, ifLoggerParam: undefined, value });
    }
    for (const p of summary.artifacts) {
      const v = subst(p.value);
      if (!isTainted(v)) continue;
      st.set(`self.${p.attr}`, union(st.get(`self.${p.attr}`) ?? EMPTY, v));
      st.addArtifact({ ...p, value: v });
    }
    const ret = subst(summary.returns);
    return isTainted(ret) ? withStep(ret, ip.hop(call, `returned by \`${summary.name}()\``)) : ret;
  }

  private summary(fnNode: SyntaxNode, closure?: TaintState, external?: StepContext): FunctionSummary | undefined {
    const ip = this.ip;
    const ctx = external ?? ip.ctx;
    const key = `${ctx.uri ?? ''}#${fnNode.id}`;
    const cached = ip.ctx.summaries.get(key);
    if (cached === 'running') return undefined; // recursion: treat as unknown
    if (cached && !closure) return cached;
    if (ip.depth >= MAX_HELPER_DEPTH) return undefined;
    ip.ctx.summaries.set(key, 'running');
    const name = fnNode.childForFieldName('name')?.text ?? '?';
    const params = parameterNames(fnNode);
    const st = closure ? new TaintState(new Map(closure.vars)) : new TaintState();
    const hits: SinkHit[] = [];
    const inner = ip.nested(ctx, (h) => hits.push(h));
    params.forEach((p, index) => {
      if (index === 0 && p.name === 'self') return;
      st.set(p.name, {
        origins: [{ kind: 'param', index, label: p.name, path: [inner.hop(p.node, `enters \`${name}()\` as \`${p.name}\``)] }],
      });
    });
    const end = inner.run(fnNode, st);
    const artifacts = [...end.pending.values()].flat().filter((p) => isTainted(p.value));
    const s: FunctionSummary = { name, uri: ctx.uri, params: params.map((p) => p.name), returns: inner.returns, hits, artifacts: ctx.uri ? [] : artifacts };
    if (closure) ip.ctx.summaries.delete(key);
    else ip.ctx.summaries.set(key, s);
    return s;
  }
}

/** Replaces parameter origins by what the caller passed (its path, then the path inside the helper). */
function substitute(value: Val, byParam: Val[]): Val {
  if (value.fields) {
    // Keep per-key detail across the call (a helper returning `(host, password)`).
    const fields = new Map<string, Val>();
    for (const [k, f] of value.fields) fields.set(k, substitute(f, byParam));
    const rest = substitute({ origins: value.origins, environ: value.environ }, byParam);
    return { ...rest, fields };
  }
  const v = value;
  if (!v.origins.some((o) => o.kind === 'param')) return v;
  let out: Origin[] = [];
  for (const o of v.origins) {
    if (o.kind !== 'param') {
      out.push(o);
      continue;
    }
    const a = byParam[o.index ?? -1];
    if (!a) continue;
    for (const ao of contentOrigins(a)) out.push({ ...ao, path: [...ao.path, ...o.path] });
  }
  out = out.filter((o, i) => out.findIndex((x) => x.kind === o.kind && x.label === o.label) === i);
  return out.length || v.environ ? { origins: out, environ: v.environ } : EMPTY;
}
