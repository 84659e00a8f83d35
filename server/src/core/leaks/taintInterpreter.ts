import { nodeRange, SyntaxNode } from '../parser';
import { StepModel } from '../flowModel';
import { ImportedNames, isCardComponent } from './importedNames';
import { ModuleIndex, parameterNames } from './moduleIndex';
import { isMaskingSlice, isMutatingMethod, isPropagatingCall, isSanitizingCall, methodCarriesArgs } from './sanitizers';
import { envReadOrigin } from './envReadOrigin';
import { classifySinkCall, LOGGING_FUNCS, looksLikeLogger, SinkKind } from './sinks';
import { PendingArtifact, TaintState } from './taintState';
import { asData, contentOrigins, EMPTY, isTainted, Origin, PathStep, SecretNames, union, Val, withStep } from './taintTypes';

/** A tainted value reaching a sink, before it becomes a Finding. */
export interface SinkHit {
  kind: SinkKind;
  display: string;
  /** The call, `raise`/`assert` statement, or `self.x = ...` statement. */
  sinkNode: SyntaxNode;
  /** The tainted expression at the sink (where the diagnostic goes). */
  argNode: SyntaxNode;
  value: Val;
  /** For artifacts: the attribute name. */
  attr?: string;
  /** Inside a helper: a sink only if the caller passes a logger as this parameter (`lg.info(x)`). */
  ifLoggerParam?: number;
  /** The sink is inside a workspace module's function: reported at the call in this document. */
  relocated?: boolean;
  /** A sink Metaflow runs drop (warnings.warn): reported at a lower severity, worded so. */
  silenced?: boolean;
}

/** What a helper function does with its parameters, in the calling step's context. */
export interface FunctionSummary {
  name: string;
  /** Set for a function of another workspace file. */
  uri?: string;
  params: string[];
  returns: Val;
  hits: SinkHit[];
  artifacts: PendingArtifact[];
}

/** Everything one step's analysis shares with the helpers it calls. */
export interface StepContext {
  step: StepModel;
  /** The flow's step names (`inputs.<step>` in a join). */
  stepNames: ReadonlySet<string>;
  /** undefined: the step has no @secrets. */
  names: SecretNames | undefined;
  conservative: boolean;
  imports: ImportedNames;
  index: ModuleIndex;
  /** A tainted `self.<attr>` stored by a step that runs before this one. */
  artifactIn(attr: string, readAt: SyntaxNode): Val | undefined;
  summaries: Map<string, FunctionSummary | 'running'>;
  /** Absent: the document being analysed; else the workspace module whose function is being summarised. */
  uri?: string;
  /** A function of a workspace module this file imports (`from helpers import show`), with its file's context. */
  externalFunction?(qualified: string): { fn: SyntaxNode; ctx: StepContext } | undefined;
  /** Ids of nodes whose value was found tainted (quick fixes mask exactly those). */
  tainted: Set<number>;
}

const NON_DATA_KEYWORDS = new Set(['file', 'sep', 'end', 'flush', 'stacklevel', 'exc_info', 'stack_info', 'category', 'id', 'level']);
const ENVIRON_READS = new Set(['get', 'pop', 'setdefault', '__getitem__']);
const MAX_HELPER_DEPTH = 6;
/** Tuples up to this size keep per-position values. */
const MAX_TUPLE = 8;
/** Builtins that iterate a mapping: over os.environ they see the names, not the values. */
const ITERATING_CALLS = new Set(['sorted', 'list', 'tuple', 'set', 'frozenset', 'iter', 'enumerate', 'reversed', 'min', 'max', 'len']);
const EXCEPTION_NAME = /(Error|Exception|Warning|Exit|Interrupt)$/;

/** An exception constructor keeps its arguments as the message. */
function isExceptionClass(fn: SyntaxNode): boolean {
  const name = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn.type === 'identifier' ? fn.text : undefined;
  return !!name && EXCEPTION_NAME.test(name);
}

/**
 * A forward, flow-sensitive walk of one function body: statements in order, assignments
 * replace a variable's value (so an overwrite cleans it), branches merge as a union, loops
 * run until nothing changes (at most three rounds). Values are the sets of secrets they may hold.
 */
export class TaintInterpreter {
  returns: Val = EMPTY;
  private sawReturn = false;
  private readonly exits: TaintState[] = [];

  constructor(
    private readonly ctx: StepContext,
    private readonly emit: (hit: SinkHit) => void,
    private readonly depth = 0,
  ) {}

  /** Runs a function body from `st`; returns the state at its end (merged with every `return`). */
  run(fn: SyntaxNode, st: TaintState): TaintState {
    const out = this.block(fn.childForFieldName('body'), st);
    for (const e of this.exits) out.joinWith(e);
    return out;
  }

  // ---- statements ----

