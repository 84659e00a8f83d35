import { SyntaxNode } from '../parser';
import { envReadOrigin } from './envReadOrigin';
import { isMaskingSlice } from './sanitizers';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { keyOf, literalString, parts, plainString, selfAttr } from './taintSyntax';
import { addRaise } from './exceptionFlow';
import { asData, elementOf, EMPTY, isTainted, Origin, textOf, union, Val } from './taintTypes';

/** Tuples up to this size keep per-position values. */
const MAX_TUPLE = 8;

/**
 * The value of each kind of expression: names, attributes and subscripts read what the state
 * holds (or an artifact an earlier step stored), operators and literals combine their parts,
 * and `os.environ` reads are the sources. Calls are the call policy's (callPolicy.ts).
 */
export class ExpressionEvaluator {
  constructor(private readonly ip: TaintInterpreter) {}

  evaluate(n: SyntaxNode, st: TaintState): Val {
    const ip = this.ip;
    switch (n.type) {
      case 'identifier': {
        const v = st.get(n.text);
        if (v) return v;
        if (ip.ctx.imports.qualify(n) === 'os.environ') return this.environ(n);
        if (ip.ctx.index.loggers.has(n.text)) return { origins: [], kind: 'logger' };
        const strs = ip.ctx.index.stringList(n.text);
        if (strs) return { origins: [], element: { origins: [], strs } };
        return EMPTY;
      }
      case 'integer':
        return { origins: [], int: Number(n.text) };
      case 'lambda':
        return { origins: [], kind: 'function', fn: n };
      case 'attribute':
        return this.attribute(n, st);
      case 'subscript':
        return this.subscript(n, st);
      case 'call':
        return ip.calls.call(n, st);
      case 'string': {
        const plain = plainString(n);
        if (plain !== undefined) return { origins: [], str: plain };
        let v = EMPTY;
        for (const c of n.namedChildren) {
          if (c?.type === 'interpolation') v = union(v, asData(textOf(ip.expr(c.childForFieldName('expression'), st))));
        }
        return v;
      }
      case 'tuple':
      case 'expression_list': {
        // A tuple keeps its positions, so `host, pw = creds()` binds each part to its own value.
        const items = parts(n);
        const names = stringsOf(items);
        if (items.length <= MAX_TUPLE && !items.some((c) => c.type === 'list_splat')) {
          const fields = new Map<string, Val>();
          items.forEach((c, i) => fields.set(`#${i}`, ip.expr(c, st)));
          return names ? { origins: [], fields, element: { origins: [], strs: names } } : { origins: [], fields };
        }
        let v = EMPTY;
        for (const c of items) v = union(v, ip.expr(c, st));
        return names ? { ...v, element: { origins: [], strs: names } } : v;
      }
      case 'concatenated_string':
      case 'binary_operator':
      case 'list':
      case 'set': {
        let v = EMPTY;
        for (const c of n.namedChildren)
          if (c && c.type !== 'comment') v = union(v, n.type === 'binary_operator' ? asData(textOf(ip.expr(c, st))) : ip.expr(c, st));
        // A literal collection of names: iterating it yields one of them (`for name in ["A", "B"]`).
        const names = n.type === 'list' || n.type === 'set' ? stringsOf(parts(n)) : undefined;
        return names ? { ...v, element: { origins: [], strs: names } } : v;
      }
      case 'dictionary': {
        const fields = this.dictFields(n, st);
        if (fields) return { origins: [], fields };
        let v = EMPTY;
        for (const c of n.namedChildren) {
          if (!c || c.type === 'comment') continue;
          if (c.type === 'pair') v = union(v, asData(ip.expr(c.childForFieldName('key'), st)), asData(ip.expr(c.childForFieldName('value'), st)));
          else v = union(v, ip.expr(c, st)); // `**os.environ` copies the mapping
        }
        return v;
      }
      case 'boolean_operator': {
        // `a and b` is a only when a is falsy (an empty string or None holds no secret), else b.
        const left = ip.expr(n.childForFieldName('left'), st);
        const right = ip.expr(n.childForFieldName('right'), st);
        return n.childForFieldName('operator')?.type === 'and' ? right : union(left, right);
      }
      case 'conditional_expression': {
        const ps = parts(n);
        if (ps[1]) ip.expr(ps[1], st);
        return union(ip.expr(ps[0], st), ip.expr(ps[2], st));
      }
      case 'comparison_operator':
      case 'not_operator':
        // Evaluated for the calls and walruses inside; the result is a bool.
        for (const c of n.namedChildren) if (c) ip.expr(c, st);
        return EMPTY;
      case 'unary_operator': {
        const v = ip.expr(n.childForFieldName('argument'), st);
        if (v.int !== undefined && n.text.trimStart().startsWith('-')) return { origins: [], int: -v.int };
        return asData(v);
      }
      case 'parenthesized_expression':
      case 'await':
      case 'list_splat':
      case 'dictionary_splat':
      case 'keyword_argument':
      case 'as_pattern': {
        if (n.type === 'keyword_argument') return ip.expr(n.childForFieldName('value'), st);
        const inner = n.namedChildren.find((c) => c && c.type !== 'comment');
        return ip.expr(inner, st);
      }
      case 'named_expression': {
        const v = ip.expr(n.childForFieldName('value'), st);
        const name = n.childForFieldName('name');
        if (name) ip.statements.bind(name, v, n, st);
        return v;
      }
      case 'list_comprehension':
      case 'set_comprehension':
      case 'generator_expression':
      case 'dictionary_comprehension':
        return this.comprehension(n, st);
      default:
        return EMPTY;
    }
  }

