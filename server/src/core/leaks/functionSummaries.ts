import { SyntaxNode } from '../parser';
import { addRaise, takeRaises } from './exceptionFlow';
import { isStaticMethod, parameterNames } from './moduleIndex';
import { looksLikeLogger } from './sinks';
import { FunctionSummary, SinkHit, StepContext } from './stepContext';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { ArgumentNode, plainString } from './taintSyntax';
import { asData, contentOrigins, EMPTY, isTainted, Origin, union, Val, withStep } from './taintTypes';

const MAX_HELPER_DEPTH = 6;

/** A function a call resolves to, and how it sees its arguments. */
export interface Helper {
  fn: SyntaxNode;
  /** Called as `self.m(...)` / `obj.m(...)`: the first parameter is bound. */
  isMethod: boolean;
  /**
   * Variables the body sees besides its parameters: the step's (a def or lambda inside the step)
   * or the object's attributes (`self.x` of an instance). Such a helper is summarised at each call.
   */
  scope?: TaintState;
  /** In another workspace file: summarised in that file's context. */
  external?: StepContext;
  /** A method of a class of this file other than the flow: `self.x` are attributes, not artifacts. */
  selfClass?: string;
}

/** The arguments of one call, by parameter. */
interface Binding {
  vals: Val[];
  byParam: Val[];
  nodeByParam: SyntaxNode[];
  constants: (Val | undefined)[];
}

/** How to summarise one function. */
interface SummaryRequest {
  scope?: TaintState;
  external?: StepContext;
  selfClass?: string;
  /** Constants the parameters hold at this call (a literal argument, or a literal default not overridden). */
  constants: readonly (Val | undefined)[];
}

/**
 * Helper functions (module functions, flow methods, nested defs, workspace modules' functions):
 * each is summarised once per step with its parameters as symbolic origins, and each call
 * substitutes what it passes into the summary's return value, sinks and artifacts.
 */
export class HelperCalls {
  constructor(private readonly ip: TaintInterpreter) {}

