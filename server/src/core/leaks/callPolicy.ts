import { SyntaxNode } from '../parser';
import { CallSite } from './callSite';
import { addRaise, CAUGHT, conversionCarrier, isRequestsCall, PRINTS_HANDLED, RETURNS_HANDLED } from './exceptionFlow';
import { fileCall, fileMethod, isFileCall, printToFile } from './fileCalls';
import { isCardComponent } from './importedNames';
import { isLibraryModel, libraryObject, revealsPassword } from './libraryModels';
import { isMutatingMethod, isPropagatingCall, isSanitizingCall, methodCarriesArgs } from './sanitizers';
import { classifySinkCall, LOGGING_FUNCS, SinkCall } from './sinks';
import { isCommandRunner, subprocessCall } from './subprocessCalls';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { argumentNodes, literalString, plainString, shorten } from './taintSyntax';
import { asData, EMPTY, isTainted, textOf, union, Val, withStep } from './taintTypes';

const NON_DATA_KEYWORDS = new Set(['file', 'sep', 'end', 'flush', 'stacklevel', 'exc_info', 'stack_info', 'category', 'id', 'level']);
const ENVIRON_READS = new Set(['get', 'pop', 'setdefault', '__getitem__']);
/** Builtins that iterate a mapping: over os.environ they see the names, not the values. */
const ITERATING_CALLS = new Set(['sorted', 'list', 'tuple', 'set', 'frozenset', 'iter', 'enumerate', 'reversed', 'min', 'max', 'len']);
const EXCEPTION_NAME = /(Error|Exception|Warning|Exit|Interrupt)$/;
/** Calls that render their argument as text (an object shows its __repr__, not its state). */
const TEXT_CALLS = new Set(['str', 'repr', 'ascii', 'format']);
/** Methods of an object that return its state (pydantic, attrs, namedtuples, dict-likes, processes). */
const STATE_METHODS = new Set([
  'dict',
  'json',
  'model_dump',
  'model_dump_json',
  'to_dict',
  'to_json',
  'asdict',
  '_asdict',
  'items',
  'values',
  'copy',
  'communicate',
]);

/** An exception constructor keeps its arguments as the message. */
function isExceptionClass(fn: SyntaxNode): boolean {
  const name = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn.type === 'identifier' ? fn.text : undefined;
  return !!name && EXCEPTION_NAME.test(name);
}

/**
 * What a call does with secrets, in order of precedence: it reads one (os.getenv, get_secret,
 * os.environ methods), runs a command with it (subprocessCalls.ts), moves it through a file
 * (fileCalls.ts), writes its arguments to a sink (print, a logger, a card, the handled
 * exception), is a helper or a class of the file whose summary says (functionSummaries.ts), is a
 * library object that masks it (libraryModels.ts), hides it (hashes, len), passes it on (str,
 * encodings, exception constructors, methods of a tainted value), or consumes it.
 */
export class CallPolicy {
  constructor(private readonly ip: TaintInterpreter) {}

  call(n: SyntaxNode, st: TaintState): Val {
    const ip = this.ip;
    const fn = n.childForFieldName('function');
    if (!fn) return EMPTY;
    const args = argumentNodes(n);
    const site: CallSite = { node: n, fn, q: ip.ctx.imports.qualify(fn), args, first: args.find((a) => !a.keyword && !a.splat)?.value };
    const sourced = this.source(site, st);
    if (sourced) return sourced;
    if (fn.type === 'attribute') {
      site.method = fn.childForFieldName('attribute')?.text;
      site.receiver = fn.childForFieldName('object') ?? undefined;
      if (site.receiver?.text === 'self' && site.method === 'next' && !ip.selfClass) return this.next(site, st);
      site.recv = site.receiver && site.receiver.text !== 'self' ? ip.expr(site.receiver, st) : undefined;
    }
    return this.environMethod(site, st) ?? this.library(site, st) ?? this.sink(site, st) ?? this.helper(site, st) ?? this.generic(site, st);
  }

  /** os.getenv / os.environ.get / get_secret / setattr(self, ...): a secret read, or an artifact stored. */
  private source(site: CallSite, st: TaintState): Val | undefined {
    const ip = this.ip;
    const { q, args, first, node, fn } = site;
    if (q === 'os.getenv' || q === 'os.environ.get' || q === 'os.environ.pop' || q === 'os.environ.setdefault') {
      const def = args.filter((a) => !a.keyword)[1]?.value;
      return union(ip.expressions.envRead(first, node, st), def ? ip.expr(def, st) : EMPTY);
    }
    if (q === 'metaflow.get_secret') {
      for (const a of args) ip.expr(a.value, st);
      const label = `get_secret(${first ? shorten(first.text) : ''})`;
      return { origins: [{ kind: 'get_secret', label, path: [ip.hop(node, `${label} returns the secret's values`)] }] };
    }
    if (fn.type === 'identifier' && fn.text === 'setattr' && args.length >= 3 && args[0].value.text === 'self' && !ip.selfClass) {
      const attr = literalString(args[1].value, ip.ctx.index);
      if (attr) return this.setSelfAttr(attr, node, ip.expr(args[2].value, st), st);
    }
    return undefined;
  }

