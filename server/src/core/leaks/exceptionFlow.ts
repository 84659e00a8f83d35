import { SyntaxNode } from '../parser';
import { ModuleIndex } from './moduleIndex';
import { TaintState } from './taintState';
import { EMPTY, isTainted, union, Val } from './taintTypes';

// Exceptions whose text carries a value, checked with Python 3.11: int(s), float(s) and
// datetime.strptime(s, ...) raise ValueError naming s; d[k] raises KeyError(k);
// ipaddress.ip_address(s) names s; subprocess's CalledProcessError prints the command; requests'
// errors name the URL, query parameters included (never the headers). json.loads(s) does not:
// JSONDecodeError gives a position only. Nor does os.environ["X"]'s KeyError (the name, not a value).
// What a try body may raise is kept in the state under `!raise:<class>`, the exception an
// `except` handler handles under `!caught`.

const RAISED = '!raise:';
/** State key: the exception the enclosing `except` handler is handling. */
export const CAUGHT = '!caught';

/** Ancestors of the classes carriers raise: an `except` naming one of these catches it too. */
const ANCESTORS: Record<string, readonly string[]> = {
  KeyError: ['LookupError'],
  IndexError: ['LookupError'],
  UnicodeDecodeError: ['UnicodeError', 'ValueError'],
  JSONDecodeError: ['ValueError'],
  CalledProcessError: ['SubprocessError'],
  RequestException: ['OSError', 'IOError'],
  FileNotFoundError: ['OSError', 'IOError'],
};
/** Subclasses a handler may name that catch part of what a carrier raises (requests' errors). */
const SUBCLASSES: Record<string, readonly string[]> = {
  RequestException: [
    'ConnectionError',
    'HTTPError',
    'Timeout',
    'ConnectTimeout',
    'ReadTimeout',
    'SSLError',
    'ProxyError',
    'TooManyRedirects',
    'InvalidURL',
    'RetryError',
  ],
};
/** Handler types that catch everything carriers raise. */
const CATCH_ALL = new Set(['*', 'Exception', 'BaseException']);

/** Whether `except <types>` catches an exception of class `cls` (classes of this file included). */
export function catches(types: readonly string[], cls: string, index: ModuleIndex): boolean {
  const up = ancestors(cls, index, new Set());
  return types.some((t) => CATCH_ALL.has(t) || t === cls || up.includes(t) || !!SUBCLASSES[cls]?.includes(t));
}

function ancestors(cls: string, index: ModuleIndex, seen: Set<string>): string[] {
  if (seen.has(cls)) return [];
  seen.add(cls);
  const out = [...(ANCESTORS[cls] ?? [])];
  for (const b of index.baseNames(cls)) out.push(b, ...ancestors(b, index, seen));
  return out;
}

/** The class names an except clause names (last parts: `requests.RequestException` → RequestException); `*` for a bare except. */
export function handlerTypes(clause: SyntaxNode): string[] {
  const asPattern = clause.namedChildren.find((c) => c?.type === 'as_pattern');
  const typeNode = asPattern ? asPattern.namedChildren[0] : clause.namedChildren.find((c) => c && c.type !== 'block' && c.type !== 'comment');
  if (!typeNode) return ['*'];
  const out: string[] = [];
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'identifier') out.push(n.text);
    else if (n.type === 'attribute') out.push(n.childForFieldName('attribute')?.text ?? '');
    else for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(typeNode);
  return out.length ? out : ['*'];
}

/** The class `raise X(...)` / `raise X` raises (last part of its name); Exception when unknown. */
export function raisedClass(e: SyntaxNode): string {
  const callee = e.type === 'call' ? e.childForFieldName('function') : e;
  if (callee?.type === 'identifier') return callee.text;
  if (callee?.type === 'attribute') return callee.childForFieldName('attribute')?.text ?? 'Exception';
  return 'Exception';
}

/** Code run so far may raise `cls` with text carrying `v`. */
export function addRaise(st: TaintState, cls: string, v: Val): void {
  if (isTainted(v)) st.add(RAISED + cls, v);
}

/** Removes and returns what the state says may be raised, by class. */
export function takeRaises(st: TaintState): Map<string, Val> {
  const out = new Map<string, Val>();
  for (const [k, v] of st.vars) if (k.startsWith(RAISED)) out.set(k.slice(RAISED.length), v);
  for (const k of out.keys()) st.vars.delete(RAISED + k);
  return out;
}

export function addRaises(st: TaintState, raises: ReadonlyMap<string, Val>): void {
  for (const [cls, v] of raises) addRaise(st, cls, v);
}

/** What a handler naming `types` catches of `raised` (and removes it from `uncaught`). */
export function caughtBy(types: readonly string[], raised: ReadonlyMap<string, Val>, uncaught: Map<string, Val>, index: ModuleIndex): Val {
  let v = EMPTY;
  for (const [cls, val] of raised) {
    if (!catches(types, cls, index)) continue;
    v = union(v, val);
    uncaught.delete(cls);
  }
  return v;
}

const STRPTIME = /(^|\.)strptime$/;
const IPADDRESS = /^ipaddress\.(ip_address|ip_network|ip_interface|IPv4Address|IPv6Address|IPv4Network|IPv6Network)$/;
const REQUESTS = /^requests\.(get|post|put|patch|delete|head|options|request)$/;

/**
 * The class a call raises with its first argument's text when that argument is malformed
 * (a conversion), or undefined. requests' functions are separate (requestsCarrier): their URL
 * and params are what the error names.
 */
export function conversionCarrier(q: string | undefined): string | undefined {
  if (!q) return undefined;
  if (q === 'int' || q === 'float' || STRPTIME.test(q) || IPADDRESS.test(q)) return 'ValueError';
  return undefined;
}

/** requests.get(url, params=...) and friends: their errors name the URL with its query. */
export function isRequestsCall(q: string | undefined): boolean {
  return !!q && REQUESTS.test(q);
}

/** `traceback.print_exc()` and friends: they print the exception being handled. */
export const PRINTS_HANDLED = new Set(['traceback.print_exc', 'traceback.print_exception', 'traceback.print_last']);
/** Calls that return the handled exception's text or the exception itself. */
export const RETURNS_HANDLED = new Set(['traceback.format_exc', 'sys.exc_info', 'sys.exception']);
