import { SyntaxNode } from '../parser';

// Calls whose result says something ABOUT a secret without containing it.
const SANITIZING_CALLS = new Set([
  'len',
  'bool',
  'hash',
  'id',
  'type',
  'isinstance',
  'issubclass',
  'callable',
  'hasattr',
  'hmac.compare_digest',
  'secrets.compare_digest',
  'zlib.crc32',
  'zlib.adler32',
  'binascii.crc32',
]);
const SANITIZING_MODULES = ['hashlib.', 'hmac.', 'bcrypt.', 'passlib.', 'argon2.', 'nacl.hash.'];

/** Methods whose result is a bool or a count, whatever the receiver holds. */
const BOOLEAN_METHODS = new Set([
  'startswith',
  'endswith',
  'isdigit',
  'isalpha',
  'isalnum',
  'isnumeric',
  'isdecimal',
  'isspace',
  'islower',
  'isupper',
  'istitle',
  'isidentifier',
  'isascii',
  'isprintable',
  'count',
  'find',
  'rfind',
  'index',
  'rindex',
  '__len__',
  '__eq__',
  '__ne__',
  '__contains__',
  'keys',
]);

export function isSanitizingCall(q: string | undefined, method: string | undefined): boolean {
  if (method && BOOLEAN_METHODS.has(method)) return true;
  if (!q) return false;
  if (SANITIZING_CALLS.has(q)) return true;
  return SANITIZING_MODULES.some((m) => q.startsWith(m));
}

// External functions whose result contains their arguments (encodings and conversions are not masking).
const PROPAGATING_CALLS = new Set([
  'str',
  'repr',
  'ascii',
  'format',
  'bytes',
  'bytearray',
  'int',
  'float',
  'complex',
  'list',
  'tuple',
  'set',
  'frozenset',
  'dict',
  'sorted',
  'reversed',
  'iter',
  'next',
  'min',
  'max',
  'enumerate',
  'zip',
  'memoryview',
  'vars',
  'getattr',
  'json.dumps',
  'json.loads',
  'yaml.dump',
  'yaml.safe_dump',
  'pickle.dumps',
  'copy.copy',
  'copy.deepcopy',
  'pprint.pformat',
  'shlex.quote',
  'shlex.join',
  'os.path.join',
  'os.fsencode',
  'os.fsdecode',
  'urllib.parse.quote',
  'urllib.parse.quote_plus',
  'urllib.parse.urlencode',
  'urllib.parse.unquote',
  'codecs.encode',
  'codecs.decode',
  'string.Template',
  'collections.OrderedDict',
  'collections.ChainMap',
  'types.SimpleNamespace',
  'dataclasses.asdict',
  'functools.partial',
]);
const PROPAGATING_MODULES = ['base64.', 'binascii.', 'textwrap.', 'html.escape', 'urllib.parse.'];

export function isPropagatingCall(q: string | undefined): boolean {
  // `base64.b64encode(x).decode()` is a method of the result (`base64.b64encode().decode`), not a
  // base64 function: the receiver carries the value, not decode()'s arguments.
  if (!q || q.includes('(')) return false;
  if (PROPAGATING_CALLS.has(q)) return true;
  return PROPAGATING_MODULES.some((m) => q.startsWith(m));
}

/** Methods whose result also carries their arguments (`sep.join(parts)`, `"{}".format(x)`, `d.get(k, x)`). */
const ARG_CARRYING_METHODS = new Set([
  'format',
  'format_map',
  'join',
  'replace',
  'union',
  'substitute',
  'safe_substitute',
  '__add__',
  '__mod__',
  '__format__',
  'center',
  'ljust',
  'rjust',
]);
/** Mapping lookups return their second positional argument (the default), not the key. */
const DEFAULT_CARRYING_METHODS = new Set(['get', 'pop', 'setdefault']);

export function methodCarriesArgs(method: string, args: readonly { keyword?: string; splat?: boolean }[], i: number): boolean {
  if (ARG_CARRYING_METHODS.has(method)) return true;
  if (!DEFAULT_CARRYING_METHODS.has(method)) return false;
  return !args[i].keyword && !args[i].splat && args.slice(0, i).filter((a) => !a.keyword).length === 1;
}

/** Methods that put their arguments into the receiver (a list, set or dict then holds the secret). */
const MUTATING_METHODS = new Set(['append', 'extend', 'insert', 'add', 'update', 'setdefault', 'appendleft', 'extendleft', 'write', 'writelines', 'put']);

export function isMutatingMethod(method: string): boolean {
  return MUTATING_METHODS.has(method);
}

/** The longest prefix or suffix a slice may keep and still count as masking (`tok[:4]`). */
const MASK_KEEP = 4;

/**
 * `x[:4]`, `x[0:4]`, `x[-4:]`: a short prefix or suffix that does not reveal the secret.
 * `constant` gives the integer a name holds (`x[:keep]` with `keep=4`).
 */
export function isMaskingSlice(subscript: SyntaxNode, constant?: (n: SyntaxNode) => number | undefined): boolean {
  if (subscript.type !== 'slice') return false;
  let beforeColon = true;
  let colons = 0;
  let start: SyntaxNode | undefined;
  let stop: SyntaxNode | undefined;
  for (const c of subscript.children) {
    if (!c) continue;
    if (c.type === ':') {
      colons++;
      beforeColon = false;
      continue;
    }
    if (!c.isNamed || c.type === 'comment') continue;
    if (colons === 0 && beforeColon) start = c;
    else if (colons === 1) stop = c;
    else return false; // a step: x[::2] keeps half the secret
  }
  const intOf = (n: SyntaxNode | undefined): number | undefined => {
    if (!n) return undefined;
    if (n.type === 'integer') return Number(n.text);
    if (n.type === 'identifier' && constant) return constant(n) ?? NaN;
    if (n.type === 'unary_operator' && n.text.startsWith('-')) {
      const v = n.childForFieldName('argument');
      if (v?.type === 'integer') return -Number(v.text);
    }
    return NaN;
  };
  const s = intOf(start);
  const e = intOf(stop);
  if (Number.isNaN(s) || Number.isNaN(e)) return false;
  if ((s === undefined || s === 0) && e !== undefined && e >= 0 && e <= MASK_KEEP) return true;
  if (s !== undefined && s < 0 && s >= -MASK_KEEP && e === undefined) return true;
  return false;
}