  /** `{"host": h, "password": p}`: constant keys keep per-key values; anything else returns undefined. */
  private dictFields(n: SyntaxNode, st: TaintState): Map<string, Val> | undefined {
    const pairs = parts(n);
    const keys: string[] = [];
    for (const c of pairs) {
      const k = c.type === 'pair' ? literalString(c.childForFieldName('key'), this.ip.ctx.index) : undefined;
      if (k === undefined || c.childForFieldName('key')?.type !== 'string') return undefined;
      keys.push(k);
    }
    const fields = new Map<string, Val>();
    pairs.forEach((c, i) => fields.set(keys[i], asData(this.ip.expr(c.childForFieldName('value'), st))));
    return fields;
  }

  private comprehension(n: SyntaxNode, st: TaintState): Val {
    const ip = this.ip;
    const scope = st.copy(); // comprehension variables do not leak out (Python 3)
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'for_in_clause') {
        const it = ip.expr(c.childForFieldName('right'), scope);
        const left = c.childForFieldName('left');
        if (left) ip.statements.bind(left, elementOf(it), c, scope);
      } else if (c.type === 'if_clause') {
        for (const x of c.namedChildren) ip.expr(x, scope);
      }
    }
    const body = n.childForFieldName('body');
    if (body?.type === 'pair') return union(asData(ip.expr(body.childForFieldName('key'), scope)), asData(ip.expr(body.childForFieldName('value'), scope)));
    return asData(ip.expr(body, scope));
  }

  private attribute(n: SyntaxNode, st: TaintState): Val {
    const ctx = this.ip.ctx;
    const q = ctx.imports.qualify(n);
    if (q === 'os.environ') return this.environ(n);
    const key = keyOf(n);
    if (key) {
      const v = st.get(key);
      if (v) return v;
    }
    const attr = selfAttr(n);
    if (attr && this.ip.selfClass) return EMPTY; // an attribute of the object that was never set
    if (attr) {
      const m = ctx.index.method(ctx.step.flowName, attr);
      if (m) return { origins: [], kind: 'function', fn: m };
      return ctx.artifactIn(attr, n) ?? EMPTY;
    }
    const obj = n.childForFieldName('object');
    const base = this.ip.expr(obj, st);
    const name = n.childForFieldName('attribute')?.text ?? '';
    if (base.kind === 'joinInputs') {
      if (ctx.stepNames.has(name)) return base;
      return ctx.artifactIn(name, n) ?? EMPTY;
    }
    if (base.kind === 'object') {
      // Field sensitivity: `cfg.host` is not `cfg.password`; `__dict__` is all of them.
      if (name === '__dict__') return asData(base);
      return base.fields?.get(name) ?? (base.closed ? EMPTY : asData({ origins: base.origins }));
    }
    return asData(base);
  }

  private subscript(n: SyntaxNode, st: TaintState): Val {
    const base = this.ip.expr(n.childForFieldName('value'), st);
    const sub = n.childForFieldName('subscript');
    if (base.kind === 'joinInputs') return base;
    if (base.environ) return this.envRead(sub, n, st);
    if (base.fields) {
      const key = sub?.type === 'integer' ? `#${Number(sub.text)}` : literalString(sub, this.ip.ctx.index);
      if (key !== undefined) return base.fields.get(key) ?? asData({ origins: base.origins });
    }
    if (sub && isMaskingSlice(sub, (c) => this.ip.expr(c, st).int)) return EMPTY;
    if (sub && sub.type !== 'slice') {
      // `d[key]` with a secret key raises KeyError(key) when the key is missing.
      const key = this.ip.expr(sub, st);
      if (isTainted(key)) addRaise(st, 'KeyError', asData(key));
    }
    return asData(base);
  }

  // ---- sources ----

  environ(n: SyntaxNode): Val {
    const environ: Origin = {
      kind: 'environ',
      label: 'os.environ',
      withSecrets: this.ip.ctx.names !== undefined,
      path: [this.ip.hop(n, 'the whole environment (`os.environ`) is read here')],
    };
    return { origins: [], environ };
  }

  /** A read of one environment variable: a secret when this step's @secrets provides it. */
  envRead(keyNode: SyntaxNode | null | undefined, read: SyntaxNode, st: TaintState): Val {
    const ip = this.ip;
    const keyVal = keyNode ? ip.expr(keyNode, st) : EMPTY;
    const key = literalString(keyNode, ip.ctx.index) ?? keyVal.str;
    const at = (message: string) => ip.hop(read, message);
    if (key === undefined && keyVal.strs) {
      // One of a literal collection of names: each may be read.
      const origins = keyVal.strs.map((k) => envReadOrigin(k, k, ip.ctx, at)).filter((o): o is Origin => !!o);
      return origins.length ? { origins } : EMPTY;
    }
    const origin = envReadOrigin(key, keyNode ? keyNode.text : '?', ip.ctx, at);
    return origin ? { origins: [origin] } : EMPTY;
  }
}

/** The strings of a literal collection whose items are all plain string literals. */
function stringsOf(items: SyntaxNode[]): string[] | undefined {
  if (!items.length) return undefined;
  const out: string[] = [];
  for (const c of items) {
    const s = plainString(c);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}