  /**
   * `self.next(self.a, foreach="items")`: Metaflow stores each value it splits into, in the
   * `_foreach_values` artifact and in every foreach task's metadata (foreach-stack).
   */
  private next(site: CallSite, st: TaintState): Val {
    const ip = this.ip;
    for (const a of site.args) {
      ip.expr(a.value, st);
      const attr = a.keyword === 'foreach' ? plainString(a.value) : undefined;
      if (!attr) continue;
      const v = st.get(`self.${attr}`) ?? ip.ctx.artifactIn(attr, a.value) ?? EMPTY;
      if (isTainted(v)) ip.emit({ kind: 'artifact', display: 'foreach', foreach: true, attr, sinkNode: site.node, argNode: a.value, value: asData(v) });
    }
    return EMPTY;
  }

  /** A method of os.environ (or of a copy of it), or `.get` of a dict with per-key values. */
  private environMethod(site: CallSite, st: TaintState): Val | undefined {
    const ip = this.ip;
    const { recv, method, args, first, node } = site;
    if (!method) return undefined;
    if (recv?.environ) {
      if (ENVIRON_READS.has(method)) {
        const def = args.filter((a) => !a.keyword)[1]?.value;
        return union(ip.expressions.envRead(first, node, st), def ? ip.expr(def, st) : EMPTY);
      }
      if (method === 'copy') return recv;
      if (method === 'values') return { origins: [recv.environ] };
      if (method === 'items') {
        // Pairs of (name, value): only the value is secret.
        const pair: Val = {
          origins: [],
          fields: new Map([
            ['#0', EMPTY],
            ['#1', { origins: [recv.environ] }],
          ]),
        };
        return { origins: [recv.environ], element: pair };
      }
      if (method === 'keys' || method === '__contains__' || method === '__len__') return EMPTY;
    }
    if (recv?.fields && recv.kind !== 'object' && method === 'get' && first) {
      const key = literalString(first, ip.ctx.index);
      const def = args.filter((a) => !a.keyword)[1]?.value;
      if (key !== undefined) return union(recv.fields.get(key) ?? asData({ origins: recv.origins }), def ? ip.expr(def, st) : EMPTY);
    }
    return undefined;
  }

  /** Subprocesses, files and the library models. */
  private library(site: CallSite, st: TaintState): Val | undefined {
    const ip = this.ip;
    if (isCommandRunner(site.q)) return subprocessCall(ip, site, st);
    if (isFileCall(site.q) && !(site.fn.type === 'identifier' && site.q === 'open' && st.get('open'))) return fileCall(ip, site, st);
    if (site.recv?.kind === 'file' && site.method) return fileMethod(ip, site, st);
    if (isLibraryModel(site.q)) return libraryObject(ip, site, st);
    if (site.q && RETURNS_HANDLED.has(site.q)) return st.get(CAUGHT) ?? EMPTY;
    if (site.q && PRINTS_HANDLED.has(site.q)) {
      for (const a of site.args) ip.expr(a.value, st);
      this.handledException(site, 'it prints', st);
      return EMPTY;
    }
    return undefined;
  }

  /** The exception being handled, printed by this call (traceback.print_exc, logger.exception, exc_info=True). */
  private handledException(site: CallSite, what: string, st: TaintState): void {
    const caught = st.get(CAUGHT);
    if (!caught || !isTainted(caught)) return;
    this.ip.emit({
      kind: 'log',
      display: `${shorten(site.fn.text)}() (in the text of the exception ${what})`,
      sinkNode: site.node,
      argNode: site.node,
      value: caught,
    });
  }

