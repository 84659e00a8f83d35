import { SyntaxNode } from '../parser';
import { isCardComponent } from './importedNames';
import { isMutatingMethod, isPropagatingCall, isSanitizingCall, methodCarriesArgs } from './sanitizers';
import { classifySinkCall, LOGGING_FUNCS } from './sinks';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { argumentNodes, literalString, shorten } from './taintSyntax';
import { asData, EMPTY, isTainted, union, Val, withStep } from './taintTypes';

const NON_DATA_KEYWORDS = new Set(['file', 'sep', 'end', 'flush', 'stacklevel', 'exc_info', 'stack_info', 'category', 'id', 'level']);
const ENVIRON_READS = new Set(['get', 'pop', 'setdefault', '__getitem__']);
/** Builtins that iterate a mapping: over os.environ they see the names, not the values. */
const ITERATING_CALLS = new Set(['sorted', 'list', 'tuple', 'set', 'frozenset', 'iter', 'enumerate', 'reversed', 'min', 'max', 'len']);
const EXCEPTION_NAME = /(Error|Exception|Warning|Exit|Interrupt)$/;

/** An exception constructor keeps its arguments as the message. */
function isExceptionClass(fn: SyntaxNode): boolean {
  const name = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn.type === 'identifier' ? fn.text : undefined;
  return !!name && EXCEPTION_NAME.test(name);
}

/**
 * What a call does with secrets, in order of precedence: it reads one (os.getenv, get_secret,
 * os.environ methods), writes its arguments to a sink (print, a logger, a card), is a helper
 * whose summary says (functionSummaries.ts), hides them (hashes, len), passes them on
 * (str, encodings, exception constructors, methods of a tainted value), or consumes them.
 */
export class CallPolicy {
  constructor(private readonly ip: TaintInterpreter) {}

  call(n: SyntaxNode, st: TaintState): Val {
    const ip = this.ip;
    const ctx = ip.ctx;
    const fn = n.childForFieldName('function');
    if (!fn) return EMPTY;
    const q = ctx.imports.qualify(fn);
    const args = argumentNodes(n);
    const first = args.find((a) => !a.keyword && !a.splat)?.value;

    if (q === 'os.getenv' || q === 'os.environ.get' || q === 'os.environ.pop' || q === 'os.environ.setdefault') {
      const def = args.filter((a) => !a.keyword)[1]?.value;
      return union(ip.expressions.envRead(first, n, st), def ? ip.expr(def, st) : EMPTY);
    }
    if (q === 'metaflow.get_secret') {
      for (const a of args) ip.expr(a.value, st);
      const label = `get_secret(${first ? shorten(first.text) : ''})`;
      return { origins: [{ kind: 'get_secret', label, path: [ip.hop(n, `${label} returns the secret's values`)] }] };
    }

    if (fn.type === 'identifier' && fn.text === 'setattr' && args.length >= 3 && args[0].value.text === 'self') {
      const attr = literalString(args[1].value, ctx.index);
      if (attr) return this.setSelfAttr(attr, n, ip.expr(args[2].value, st), st);
    }

    const method = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
    const receiver = fn.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    const recv = receiver && receiver.text !== 'self' ? ip.expr(receiver, st) : undefined;

    if (recv?.environ && method) {
      if (ENVIRON_READS.has(method)) {
        const def = args.filter((a) => !a.keyword)[1]?.value;
        return union(ip.expressions.envRead(first, n, st), def ? ip.expr(def, st) : EMPTY);
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
      const key = literalString(first, ctx.index);
      const def = args.filter((a) => !a.keyword)[1]?.value;
      if (key !== undefined) return union(recv.fields.get(key) ?? asData({ origins: recv.origins }), def ? ip.expr(def, st) : EMPTY);
    }

    const sink = classifySinkCall(n, ctx.imports, recv);
    if (sink) {
      for (const a of args) {
        if (a.keyword && NON_DATA_KEYWORDS.has(a.keyword)) continue;
        const v = ip.expr(a.value, st);
        if (isTainted(v)) ip.emit({ kind: sink.kind, display: sink.display, silenced: sink.silenced, sinkNode: n, argNode: a.value, value: v });
      }
      return EMPTY;
    }

    // `lg.info(x)` where `lg` is a parameter of the helper being summarised: a sink if the caller passes a logger.
    const loggerParam = method && LOGGING_FUNCS.has(method) && receiver?.type === 'identifier' ? recv?.origins.find((o) => o.kind === 'param') : undefined;
    if (loggerParam && recv?.origins.length === 1) {
      for (const a of args) {
        if (a.keyword && NON_DATA_KEYWORDS.has(a.keyword)) continue;
        const v = ip.expr(a.value, st);
        if (isTainted(v)) ip.emit({ kind: 'log', display: `${receiver!.text}.${method}()`, sinkNode: n, argNode: a.value, value: v, ifLoggerParam: loggerParam.index });
      }
      return EMPTY;
    }

    const helper = ip.helpers.resolve(n, st);
    if (helper) return ip.helpers.apply(helper, n, args, st);

    const vals = args.map((a) => ip.expr(a.value, st));
    const all = union(...vals);

    if (q && /(^|\.)getLogger$/.test(q)) return { origins: [], kind: 'logger' };
    if (isCardComponent(q)) return { origins: asData(all).origins, kind: 'cardComponent' };
    if (isSanitizingCall(q, method)) return EMPTY;
    if (q && (q === 'dict' || q === 'copy.copy' || q === 'copy.deepcopy' || q.startsWith('collections.')) && vals[0]?.environ) {
      return { origins: [], environ: vals[0].environ };
    }
    if (q && ITERATING_CALLS.has(q) && vals[0]?.environ && !vals[0].origins.length) return EMPTY; // the names only
    if (isPropagatingCall(q) || isExceptionClass(fn)) return asData(all);
    if (fn.type === 'identifier' && ctx.index.classes.has(fn.text)) return asData(all); // an object holds its fields
    if (receiver && method && !this.isModule(receiver, st)) {
      if (isMutatingMethod(method) && isTainted(all)) {
        ip.statements.taintContainer(receiver, withStep(all, ip.hop(n, `added to \`${shorten(receiver.text)}\``)), n, st);
        return EMPTY;
      }
      return union(recv ? asData(recv) : EMPTY, asData(union(...vals.filter((_, i) => methodCarriesArgs(method, args, i)))));
    }
    // Anything else consumes its arguments (a connection, an HTTP call): not a leak, no tainted result.
    return EMPTY;
  }

  /** `setattr(self, "x", v)`: the same as `self.x = v`. */
  private setSelfAttr(attr: string, call: SyntaxNode, v: Val, st: TaintState): Val {
    const ip = this.ip;
    const stepped = !isTainted(v) ? v : withStep(v, ip.hop(call, `stored in the artifact \`self.${attr}\` (step \`${ip.ctx.step.name}\`)`));
    st.set(`self.${attr}`, stepped);
    st.killFields(`self.${attr}`);
    const statement = call.parent?.type === 'expression_statement' ? call.parent : call;
    st.storeArtifact({ attr, target: call, statement, value: stepped });
    return EMPTY;
  }

  /** `requests.get(...)`, `psycopg2.connect(...)`: a function of an imported module, not a method of a value. */
  isModule(receiver: SyntaxNode, st: TaintState): boolean {
    let root: SyntaxNode | null = receiver;
    while (root?.type === 'attribute') root = root.childForFieldName('object');
    return root?.type === 'identifier' && !st.get(root.text) && this.ip.ctx.imports.isImported(root.text);
  }
}