  private block(b: SyntaxNode | null | undefined, st: TaintState): TaintState {
    if (!b) return st;
    for (const s of b.namedChildren) if (s) st = this.stmt(s, st);
    return st;
  }

  private stmt(n: SyntaxNode, st: TaintState): TaintState {
    switch (n.type) {
      case 'expression_statement':
        for (const e of n.namedChildren) if (e) this.exprStatement(e, n, st);
        return st;
      case 'if_statement':
        return this.ifStatement(n, st);
      case 'for_statement':
      case 'while_statement':
        return this.loop(n, st);
      case 'try_statement':
        return this.tryStatement(n, st);
      case 'with_statement':
        return this.withStatement(n, st);
      case 'match_statement': {
        this.expr(n.childForFieldName('subject'), st);
        const outs: TaintState[] = [st.copy()];
        for (const c of n.childForFieldName('body')?.namedChildren ?? []) {
          if (c?.type === 'case_clause') outs.push(this.block(c.childForFieldName('consequence'), st.copy()));
        }
        return joinAll(outs);
      }
      case 'return_statement': {
        const e = n.namedChildren.find((c) => c && c.type !== 'comment');
        if (e) {
          const v = this.expr(e, st);
          // A single return keeps its shape (per-position tuples); several merge.
          this.returns = this.sawReturn ? union(this.returns, v) : v;
          this.sawReturn = true;
        }
        this.exits.push(st.copy());
        return st;
      }
      case 'raise_statement': {
        const e = n.namedChildren.find((c) => c && c.type !== 'comment');
        const cause = n.childForFieldName('cause');
        if (e && e.id !== cause?.id) this.raised(e, n, st);
        return st;
      }
      case 'assert_statement': {
        const parts = n.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
        if (parts[0]) this.expr(parts[0], st);
        if (parts[1]) this.raised(parts[1], n, st);
        return st;
      }
      case 'delete_statement':
        for (const t of n.namedChildren) if (t) this.deleteTarget(t, st);
        return st;
      case 'function_definition':
      case 'decorated_definition': {
        const def = n.type === 'decorated_definition' ? n.childForFieldName('definition') : n;
        const name = def?.childForFieldName('name')?.text;
        if (def?.type === 'function_definition' && name) st.set(name, { origins: [], kind: 'function', fn: def });
        return st;
      }
      default:
        return st;
    }
  }

  private exprStatement(e: SyntaxNode, stmt: SyntaxNode, st: TaintState): void {
    if (e.type === 'assignment') this.assign(e, stmt, st);
    else if (e.type === 'augmented_assignment') {
      const left = e.childForFieldName('left');
      const v = union(left ? this.expr(left, st) : EMPTY, asData(this.expr(e.childForFieldName('right'), st)));
      if (left) this.bind(left, v, stmt, st, true);
    } else this.expr(e, st);
  }

  private ifStatement(n: SyntaxNode, st: TaintState): TaintState {
    this.expr(n.childForFieldName('condition'), st);
    const outs = [this.block(n.childForFieldName('consequence'), st.copy())];
    let hasElse = false;
    for (const alt of n.childrenForFieldName('alternative')) {
      if (!alt) continue;
      if (alt.type === 'elif_clause') {
        this.expr(alt.childForFieldName('condition'), st);
        outs.push(this.block(alt.childForFieldName('consequence'), st.copy()));
      } else {
        hasElse = true;
        outs.push(this.block(alt.childForFieldName('body'), st.copy()));
      }
    }
    if (!hasElse) outs.push(st);
    return joinAll(outs);
  }

  private loop(n: SyntaxNode, st: TaintState): TaintState {
    let cur = st;
    for (let i = 0; i < 3; i++) {
      const body = cur.copy();
      if (n.type === 'for_statement') {
        const it = this.expr(n.childForFieldName('right'), body);
        const left = n.childForFieldName('left');
        if (left) this.bind(left, elementOf(it), n, body, false);
      } else this.expr(n.childForFieldName('condition'), body);
      const after = this.block(n.childForFieldName('body'), body);
      const merged = cur.copy();
      const changed = merged.joinWith(after);
      cur = merged;
      if (!changed) break;
    }
    const alt = n.childForFieldName('alternative');
    return alt ? this.block(alt.childForFieldName('body'), cur) : cur;
  }