  /** print, logging, sys.stdout/stderr, pprint, cards: every data argument carrying a secret is reported. */
  private sink(site: CallSite, st: TaintState): Val | undefined {
    const ip = this.ip;
    const { node, args, method, receiver, recv } = site;
    const sink = classifySinkCall(node, ip.ctx.imports, recv);
    if (sink && !(receiver?.type === 'identifier' && ip.ctx.index.redactedLoggers.has(receiver.text))) {
      const fileArg = sink.display === 'print()' ? args.find((a) => a.keyword === 'file') : undefined;
      const target = fileArg ? ip.expr(fileArg.value, st) : undefined;
      if (target?.kind === 'file') {
        printToFile(st, target, union(...args.filter((a) => !a.keyword).map((a) => ip.expr(a.value, st))));
        return EMPTY;
      }
      this.emitArguments(site, sink, st);
      return EMPTY;
    }
    if (sink) {
      for (const a of args) ip.expr(a.value, st); // a logger whose filter redacts what it logs
      return EMPTY;
    }
    // `lg.info(x)` where `lg` is a parameter of the helper being summarised: a sink if the caller passes a logger.
    const loggerParam = method && LOGGING_FUNCS.has(method) && receiver?.type === 'identifier' ? recv?.origins.find((o) => o.kind === 'param') : undefined;
    if (loggerParam && recv?.origins.length === 1) {
      for (const a of args) {
        if (a.keyword && NON_DATA_KEYWORDS.has(a.keyword)) continue;
        const v = asData(textOf(ip.expr(a.value, st)));
        if (isTainted(v))
          ip.emit({ kind: 'log', display: `${receiver!.text}.${method}()`, sinkNode: node, argNode: a.value, value: v, ifLoggerParam: loggerParam.index });
      }
      return EMPTY;
    }
    return undefined;
  }

  private emitArguments(site: CallSite, sink: SinkCall, st: TaintState): void {
    const ip = this.ip;
    for (const a of site.args) {
      if (a.keyword && NON_DATA_KEYWORDS.has(a.keyword)) continue;
      const raw = ip.expr(a.value, st);
      const v = sink.kind === 'card' ? raw : textOf(raw);
      if (isTainted(v)) ip.emit({ kind: sink.kind, display: sink.display, silenced: sink.silenced, sinkNode: site.node, argNode: a.value, value: v });
    }
    if (sink.kind !== 'log') return;
    const excInfo = site.args.find((a) => a.keyword === 'exc_info');
    if (site.method === 'exception' || (excInfo && !/^(False|None|0)$/.test(excInfo.value.text))) this.handledException(site, 'it logs', st);
  }

  /** A function, method or class of this file (or of a workspace module). */
  private helper(site: CallSite, st: TaintState): Val | undefined {
    const ip = this.ip;
    const helper = ip.helpers.resolve(site.node, st, site.recv);
    if (helper) return ip.helpers.apply(helper, site.node, site.args, st);
    if (site.fn.type === 'identifier' && !st.get(site.fn.text) && ip.ctx.index.classes.has(site.fn.text) && site.fn.text !== ip.ctx.step.flowName) {
      return ip.helpers.construct(site.fn.text, site.node, site.args, st);
    }
    return undefined;
  }

  private generic(site: CallSite, st: TaintState): Val {
    const ip = this.ip;
    const { q, fn, args, method, receiver, recv, node } = site;
    const vals = args.map((a) => ip.expr(a.value, st));
    const all = union(...vals);

    const carrier = conversionCarrier(q);
    if (carrier && vals[0]) addRaise(st, carrier, asData(textOf(vals[0])));
    if (isRequestsCall(q)) {
      // Its errors name the URL with its query string (params= included), never the headers.
      const named = vals.filter((_, i) => args[i].keyword === 'url' || args[i].keyword === 'params' || (!args[i].keyword && args[i].value === site.first));
      addRaise(st, 'RequestException', asData(union(...named)));
    }
    if (q && /(^|\.)getLogger$/.test(q)) return { origins: [], kind: 'logger' };
    if (isCardComponent(q)) return { origins: asData(all).origins, kind: 'cardComponent' };
    if (isSanitizingCall(q, method)) return EMPTY;
    if (q && (q === 'dict' || q === 'copy.copy' || q === 'copy.deepcopy' || q.startsWith('collections.')) && vals[0]?.environ) {
      return { origins: [], environ: vals[0].environ };
    }
    if (q && ITERATING_CALLS.has(q) && vals[0]?.environ && !vals[0].origins.length) return EMPTY; // the names only
    if (q && TEXT_CALLS.has(q)) return asData(union(...vals.map(textOf)));
    if (isPropagatingCall(q) || isExceptionClass(fn)) return asData(union(...vals.map((v) => (isExceptionClass(fn) ? textOf(v) : v))));
    if (recv?.kind === 'object' && method) {
      // Field sensitivity: a method of an object holding a secret does not return it, unless it
      // returns the object's state (a class of this file is summarised instead, see helper()).
      if (revealsPassword(site)) return recv.fields?.get('password') ?? EMPTY;
      return STATE_METHODS.has(method) ? asData(recv) : EMPTY;
    }
    if (receiver && method && !this.isModule(receiver, st)) {
      if (isMutatingMethod(method) && isTainted(all)) {
        ip.statements.taintContainer(receiver, withStep(all, ip.hop(node, `added to \`${shorten(receiver.text)}\``)), node, st);
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
