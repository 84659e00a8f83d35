import { SyntaxNode } from '../parser';
import { addRaise, addRaises, CAUGHT, caughtBy, catches, handlerTypes, raisedClass, takeRaises } from './exceptionFlow';
import { SinkHit } from './stepContext';
import type { TaintInterpreter } from './taintInterpreter';
import { joinAll, TaintState } from './taintState';
import { argumentNodes, isPattern, isSequenceLiteral, keyOf, literalString, parts, rootSelfAttr, selfAttr } from './taintSyntax';
import { asData, elementOf, EMPTY, isTainted, textOf, union, Val, withStep } from './taintTypes';

/**
 * Statements in order: assignments bind (strongly: an overwrite cleans), branches run on copies
 * and merge, loops repeat until nothing changes, `raise`/`assert` are exception sinks.
 */
export class StatementWalker {
  /** The handler types of the try statements whose body is being walked, innermost last. */
  private readonly catching: string[][] = [];

  constructor(private readonly ip: TaintInterpreter) {}

  /** Whether an enclosing try of this function catches `cls`: then a raise is handled there, not printed. */
  catches(cls: string): boolean {
    return this.catching.some((types) => catches(types, cls, this.ip.ctx.index));
  }

  /**
   * An exception leaving this point: caught by an enclosing try (its text then reaches whatever
   * the handler does with it), else printed by Metaflow with the traceback (an exception sink).
   */
  raise(hit: SinkHit, cls: string, st: TaintState): void {
    if (this.catches(cls)) addRaise(st, cls, hit.value);
    else this.ip.emit({ ...hit, exceptionClass: cls });
  }

  block(b: SyntaxNode | null | undefined, st: TaintState): TaintState {
    if (!b) return st;
    for (const s of b.namedChildren) if (s) st = this.stmt(s, st);
    return st;
  }