  /** The function a call runs, when it is one of the file's (or the workspace's) own; `recv` is the receiver's value. */
  resolve(n: SyntaxNode, st: TaintState, recv?: Val): Helper | undefined {
    const ip = this.ip;
    const ctx = ip.ctx;
    const fn = n.childForFieldName('function');
    if (!fn) return undefined;
    if (fn.type === 'identifier') {
      const local = st.get(fn.text);
      if (local?.fn) return { fn: local.fn, isMethod: false, scope: st };
      if (local) return undefined;
      const f = ctx.index.functions.get(fn.text);
      if (f) return { fn: f, isMethod: false };
      return this.imported(fn);
    }
    if (fn.type !== 'attribute') return undefined;
    const obj = fn.childForFieldName('object');
    const name = fn.childForFieldName('attribute')?.text;
    if (obj?.type === 'identifier' && obj.text !== 'self' && !st.get(obj.text)) {
      const ext = this.imported(fn);
      if (ext) return ext;
    }
    if (!name) return undefined;
    if (obj?.text === 'self' && ip.selfClass) {
      const m = ctx.index.method(ip.selfClass, name);
      return m ? { fn: m, isMethod: !isStaticMethod(m), scope: attributesOf(st), selfClass: ip.selfClass } : undefined;
    }
    if (obj?.text === 'self') {
      const m = ctx.index.method(ctx.step.flowName, name);
      return m ? { fn: m, isMethod: !isStaticMethod(m) } : undefined;
    }
    if (recv?.kind === 'object' && recv.cls) {
      const m = ctx.index.method(recv.cls, name);
      return m ? { fn: m, isMethod: !isStaticMethod(m), scope: objectScope(recv), selfClass: recv.cls } : undefined;
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
    const b = this.bindArguments(helper, args, st);
    const summary = this.summary(helper.fn, { scope: helper.scope, external: helper.external, selfClass: helper.selfClass, constants: b.constants });
    if (!summary) return asData(union(...b.vals));
    return this.applySummary(summary, call, b, st);
  }

  /** Which value (and argument node) each parameter gets at this call, and the constants among them. */
  private bindArguments(helper: Helper, args: ArgumentNode[], st: TaintState): Binding {
    const vals = args.map((a) => this.ip.expr(a.value, st));
    const params = parameterNames(helper.fn);
    const byParam: Val[] = [];
    const nodeByParam: SyntaxNode[] = [];
    let pos = helper.isMethod ? 1 : 0;
    args.forEach((a, i) => {
      if (a.splat) return;
      const idx = a.keyword ? params.findIndex((p) => p.name === a.keyword) : pos++;
      if (idx >= 0) {
        byParam[idx] = byParam[idx] ? union(byParam[idx], vals[i]) : vals[i];
        nodeByParam[idx] = a.value;
      }
    });
    const constants = params.map((p, i) => (byParam[i] ? constantOf(byParam[i]) : p.default && literalConstant(p.default)));
    return { vals, byParam, nodeByParam, constants };
  }

  private applySummary(summary: FunctionSummary, call: SyntaxNode, b: Binding, st: TaintState): Val {
    const ip = this.ip;
    const { byParam, nodeByParam } = b;
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
      if (h.kind === 'exception' && h.exceptionClass && ip.statements.catches(h.exceptionClass)) {
        addRaise(st, h.exceptionClass, value); // the caller handles it
        continue;
      }
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
    for (const [cls, v] of summary.raises) addRaise(st, cls, subst(v));
    const ret = subst(summary.returns);
    return isTainted(ret) ? withStep(ret, ip.hop(call, `returned by \`${summary.name}()\``)) : ret;
  }

  /**
   * `C(args)` for a class of this file: an object whose attributes are what `__init__` stores on
   * self (or a dataclass's fields), whose text is what its __str__/__repr__ returns, its fields
   * for a dataclass, nothing for a plain class. With a base from elsewhere the class may do more:
   * its text is then unknown (its whole contents), and without an __init__ of its own the
   * arguments go to that base (an exception's message, a library's state).
   */
  construct(cls: string, call: SyntaxNode, args: ArgumentNode[], st: TaintState): Val {
    const ip = this.ip;
    const index = ip.ctx.index;
    const ownBases = index.hasOwnBases(cls);
    const shape = index.dataShape(cls);
    const init = index.method(cls, '__init__');
    const fields = new Map<string, Val>();
    let shown: Val | undefined = ownBases ? EMPTY : undefined;
    if (shape && !init) {
      let pos = 0;
      for (const a of args) {
        if (a.splat) continue;
        const v = ip.expr(a.value, st);
        const name = a.keyword ?? shape.fields[pos++]?.name;
        if (name) fields.set(name, fields.has(name) ? union(fields.get(name)!, v) : v);
      }
      shown = EMPTY; // the generated __repr__ shows every field with repr=True
      for (const f of shape.fields) if (f.repr && fields.has(f.name)) shown = union(shown, asData(fields.get(f.name)!));
    } else if (init) {
      const helper: Helper = { fn: init, isMethod: true, selfClass: cls, scope: new TaintState() };
      const b = this.bindArguments(helper, args, st);
      const summary = this.summary(init, { scope: helper.scope, selfClass: cls, constants: b.constants });
      if (!summary) return asData(union(...b.vals));
      this.applySummary(summary, call, b, st);
      for (const [k, v] of summary.attributes ?? []) fields.set(k, substitute(v, b.byParam));
    } else {
      const all = union(...args.map((a) => ip.expr(a.value, st)));
      if (!ownBases) return asData(all);
    }
    return { origins: [], kind: 'object', cls, closed: ownBases, fields, shown: this.rendered(cls, fields) ?? shown };
  }

  /** What `str(obj)` returns for a class with its own __str__ or __repr__ (undefined: none of its own). */
  private rendered(cls: string, fields: ReadonlyMap<string, Val>): Val | undefined {
    const index = this.ip.ctx.index;
    const m = index.method(cls, '__str__') ?? index.method(cls, '__repr__');
    if (!m) return undefined;
    const s = this.summary(m, { scope: objectScope({ origins: [], fields }), selfClass: cls, constants: [] });
    return s ? asData(s.returns) : undefined;
  }

  private summary(fnNode: SyntaxNode, req: SummaryRequest): FunctionSummary | undefined {
    const ip = this.ip;
    const ctx = req.external ?? ip.ctx;
    const consts = req.constants.map((c, i) => (c ? `${i}=${c.str ?? ''}|${c.int ?? ''}|${(c.strs ?? []).join(',')}` : '')).join(';');
    const key = `${ctx.uri ?? ''}#${fnNode.id}#${req.selfClass ?? ''}#${consts}`;
    const cached = ip.ctx.summaries.get(key);
    if (cached === 'running') return undefined; // recursion: treat as unknown
    if (cached && !req.scope) return cached;
    if (ip.depth >= MAX_HELPER_DEPTH) return undefined;
    ip.ctx.summaries.set(key, 'running');
    const name = fnNode.type === 'lambda' ? 'lambda' : (fnNode.childForFieldName('name')?.text ?? '?');
    const params = parameterNames(fnNode);
    const st = req.scope ? new TaintState(new Map(req.scope.vars)) : new TaintState();
    const hits: SinkHit[] = [];
    const inner = ip.nested(ctx, (h) => hits.push(h), req.selfClass);
    params.forEach((p, index) => {
      if (index === 0 && (p.name === 'self' || (req.selfClass && !isStaticMethod(fnNode)))) return;
      const c = req.constants[index];
      st.set(p.name, {
        origins: [{ kind: 'param', index, label: p.name, path: [inner.hop(p.node, `enters \`${name}()\` as \`${p.name}\``)] }],
        ...(c?.str !== undefined ? { str: c.str } : {}),
        ...(c?.int !== undefined ? { int: c.int } : {}),
        ...(c?.strs ? { strs: c.strs } : {}),
      });
    });
    const end = inner.run(fnNode, st);
    const raises = takeRaises(end);
    const artifacts = req.selfClass ? [] : [...end.pending.values()].flat().filter((p) => isTainted(p.value));
    const s: FunctionSummary = {
      name,
      uri: ctx.uri,
      params: params.map((p) => p.name),
      returns: inner.returns,
      hits,
      artifacts: ctx.uri ? [] : artifacts,
      raises,
    };
    if (req.selfClass && name === '__init__') {
      const attrs = new Map<string, Val>();
      for (const [k, v] of attributesOf(end).vars) attrs.set(k.slice('self.'.length), v);
      s.attributes = attrs;
    }
    if (req.scope) ip.ctx.summaries.delete(key);
    else ip.ctx.summaries.set(key, s);
    return s;
  }
}

/** The `self.x` values of a state, as the attributes of an object. */
function attributesOf(st: TaintState): TaintState {
  const out = new TaintState();
  for (const [k, v] of st.vars) if (/^self\.[A-Za-z_]\w*$/.test(k)) out.set(k, v);
  return out;
}

/** The state a method of an object starts from: its attributes as `self.x`. */
function objectScope(obj: Val): TaintState {
  const out = new TaintState();
  for (const [k, v] of obj.fields ?? []) out.set(`self.${k}`, v);
  return out;
}

/** The constant part of a value (a string, an integer, the strings it may be), if any. */
function constantOf(v: Val): Val | undefined {
  if (v.str === undefined && v.int === undefined && !v.strs) return undefined;
  return { origins: [], str: v.str, int: v.int, strs: v.strs };
}

/** A parameter's literal default: `keep=4`, `name="DB_PASSWORD"`. */
function literalConstant(n: SyntaxNode): Val | undefined {
  if (n.type === 'integer') return { origins: [], int: Number(n.text) };
  const s = plainString(n);
  return s !== undefined ? { origins: [], str: s } : undefined;
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