  private tryStatement(n: SyntaxNode, st: TaintState): TaintState {
    const afterBody = this.block(n.childForFieldName('body'), st.copy());
    const entry = st.copy();
    entry.joinWith(afterBody); // an exception may come from anywhere in the body
    const outs: TaintState[] = [];
    let fin: SyntaxNode | undefined;
    let orElse: SyntaxNode | undefined;
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'except_clause' || c.type === 'except_group_clause') {
        const h = entry.copy();
        const alias = c.namedChildren.find((x) => x?.type === 'as_pattern')?.childForFieldName('alias')?.namedChildren[0];
        if (alias) this.bind(alias, EMPTY, c, h, false);
        const blk = c.namedChildren.find((x) => x?.type === 'block');
        outs.push(this.block(blk, h));
      } else if (c.type === 'else_clause') orElse = c;
      else if (c.type === 'finally_clause') fin = c;
    }
    outs.push(orElse ? this.block(orElse.childForFieldName('body'), afterBody) : afterBody);
    const joined = joinAll(outs);
    return fin ? this.block(fin.namedChildren.find((x) => x?.type === 'block'), joined) : joined;
  }

  private withStatement(n: SyntaxNode, st: TaintState): TaintState {
    const clause = n.namedChildren.find((c) => c?.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      if (item?.type !== 'with_item') continue;
      const v = item?.childForFieldName('value');
      if (!v) continue;
      if (v.type === 'as_pattern') {
        const val = this.expr(v.namedChildren[0], st);
        const target = v.childForFieldName('alias')?.namedChildren[0];
        if (target) this.bind(target, val, n, st, false);
      } else this.expr(v, st);
    }
    return this.block(n.childForFieldName('body'), st);
  }

  private raised(e: SyntaxNode, stmt: SyntaxNode, st: TaintState): void {
    // An exception object holds its constructor's arguments: `raise ValueError(f"... {tok}")`.
    let v: Val;
    if (e.type === 'call' && !this.resolveHelper(e, st)) {
      this.expr(e.childForFieldName('function'), st);
      v = EMPTY;
      for (const a of argumentNodes(e)) v = union(v, asData(this.expr(a.value, st)));
      if (isTainted(v)) this.ctx.tainted.add(e.id);
    } else v = this.expr(e, st);
    if (isTainted(v)) this.emit({ kind: 'exception', display: 'raise', sinkNode: stmt, argNode: e, value: v });
  }

  private deleteTarget(t: SyntaxNode, st: TaintState): void {
    if (t.type === 'expression_list' || t.type === 'tuple') {
      for (const c of t.namedChildren) if (c) this.deleteTarget(c, st);
      return;
    }
    const key = keyOf(t);
    if (key) {
      st.set(key, EMPTY);
      st.killFields(key);
      const attr = selfAttr(t);
      if (attr) st.pending.delete(attr);
    }
  }

  // ---- assignment ----

  private assign(a: SyntaxNode, stmt: SyntaxNode, st: TaintState): Val {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (!right) return EMPTY; // an annotation alone binds nothing
    if (left && isPattern(left) && isSequenceLiteral(right)) {
      const ls = left.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
      const rs = right.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
      if (ls.length === rs.length && !ls.some((l) => l.type === 'list_splat_pattern')) {
        const vals = rs.map((r) => this.expr(r, st)); // evaluate all before binding: `a, b = b, a`
        ls.forEach((l, i) => this.bind(l, vals[i], stmt, st, false));
        return union(...vals);
      }
    }
    const v = right.type === 'assignment' ? this.assign(right, stmt, st) : this.expr(right, st);
    if (left) this.bind(left, v, stmt, st, false);
    return v;
  }

  /** Binds a target to a value; `weak` for augmented assignment (`+=` keeps what was there). */
  private bind(t: SyntaxNode, v: Val, stmt: SyntaxNode, st: TaintState, weak: boolean): void {
    switch (t.type) {
      case 'identifier': {
        st.set(t.text, isTainted(v) ? withStep(v, this.hop(t, `flows into \`${t.text}\``)) : v);
        st.killFields(t.text);
        return;
      }
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list':
      case 'expression_list':
      case 'parenthesized_expression': {
        const targets = t.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
        const exact = t.type !== 'parenthesized_expression' && v.fields?.size === targets.length && v.fields.has('#0') && !targets.some((c) => c.type === 'list_splat_pattern');
        targets.forEach((c, i) => this.bind(c, exact ? v.fields!.get(`#${i}`) ?? EMPTY : elementOf(v), stmt, st, weak));
        return;
      }
      case 'list_splat_pattern':
      case 'list_splat': {
        const inner = t.namedChildren[0];
        if (inner) this.bind(inner, v, stmt, st, weak);
        return;
      }
      case 'attribute': {
        const attr = selfAttr(t);
        const key = keyOf(t);
        const stepped = !isTainted(v) ? v : withStep(v, this.hop(t, attr ? `stored in the artifact \`self.${attr}\` (step \`${this.ctx.step.name}\`)` : `flows into \`${t.text}\``));
        if (attr) {
          st.set(`self.${attr}`, stepped);
          st.killFields(`self.${attr}`);
          st.storeArtifact({ attr, target: t, statement: stmt, value: stepped });
          return;
        }
        const obj = t.childForFieldName('object');
        if (key) {
          st.set(key, stepped);
          st.killFields(key);
        }
        if (obj && isTainted(v)) this.taintContainer(obj, stepped, stmt, st);
        return;
      }
      case 'subscript': {
        const obj = t.childForFieldName('value');
        if (!obj) return;
        const q = this.ctx.imports.qualify(obj);
        if (q === 'os.environ') return; // setting a variable is not a leak
        if (q && /^metaflow\.current\.card$/.test(q) && isTainted(v)) {
          this.emit({ kind: 'card', display: 'current.card[...] =', sinkNode: stmt, argNode: stmt.namedChildren[0]?.childForFieldName('right') ?? t, value: v });
          return;
        }
        const key = keyOf(obj);
        const cur = key ? st.get(key) : undefined;
        const field = cur?.fields ? literalString(t.childForFieldName('subscript'), this.ctx) : undefined;
        if (key && cur?.fields && field !== undefined) {
          // `cfg["password"] = x` replaces that entry only.
          const fields = new Map(cur.fields);
          fields.set(field, asData(isTainted(v) ? withStep(v, this.hop(t, `stored in \`${t.text}\``)) : v));
          st.set(key, { ...cur, fields });
          if (isTainted(v) && rootSelfAttr(obj)) this.taintContainer(obj, withStep(v, this.hop(t, `stored in \`${t.text}\``)), stmt, st);
          return;
        }
        if (isTainted(v)) this.taintContainer(obj, withStep(v, this.hop(t, `stored in \`${t.text}\``)), stmt, st);
        return;
      }
      default:
        return;
    }
  }

  /** `obj.f = v`, `obj[k] = v`, `obj.append(v)`: the object now also holds `v`. */
  private taintContainer(obj: SyntaxNode, v: Val, stmt: SyntaxNode, st: TaintState): void {
    const key = keyOf(obj);
    if (key) st.add(key, asData(v));
    const root = rootSelfAttr(obj);
    if (root) {
      const val = union(st.get(`self.${root.attr}`) ?? EMPTY, asData(v));
      st.set(`self.${root.attr}`, val);
      st.addArtifact({ attr: root.attr, target: root.node, statement: stmt, value: asData(v) });
    }
  }

  // ---- expressions ----

  expr(n: SyntaxNode | null | undefined, st: TaintState): Val {
    if (!n) return EMPTY;
    const v = this.exprInner(n, st);
    if (isTainted(v)) this.ctx.tainted.add(n.id);
    return v;
  }

  private exprInner(n: SyntaxNode, st: TaintState): Val {
    switch (n.type) {
      case 'identifier': {
        const v = st.get(n.text);
        if (v) return v;
        if (this.ctx.imports.qualify(n) === 'os.environ') return this.environ(n);
        if (this.ctx.index.loggers.has(n.text)) return { origins: [], kind: 'logger' };
        return EMPTY;
      }
      case 'attribute':
        return this.attribute(n, st);
      case 'subscript':
        return this.subscript(n, st);
      case 'call':
        return this.call(n, st);
      case 'string': {
        if (!n.namedChildren.some((c) => c?.type === 'interpolation')) {
          return { origins: [], str: n.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c!.text).join('') };
        }
        let v = EMPTY;
        for (const c of n.namedChildren) {
          if (c?.type === 'interpolation') v = union(v, asData(this.expr(c.childForFieldName('expression'), st)));
        }
        return v;
      }
      case 'tuple':
      case 'expression_list': {
        // A tuple keeps its positions, so `host, pw = creds()` binds each part to its own value.
        const items = n.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
        if (items.length <= MAX_TUPLE && !items.some((c) => c.type === 'list_splat')) {
          const fields = new Map<string, Val>();
          items.forEach((c, i) => fields.set(`#${i}`, this.expr(c, st)));
          return { origins: [], fields };
        }
        let v = EMPTY;
        for (const c of items) v = union(v, this.expr(c, st));
        return v;
      }
      case 'concatenated_string':
      case 'binary_operator':
      case 'list':
      case 'set': {
        let v = EMPTY;
        for (const c of n.namedChildren) if (c && c.type !== 'comment') v = union(v, n.type === 'binary_operator' ? asData(this.expr(c, st)) : this.expr(c, st));
        return v;
      }
      case 'dictionary': {
        const fields = this.dictFields(n, st);
        if (fields) return { origins: [], fields };
        let v = EMPTY;
        for (const c of n.namedChildren) {
          if (!c || c.type === 'comment') continue;
          if (c.type === 'pair') v = union(v, asData(this.expr(c.childForFieldName('key'), st)), asData(this.expr(c.childForFieldName('value'), st)));
          else v = union(v, this.expr(c, st)); // `**os.environ` copies the mapping
        }
        return v;
      }
      case 'boolean_operator':
        return union(this.expr(n.childForFieldName('left'), st), this.expr(n.childForFieldName('right'), st));
      case 'conditional_expression': {
        const parts = n.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
        if (parts[1]) this.expr(parts[1], st);
        return union(this.expr(parts[0], st), this.expr(parts[2], st));
      }
      case 'comparison_operator':
      case 'not_operator':
        // Evaluated for the calls and walruses inside; the result is a bool.
        for (const c of n.namedChildren) if (c) this.expr(c, st);
        return EMPTY;
      case 'unary_operator':
        return asData(this.expr(n.childForFieldName('argument'), st));
      case 'parenthesized_expression':
      case 'await':
      case 'list_splat':
      case 'dictionary_splat':
      case 'keyword_argument':
      case 'as_pattern': {
        if (n.type === 'keyword_argument') return this.expr(n.childForFieldName('value'), st);
        const inner = n.namedChildren.find((c) => c && c.type !== 'comment');
        return this.expr(inner, st);
      }
      case 'named_expression': {
        const v = this.expr(n.childForFieldName('value'), st);
        const name = n.childForFieldName('name');
        if (name) this.bind(name, v, n, st, false);
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
    const pairs = n.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
    const keys: string[] = [];
    for (const c of pairs) {
      const k = c.type === 'pair' ? literalString(c.childForFieldName('key'), this.ctx) : undefined;
      if (k === undefined || c.childForFieldName('key')?.type !== 'string') return undefined;
      keys.push(k);
    }
    const fields = new Map<string, Val>();
    pairs.forEach((c, i) => fields.set(keys[i], asData(this.expr(c.childForFieldName('value'), st))));
    return fields;
  }

  private comprehension(n: SyntaxNode, st: TaintState): Val {
    const scope = st.copy(); // comprehension variables do not leak out (Python 3)
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'for_in_clause') {
        const it = this.expr(c.childForFieldName('right'), scope);
        const left = c.childForFieldName('left');
        if (left) this.bind(left, elementOf(it), c, scope, false);
      } else if (c.type === 'if_clause') {
        for (const x of c.namedChildren) this.expr(x, scope);
      }
    }
    const body = n.childForFieldName('body');
    if (body?.type === 'pair') return union(asData(this.expr(body.childForFieldName('key'), scope)), asData(this.expr(body.childForFieldName('value'), scope)));
    return asData(this.expr(body, scope));
  }

  private attribute(n: SyntaxNode, st: TaintState): Val {
    const q = this.ctx.imports.qualify(n);
    if (q === 'os.environ') return this.environ(n);
    const key = keyOf(n);
    if (key) {
      const v = st.get(key);
      if (v) return v;
    }
    const attr = selfAttr(n);
    if (attr) {
      const m = this.ctx.index.method(this.ctx.step.flowName, attr);
      if (m) return { origins: [], kind: 'function', fn: m };
      return this.ctx.artifactIn(attr, n) ?? EMPTY;
    }
    const obj = n.childForFieldName('object');
    const base = this.expr(obj, st);
    if (base.kind === 'joinInputs') {
      const name = n.childForFieldName('attribute')?.text ?? '';
      if (this.ctx.stepNames.has(name)) return base;
      return this.ctx.artifactIn(name, n) ?? EMPTY;
    }
    return asData(base);
  }

  private subscript(n: SyntaxNode, st: TaintState): Val {
    const base = this.expr(n.childForFieldName('value'), st);
    const sub = n.childForFieldName('subscript');
    if (base.kind === 'joinInputs') return base;
    if (base.environ) return this.envRead(sub, n, st);
    if (base.fields) {
      const key = sub?.type === 'integer' ? `#${Number(sub.text)}` : literalString(sub, this.ctx);
      if (key !== undefined) return base.fields.get(key) ?? asData({ origins: base.origins });
    }
    if (sub && isMaskingSlice(sub)) return EMPTY;
    if (sub && sub.type !== 'slice') this.expr(sub, st);
    return asData(base);
  }

  // ---- sources ----

  /** One hop of a path, in this document or (for a workspace module's helper) in that file. */
  hop(n: SyntaxNode, message: string): PathStep {
    return this.ctx.uri ? { uri: this.ctx.uri, range: nodeRange(n), message } : { range: nodeRange(n), message };
  }

  private environ(n: SyntaxNode): Val {
    const environ: Origin = { kind: 'environ', label: 'os.environ', withSecrets: this.ctx.names !== undefined, path: [this.hop(n, 'the whole environment (`os.environ`) is read here')] };
    return { origins: [], environ };
  }

  /** A read of one environment variable: a secret when this step's @secrets provides it. */
  private envRead(keyNode: SyntaxNode | null | undefined, read: SyntaxNode, st: TaintState): Val {
    const key = literalString(keyNode, this.ctx) ?? (keyNode ? this.expr(keyNode, st).str : undefined);
    const origin = envReadOrigin(key, keyNode ? keyNode.text : '?', this.ctx, (message) => this.hop(read, message));
    return origin ? { origins: [origin] } : EMPTY;
  }

  // ---- calls ----

  private call(n: SyntaxNode, st: TaintState): Val {
    const fn = n.childForFieldName('function');
    if (!fn) return EMPTY;
    const q = this.ctx.imports.qualify(fn);
    const args = argumentNodes(n);
    const first = args.find((a) => !a.keyword && !a.splat)?.value;

    if (q === 'os.getenv' || q === 'os.environ.get' || q === 'os.environ.pop' || q === 'os.environ.setdefault') {
      const def = args.filter((a) => !a.keyword)[1]?.value;
      return union(this.envRead(first, n, st), def ? this.expr(def, st) : EMPTY);
    }
    if (q === 'metaflow.get_secret') {
      for (const a of args) this.expr(a.value, st);
      const label = `get_secret(${first ? shorten(first.text) : ''})`;
      return { origins: [{ kind: 'get_secret', label, path: [this.hop(n, `${label} returns the secret's values`)] }] };
    }

    if (fn.type === 'identifier' && fn.text === 'setattr' && args.length >= 3 && args[0].value.text === 'self') {
      const attr = literalString(args[1].value, this.ctx);
      if (attr) return this.setSelfAttr(attr, n, this.expr(args[2].value, st), st);
    }

    const method = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
    const receiver = fn.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    const recv = receiver && receiver.text !== 'self' ? this.expr(receiver, st) : undefined;

    if (recv?.environ && method) {
      if (ENVIRON_READS.has(method)) {
        const def = args.filter((a) => !a.keyword)[1]?.value;
        return union(this.envRead(first, n, st), def ? this.expr(def, st) : EMPTY);
      }
      if (method === 'copy') return recv;
      if (method === 'values') return { origins: [recv.environ] };
      if (method === 'items') {
        // Pairs of (name, value): only the value is secret.
        const pair: Val = { origins: [], fields: new Map([['#0', EMPTY], ['#1', { origins: [recv.environ] }]]) };
        return { origins: [recv.environ], element: pair };
      }
      if (method === 'keys' || method === '__contains__' || method === '__len__') return EMPTY;
    }
    if (recv?.fields && method === 'get' && first) {
      const key = literalString(first, this.ctx);
      const def = args.filter((a) => !a.keyword)[1]?.value;
      if (key !== undefined) return union(recv.fields.get(key) ?? asData({ origins: recv.origins }), def ? this.expr(def, st) : EMPTY);
    }

    const sink = classifySinkCall(n, this.ctx.imports, recv);
    if (sink) {
      for (const a of args) {
        if (a.keyword && NON_DATA_KEYWORDS.has(a.keyword)) continue;
        const v = this.expr(a.value, st);
        if (isTainted(v)) this.emit({ kind: sink.kind, display: sink.display, silenced: sink.silenced, sinkNode: n, argNode: a.value, value: v });
      }
      return EMPTY;
    }

    // `lg.info(x)` where `lg` is a parameter of the helper being summarised: a sink if the caller passes a logger.
    const loggerParam = method && LOGGING_FUNCS.has(method) && receiver?.type === 'identifier' ? recv?.origins.find((o) => o.kind === 'param') : undefined;
    if (loggerParam && recv?.origins.length === 1) {
      for (const a of args) {
        if (a.keyword && NON_DATA_KEYWORDS.has(a.keyword)) continue;
        const v = this.expr(a.value, st);
        if (isTainted(v)) this.emit({ kind: 'log', display: `${receiver!.text}.${method}()`, sinkNode: n, argNode: a.value, value: v, ifLoggerParam: loggerParam.index });
      }
      return EMPTY;
    }

    const helper = this.resolveHelper(n, st);
    if (helper) return this.applyHelper(helper, n, args, st);

    const vals = args.map((a) => this.expr(a.value, st));
    const all = union(...vals);

    if (q && /(^|\.)getLogger$/.test(q)) return { origins: [], kind: 'logger' };
    if (isCardComponent(q)) return { origins: asData(all).origins, kind: 'cardComponent' };
    if (isSanitizingCall(q, method)) return EMPTY;
    if (q && (q === 'dict' || q === 'copy.copy' || q === 'copy.deepcopy' || q.startsWith('collections.')) && vals[0]?.environ) {
      return { origins: [], environ: vals[0].environ };
    }
    if (q && ITERATING_CALLS.has(q) && vals[0]?.environ && !vals[0].origins.length) return EMPTY; // the names only
    if (isPropagatingCall(q) || isExceptionClass(fn)) return asData(all);
    if (fn.type === 'identifier' && this.ctx.index.classes.has(fn.text)) return asData(all); // an object holds its fields
    if (receiver && method && !this.isModule(receiver, st)) {
      if (isMutatingMethod(method) && isTainted(all)) {
        this.taintContainer(receiver, withStep(all, this.hop(n, `added to \`${shorten(receiver.text)}\``)), n, st);
        return EMPTY;
      }
      return union(recv ? asData(recv) : EMPTY, asData(union(...vals.filter((_, i) => methodCarriesArgs(method, args, i)))));
    }
    // Anything else consumes its arguments (a connection, an HTTP call): not a leak, no tainted result.
    return EMPTY;
  }

  /** `setattr(self, "x", v)`: the same as `self.x = v`. */
  private setSelfAttr(attr: string, call: SyntaxNode, v: Val, st: TaintState): Val {
    const stepped = !isTainted(v) ? v : withStep(v, this.hop(call, `stored in the artifact \`self.${attr}\` (step \`${this.ctx.step.name}\`)`));
    st.set(`self.${attr}`, stepped);
    st.killFields(`self.${attr}`);
    const statement = call.parent?.type === 'expression_statement' ? call.parent : call;
    st.storeArtifact({ attr, target: call, statement, value: stepped });
    return EMPTY;
  }

  /** `requests.get(...)`, `psycopg2.connect(...)`: a function of an imported module, not a method of a value. */
  private isModule(receiver: SyntaxNode, st: TaintState): boolean {
    let root: SyntaxNode | null = receiver;
    while (root?.type === 'attribute') root = root.childForFieldName('object');
    return root?.type === 'identifier' && !st.get(root.text) && this.ctx.imports.isImported(root.text);
  }

  private resolveHelper(n: SyntaxNode, st: TaintState): Helper | undefined {
    const fn = n.childForFieldName('function');
    if (!fn) return undefined;
    if (fn.type === 'identifier') {
      const local = st.get(fn.text);
      if (local?.fn) return { fn: local.fn, isMethod: false, closure: true };
      if (local) return undefined;
      const f = this.ctx.index.functions.get(fn.text);
      if (f) return { fn: f, isMethod: false };
      return this.imported(fn);
    }
    if (fn.type === 'attribute' && fn.childForFieldName('object')?.type === 'identifier' && !st.get(fn.childForFieldName('object')!.text)) {
      const ext = this.imported(fn);
      if (ext) return ext;
    }
    if (fn.type === 'attribute' && fn.childForFieldName('object')?.text === 'self') {
      const name = fn.childForFieldName('attribute')?.text;
      const m = name ? this.ctx.index.method(this.ctx.step.flowName, name) : undefined;
      return m ? { fn: m, isMethod: true } : undefined;
    }
    return undefined;
  }

  /** A function of a workspace module (`helpers.show` / `show` imported from it). */
  private imported(callee: SyntaxNode): Helper | undefined {
    const q = this.ctx.imports.qualify(callee);
    if (!q || !q.includes('.') || !this.ctx.externalFunction) return undefined;
    const ext = this.ctx.externalFunction(q);
    return ext ? { fn: ext.fn, isMethod: false, external: ext.ctx } : undefined;
  }

  /** Applies a helper's summary: what its parameters become in its return value and sinks. */
  private applyHelper(helper: Helper, call: SyntaxNode, args: ArgumentNode[], st: TaintState): Val {
    const { fn: fnNode, isMethod } = helper;
    const vals = args.map((a) => this.expr(a.value, st));
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
        const isLogger = byParam[h.ifLoggerParam]?.kind === 'logger' || (!!node && looksLikeLogger(node, this.ctx.imports.qualify(node)));
        if (!isLogger) continue;
      }
      const v = subst(h.value);
      if (!isTainted(v)) continue;
      const value = withStep(v, this.hop(call, `via the call to \`${summary.name}()\``));
      if (summary.uri) {
        // The sink is in another file: report it here, at the argument that carries the secret.
        const param = h.value.origins.find((o) => o.kind === 'param' && nodeByParam[o.index ?? -1]);
        const argNode = param ? nodeByParam[param.index!] : call;
        this.emit({ ...h, ifLoggerParam: undefined, relocated: true, sinkNode: call, argNode, display: `${h.display} in \`${summary.name}()\``, value });
      } else this.emit({ ...h, ifLoggerParam: undefined, value });
    }
    for (const p of summary.artifacts) {
      const v = subst(p.value);
      if (!isTainted(v)) continue;
      st.set(`self.${p.attr}`, union(st.get(`self.${p.attr}`) ?? EMPTY, v));
      st.addArtifact({ ...p, value: v });
    }
    const ret = subst(summary.returns);
    return isTainted(ret) ? withStep(ret, this.hop(call, `returned by \`${summary.name}()\``)) : ret;
  }

  private summary(fnNode: SyntaxNode, closure?: TaintState, external?: StepContext): FunctionSummary | undefined {
    const ctx = external ?? this.ctx;
    const key = `${ctx.uri ?? ''}#${fnNode.id}`;
    const cached = this.ctx.summaries.get(key);
    if (cached === 'running') return undefined; // recursion: treat as unknown
    if (cached && !closure) return cached;
    if (this.depth >= MAX_HELPER_DEPTH) return undefined;
    this.ctx.summaries.set(key, 'running');
    const name = fnNode.childForFieldName('name')?.text ?? '?';
    const params = parameterNames(fnNode);
    const st = closure ? new TaintState(new Map(closure.vars)) : new TaintState();
    const hits: SinkHit[] = [];
    const inner = new TaintInterpreter(ctx, (h) => hits.push(h), this.depth + 1);
    params.forEach((p, index) => {
      if (index === 0 && p.name === 'self') return;
      st.set(p.name, {
        origins: [{ kind: 'param', index, label: p.name, path: [inner.hop(p.node, `enters \`${name}()\` as \`${p.name}\``)] }],
      });
    });
    const end = inner.run(fnNode, st);
    const artifacts = [...end.pending.values()].flat().filter((p) => isTainted(p.value));
    const s: FunctionSummary = { name, uri: ctx.uri, params: params.map((p) => p.name), returns: inner.returns, hits, artifacts: ctx.uri ? [] : artifacts };
    if (closure) this.ctx.summaries.delete(key);
    else this.ctx.summaries.set(key, s);
    return s;
  }
}

