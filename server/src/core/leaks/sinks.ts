import { SyntaxNode } from '../parser';
import { ImportedNames } from './importedNames';
import { Val } from './taintTypes';

/** Where a secret ends up: each kind has its own rule and message (`cmdline`: a subprocess's command line). */
export type SinkKind = 'log' | 'exception' | 'artifact' | 'card' | 'cmdline';

export interface SinkCall {
  kind: SinkKind;
  /** How the message names the sink: `print()`, `logger.info()`, `current.card.append()`. */
  display: string;
  /**
   * warnings.warn: Metaflow's CLI calls warnings.filterwarnings("ignore") (metaflow/cli.py,
   * main) in the launcher and in every task, so the text is dropped in Metaflow runs; it is
   * shown only where the code runs outside Metaflow's CLI (a test, a notebook importing it).
   */
  silenced?: boolean;
}

export const LOGGING_FUNCS: ReadonlySet<string> = new Set(['debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'fatal', 'log']);
const WRITE_CALLS = new Set([
  'sys.stdout.write',
  'sys.stderr.write',
  'sys.stdout.writelines',
  'sys.stderr.writelines',
  'sys.__stdout__.write',
  'sys.__stderr__.write',
  'sys.stdout.buffer.write',
  'sys.stderr.buffer.write',
]);
const PRINT_CALLS = new Set([
  'pprint.pprint',
  'pprint.pp',
  'warnings.warn',
  'sys.exit',
  'click.echo',
  'click.secho',
  'rich.print',
  'rich.pretty.pprint',
  'rich.inspect',
  'tqdm.tqdm.write',
  'builtins.print',
]);
/** Variables conventionally holding a logger. */
const LOGGER_NAME = /^_*(log|logger|LOG|LOGGER|Logger|[A-Za-z0-9]+_(log|logger)|[A-Z0-9]+_(LOG|LOGGER))$/;
const CARD_CALL = /^metaflow\.current\.card(\[\])?\.(append|extend|refresh)$/;
const CARD_COMPONENT_UPDATE = /^metaflow\.current\.card(\[\])?\.components\[\]\.update$/;

export function looksLikeLogger(receiver: SyntaxNode, q: string | undefined): boolean {
  if (q && /(^|\.)getLogger\(\)$/.test(q)) return true;
  if (q === 'logging.root' || q === 'logging') return false;
  if (receiver.type === 'identifier') return LOGGER_NAME.test(receiver.text);
  if (receiver.type === 'attribute') {
    const attr = receiver.childForFieldName('attribute')?.text ?? '';
    return LOGGER_NAME.test(attr);
  }
  return false;
}

/** Whether a call writes its arguments to a log, the console or a card. */
export function classifySinkCall(call: SyntaxNode, imports: ImportedNames, receiverVal: Val | undefined): SinkCall | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  const q = imports.qualify(fn);
  if (fn.type === 'identifier') {
    if (fn.text === 'print' && !imports.isImported('print')) return { kind: 'log', display: 'print()' };
    // exit(msg) / quit(msg) (the site module's) print msg to stderr, like sys.exit(msg).
    if ((fn.text === 'exit' || fn.text === 'quit') && !imports.isImported(fn.text)) return { kind: 'log', display: `${fn.text}()` };
    if (q && PRINT_CALLS.has(q)) return { kind: 'log', display: `${fn.text}()`, silenced: q === 'warnings.warn' || undefined };
    if (q && q.startsWith('logging.') && LOGGING_FUNCS.has(q.slice(8))) return { kind: 'log', display: `${fn.text}()` };
    return undefined;
  }
  if (fn.type !== 'attribute') return undefined;
  const method = fn.childForFieldName('attribute')?.text ?? '';
  const receiver = fn.childForFieldName('object');
  const display = `${shorten(fn.text)}()`;
  if (q) {
    if (WRITE_CALLS.has(q) || PRINT_CALLS.has(q)) return { kind: 'log', display, silenced: q === 'warnings.warn' || undefined };
    if (q.startsWith('logging.') && q.split('.').length === 2 && LOGGING_FUNCS.has(method)) return { kind: 'log', display };
    if (CARD_CALL.test(q) || CARD_COMPONENT_UPDATE.test(q)) return { kind: 'card', display };
  }
  if (receiver && LOGGING_FUNCS.has(method)) {
    const rq = imports.qualify(receiver);
    if (receiverVal?.kind === 'logger' || looksLikeLogger(receiver, rq)) return { kind: 'log', display };
  }
  if (method === 'update' && receiverVal?.kind === 'cardComponent') return { kind: 'card', display };
  return undefined;
}

function shorten(text: string): string {
  const one = text.replace(/\s+/g, '');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