  private stmt(n: SyntaxNode, st: TaintState): TaintState {
    const ip = this.ip;
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
        ip.expr(n.childForFieldName('subject'), st);
        const outs: TaintState[] = [st.copy()];
        for (const c of n.childForFieldName('body')?.namedChildren ?? []) {
          if (c?.type === 'case_clause') outs.push(this.block(c.childForFieldName('consequence'), st.copy()));
        }
        return joinAll(outs);
      }
      case 'return_statement': {
        const e = n.namedChildren.find((c) => c && c.type !== 'comment');
        ip.returned(e ? ip.expr(e, st) : undefined, st);
        return st;
      }
      case 'raise_statement':
        this.raiseStatement(n, st);
        return st;
      case 'assert_statement': {
        const ps = parts(n);
        if (ps[0]) ip.expr(ps[0], st);
        if (ps[1]) {
          const v = asData(textOf(ip.expr(ps[1], st)));
          if (isTainted(v)) this.raise({ kind: 'exception', display: 'assert', sinkNode: n, argNode: ps[1], value: v }, 'AssertionError', st);
        }
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
      const v = union(left ? this.ip.expr(left, st) : EMPTY, asData(this.ip.expr(e.childForFieldName('right'), st)));
      if (left) this.bind(left, v, stmt, st);
    } else this.ip.expr(e, st);
  }

  private ifStatement(n: SyntaxNode, st: TaintState): TaintState {
    this.ip.expr(n.childForFieldName('condition'), st);
    const outs = [this.block(n.childForFieldName('consequence'), st.copy())];
    let hasElse = false;
    for (const alt of n.childrenForFieldName('alternative')) {
      if (!alt) continue;
      if (alt.type === 'elif_clause') {
        this.ip.expr(alt.childForFieldName('condition'), st);
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
        const it = this.ip.expr(n.childForFieldName('right'), body);
        const left = n.childForFieldName('left');
        if (left) this.bind(left, elementOf(it), n, body);
      } else this.ip.expr(n.childForFieldName('condition'), body);
      const after = this.block(n.childForFieldName('body'), body);
      const merged = cur.copy();
      const changed = merged.joinWith(after);
      cur = merged;
      if (!changed) break;
    }
    const alt = n.childForFieldName('alternative');
    return alt ? this.block(alt.childForFieldName('body'), cur) : cur;
  }

  /**
   * The body runs with what it may raise collected apart; each handler binds its alias to what
   * it catches of that (an exception whose text carries a secret), and `!caught` while it runs
   * (traceback.print_exc, logger.exception, a bare raise print it). What no handler catches goes
   * on to the enclosing try.
   */
  private tryStatement(n: SyntaxNode, st: TaintState): TaintState {
    const ip = this.ip;
    const handlers: { clause: SyntaxNode; types: string[] }[] = [];
    let fin: SyntaxNode | undefined;
    let orElse: SyntaxNode | undefined;
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'except_clause' || c.type === 'except_group_clause') handlers.push({ clause: c, types: handlerTypes(c) });
      else if (c.type === 'else_clause') orElse = c;
      else if (c.type === 'finally_clause') fin = c;
    }
    const outer = takeRaises(st);
    this.catching.push(handlers.flatMap((h) => h.types));
    const afterBody = this.block(n.childForFieldName('body'), st.copy());
    this.catching.pop();
    const entry = st.copy();
    entry.joinWith(afterBody); // an exception may come from anywhere in the body
    const raised = takeRaises(entry);
    takeRaises(afterBody);
    const uncaught = new Map(raised);
    const outerCaught = st.get(CAUGHT);
    const outs: TaintState[] = [];
    for (const { clause, types } of handlers) {
      const h = entry.copy();
      const caught = caughtBy(types, raised, uncaught, ip.ctx.index);
      h.set(CAUGHT, caught);
      const alias = clause.namedChildren.find((x) => x?.type === 'as_pattern')?.childForFieldName('alias')?.namedChildren[0];
      if (alias) this.bind(alias, caught, clause, h);
      const out = this.block(
        clause.namedChildren.find((x) => x?.type === 'block'),
        h,
      );
      if (outerCaught) out.set(CAUGHT, outerCaught);
      else out.vars.delete(CAUGHT);
      outs.push(out);
    }
    outs.push(orElse ? this.block(orElse.childForFieldName('body'), afterBody) : afterBody);
    const joined = joinAll(outs);
    const end = fin
      ? this.block(
          fin.namedChildren.find((x) => x?.type === 'block'),
          joined,
        )
      : joined;
    addRaises(end, outer);
    addRaises(end, uncaught);
    return end;
  }

  private withStatement(n: SyntaxNode, st: TaintState): TaintState {
    const clause = n.namedChildren.find((c) => c?.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      if (item?.type !== 'with_item') continue;
      const v = item?.childForFieldName('value');
      if (!v) continue;
      if (v.type === 'as_pattern') {
        const val = this.ip.expr(v.namedChildren[0], st);
        const target = v.childForFieldName('alias')?.namedChildren[0];
        if (target) this.bind(target, val, n, st);
      } else this.ip.expr(v, st);
    }
    return this.block(n.childForFieldName('body'), st);
  }

  /**
   * `raise X(msg)`: the exception holds its constructor's arguments as its text. Inside a
   * handler the handled exception is printed too (implicit chaining, or `from e`); `from None`
   * drops it. A bare `raise` re-raises the handled exception.
   */
  private raiseStatement(n: SyntaxNode, st: TaintState): void {
    const ip = this.ip;
    const e = n.namedChildren.find((c) => c && c.type !== 'comment');
    const cause = n.childForFieldName('cause');
    const caught = st.get(CAUGHT) ?? EMPTY;
    if (!e || e.id === cause?.id) {
      if (isTainted(caught)) this.raise({ kind: 'exception', display: 'raise', sinkNode: n, argNode: n, value: caught }, 'Exception', st);
      return;
    }
    let v: Val;
    if (e.type === 'call' && !ip.helpers.resolve(e, st)) {
      ip.expr(e.childForFieldName('function'), st);
      v = EMPTY;
      for (const a of argumentNodes(e)) v = union(v, asData(textOf(ip.expr(a.value, st))));
      if (isTainted(v)) ip.ctx.tainted.add(e.id);
    } else v = asData(textOf(ip.expr(e, st)));
    if (cause && cause.type !== 'none') v = union(v, asData(textOf(ip.expr(cause, st))));
    else if (!cause) v = union(v, caught);
    if (isTainted(v)) this.raise({ kind: 'exception', display: 'raise', sinkNode: n, argNode: e, value: v }, raisedClass(e), st);
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
      const ls = parts(left);
      const rs = parts(right);
      if (ls.length === rs.length && !ls.some((l) => l.type === 'list_splat_pattern')) {
        const vals = rs.map((r) => this.ip.expr(r, st)); // evaluate all before binding: `a, b = b, a`
        ls.forEach((l, i) => this.bind(l, vals[i], stmt, st));
        return union(...vals);
      }
    }
    const v = right.type === 'assignment' ? this.assign(right, stmt, st) : this.ip.expr(right, st);
    if (left) this.bind(left, v, stmt, st);
    return v;
  }

  /** Binds a target to a value (`x = v`, `a, b = v`, `self.x = v`, `d[k] = v`). */
  bind(t: SyntaxNode, v: Val, stmt: SyntaxNode, st: TaintState): void {
    const ip = this.ip;
    switch (t.type) {
      case 'identifier': {
        st.set(t.text, isTainted(v) ? withStep(v, ip.hop(t, `flows into \`${t.text}\``)) : v);
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
        const targets = parts(t);
        const exact =
          t.type !== 'parenthesized_expression' &&
          v.fields?.size === targets.length &&
          v.fields.has('#0') &&
          !targets.some((c) => c.type === 'list_splat_pattern');
        targets.forEach((c, i) => this.bind(c, exact ? (v.fields!.get(`#${i}`) ?? EMPTY) : elementOf(v), stmt, st));
        return;
      }
      case 'list_splat_pattern':
      case 'list_splat': {
        const inner = t.namedChildren[0];
        if (inner) this.bind(inner, v, stmt, st);
        return;
      }
      case 'attribute': {
        // In a method of another class of this file, `self.x` is an attribute of that object.
        const attr = ip.selfClass ? undefined : selfAttr(t);
        const key = keyOf(t);
        const stepped = !isTainted(v)
          ? v
          : withStep(v, ip.hop(t, attr ? `stored in the artifact \`self.${attr}\` (step \`${ip.ctx.step.name}\`)` : `flows into \`${t.text}\``));
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
        if (obj && this.setAttribute(obj, t.childForFieldName('attribute')?.text, stepped, st)) return;
        if (obj && isTainted(v)) this.taintContainer(obj, stepped, stmt, st);
        return;
      }
      case 'subscript':
        this.bindSubscript(t, v, stmt, st);
        return;
      default:
        return;
    }
  }

  private bindSubscript(t: SyntaxNode, v: Val, stmt: SyntaxNode, st: TaintState): void {
    const ip = this.ip;
    const obj = t.childForFieldName('value');
    if (!obj) return;
    const q = ip.ctx.imports.qualify(obj);
    if (q === 'os.environ') return; // setting a variable is not a leak
    if (q && /^metaflow\.current\.card$/.test(q) && isTainted(v)) {
      ip.emit({ kind: 'card', display: 'current.card[...] =', sinkNode: stmt, argNode: stmt.namedChildren[0]?.childForFieldName('right') ?? t, value: v });
      return;
    }
    const key = keyOf(obj);
    const cur = key ? st.get(key) : undefined;
    const field = cur?.fields ? literalString(t.childForFieldName('subscript'), ip.ctx.index) : undefined;
    if (key && cur?.fields && field !== undefined) {
      // `cfg["password"] = x` replaces that entry only.
      const fields = new Map(cur.fields);
      fields.set(field, asData(isTainted(v) ? withStep(v, ip.hop(t, `stored in \`${t.text}\``)) : v));
      st.set(key, { ...cur, fields });
      if (isTainted(v) && rootSelfAttr(obj)) this.taintContainer(obj, withStep(v, ip.hop(t, `stored in \`${t.text}\``)), stmt, st);
      return;
    }
    if (isTainted(v)) this.taintContainer(obj, withStep(v, ip.hop(t, `stored in \`${t.text}\``)), stmt, st);
  }

  /**
   * `session.auth = (user, pw)`: a local that is an object (or nothing yet) gets the attribute as
   * a field, so its other attributes and its methods' results stay clean (`session.get(...)`),
   * while `session.auth`, `vars(session)` and storing the object still hold the secret. False
   * when this does not apply (a module's attribute, a value of another kind).
   */
  private setAttribute(obj: SyntaxNode, name: string | undefined, v: Val, st: TaintState): boolean {
    if (obj.type !== 'identifier' || !name) return false;
    if (obj.text === 'self') return !!this.ip.selfClass; // the object's own attribute: its key holds it
    if (this.ip.ctx.imports.isImported(obj.text)) return true; // `openai.api_key = k`: the key alone holds it
    const cur = st.get(obj.text);
    if (cur && cur.kind !== 'object' && (cur.kind || isTainted(cur))) return false;
    const fields = new Map(cur?.fields ?? []);
    fields.set(name, v);
    st.vars.set(obj.text, { ...(cur ?? { origins: [] }), kind: 'object', fields });
    return true;
  }

  /** `obj.f = v`, `obj[k] = v`, `obj.append(v)`: the object now also holds `v`. */
  taintContainer(obj: SyntaxNode, v: Val, stmt: SyntaxNode, st: TaintState): void {
    const key = keyOf(obj);
    if (key) st.add(key, asData(v));
    const root = rootSelfAttr(obj);
    if (root) {
      const val = union(st.get(`self.${root.attr}`) ?? EMPTY, asData(v));
      st.set(`self.${root.attr}`, val);
      st.addArtifact({ attr: root.attr, target: root.node, statement: stmt, value: asData(v) });
    }
  }
}