// ---- helpers ----

interface Helper {
  fn: SyntaxNode;
  /** Called as `self.m(...)`: the first parameter is `self`. */
  isMethod: boolean;
  /** Defined inside the step: it sees the step's variables. */
  closure?: boolean;
  /** In another workspace file: summarised in that file's context. */
  external?: StepContext;
}

export interface ArgumentNode {
  value: SyntaxNode;
  keyword?: string;
  splat?: boolean;
}

export function argumentNodes(call: SyntaxNode): ArgumentNode[] {
  const args = call.childForFieldName('arguments');
  if (!args) return [];
  if (args.type === 'generator_expression') return [{ value: args }];
  const out: ArgumentNode[] = [];
  for (const a of args.namedChildren) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const v = a.childForFieldName('value');
      if (v) out.push({ value: v, keyword: a.childForFieldName('name')?.text });
    } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
      const v = a.namedChildren[0];
      if (v) out.push({ value: a.type === 'dictionary_splat' ? a : v, splat: true });
    } else out.push({ value: a });
  }
  return out;
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


/** Iterating a mapping yields its keys (the names, not the values); anything else its elements. */
function elementOf(v: Val): Val {
  if (v.kind === 'joinInputs') return v;
  if (v.element) return v.element;
  return v.environ && v.origins.length === 0 ? EMPTY : asData(v);
}

function joinAll(states: TaintState[]): TaintState {
  const out = states[0].copy();
  for (let i = 1; i < states.length; i++) out.joinWith(states[i]);
  return out;
}

/** `x`, `x.y`, `self.a.b`: the name a value is tracked under; undefined for anything computed. */
export function keyOf(n: SyntaxNode): string | undefined {
  if (n.type === 'identifier') return n.text;
  if (n.type === 'attribute') {
    const obj = n.childForFieldName('object');
    const attr = n.childForFieldName('attribute')?.text;
    const base = obj ? keyOf(obj) : undefined;
    return base && attr ? `${base}.${attr}` : undefined;
  }
  return undefined;
}

/** `self.x` → `x` (an artifact of the flow). */
export function selfAttr(n: SyntaxNode): string | undefined {
  if (n.type !== 'attribute') return undefined;
  if (n.childForFieldName('object')?.text !== 'self') return undefined;
  return n.childForFieldName('attribute')?.text;
}

/** The artifact an expression like `self.cfg['k']` or `self.cfg.items` lives in. */
function rootSelfAttr(n: SyntaxNode): { attr: string; node: SyntaxNode } | undefined {
  let cur: SyntaxNode | null = n;
  while (cur) {
    const a = selfAttr(cur);
    if (a) return { attr: a, node: cur };
    if (cur.type === 'attribute') cur = cur.childForFieldName('object');
    else if (cur.type === 'subscript') cur = cur.childForFieldName('value');
    else return undefined;
  }
  return undefined;
}

function isPattern(n: SyntaxNode): boolean {
  return ['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list'].includes(n.type);
}

function isSequenceLiteral(n: SyntaxNode): boolean {
  return n.type === 'expression_list' || n.type === 'tuple' || n.type === 'list';
}

/** The string a key expression certainly is: a literal, or a module-level constant. */
function literalString(n: SyntaxNode | null | undefined, ctx: StepContext): string | undefined {
  if (!n) return undefined;
  if (n.type === 'string') {
    if (n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
    return n.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c!.text).join('');
  }
  if (n.type === 'identifier') {
    const v = ctx.index.constant(n.text);
    if (v !== undefined) return v;
  }
  return undefined;
}

function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
