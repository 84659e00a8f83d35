import { Range } from './positions';
import { nodeRange, SyntaxNode } from './parser';
import { pyReprString } from './pythonRepr';

/**
 * A Python expression evaluated as far as a literal allows. Anything that only exists at run
 * time (calls, f-strings with fields, attributes, config expressions, lambdas) is `dynamic`:
 * the analysis never guesses from it.
 */
export type PyValue =
  | (ValueBase & { kind: 'str'; value: string })
  | (ValueBase & { kind: 'int' | 'float'; text: string })
  | (ValueBase & { kind: 'bool'; value: boolean })
  | (ValueBase & { kind: 'none' })
  | (ValueBase & { kind: 'bytes' })
  | (ValueBase & { kind: 'ellipsis' })
  | (ValueBase & { kind: 'list' | 'tuple' | 'set'; items: PyValue[] })
  | (ValueBase & { kind: 'dict'; entries: DictEntry[] })
  | (ValueBase & { kind: 'dynamic'; reason: string });

export interface ValueBase {
  /** Where to report about this value: the literal itself, or the name that refers to it. */
  range: Range;
  /** True when reached through a name: `range` is then the name's, and edits must not target it. */
  indirect?: boolean;
  /** The literal's own location when reached through a name (file absent: same document). */
  origin?: { file?: string; range: Range };
  /** The source text of a direct literal (absent when indirect), for quick fixes that rewrite it. */
  text?: string;
}

export interface DictEntry {
  key: PyValue;
  value: PyValue;
  range: Range;
}

export type StrValue = Extract<PyValue, { kind: 'str' }>;
export type DictValue = Extract<PyValue, { kind: 'dict' }>;

/** Resolves a bare name used in an expression to the literal it is bound to, if any. */
export type NameLookup = (name: string, at: SyntaxNode) => PyValue | undefined;

/** Python's `type(v)` as Metaflow prints it in its messages. */
export function pyTypeRepr(v: PyValue): string {
  const names: Record<string, string> = {
    str: 'str',
    int: 'int',
    float: 'float',
    bool: 'bool',
    none: 'NoneType',
    bytes: 'bytes',
    ellipsis: 'ellipsis',
    list: 'list',
    tuple: 'tuple',
    set: 'set',
    dict: 'dict',
  };
  return `<class '${names[v.kind] ?? 'object'}'>`;
}

/** Python's repr() of a str, used where Metaflow's messages print a value with %r or str(list). */
export const pyStrRepr = pyReprString;

/** A str literal for a quick fix, in the quotes of the literal it replaces (the user's style). */
export function pyStrLike(value: string, replacedText: string | undefined): string {
  const repr = pyStrRepr(value);
  const dq = /^[rRuU]?"/.test(replacedText ?? '');
  if (dq && repr.startsWith("'") && !value.includes('"')) return `"${repr.slice(1, -1).replace(/\\'/g, "'")}"`;
  return repr;
}

/** Python's str() of a literal list/tuple/dict/scalar, as Metaflow's messages print it. */
export function pyRepr(v: PyValue): string {
  switch (v.kind) {
    case 'str':
      return pyStrRepr(v.value);
    case 'int':
    case 'float':
      return v.text;
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'ellipsis':
      return 'Ellipsis';
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'tuple':
      return v.items.length === 1 ? `(${pyRepr(v.items[0])},)` : `(${v.items.map(pyRepr).join(', ')})`;
    case 'set':
      return `{${v.items.map(pyRepr).join(', ')}}`;
    case 'dict':
      return `{${v.entries.map((e) => `${pyRepr(e.key)}: ${pyRepr(e.value)}`).join(', ')}}`;
    default:
      return '...';
  }
}

function dynamic(n: SyntaxNode, reason: string): PyValue {
  return { kind: 'dynamic', reason, range: nodeRange(n) };
}

/** Evaluates a tree-sitter expression node. */
export function evaluate(n: SyntaxNode, lookup: NameLookup, depth = 0): PyValue {
  const v = evaluateNode(n, lookup, depth);
  if (!v.indirect) v.text = n.text;
  return v;
}

function evaluateNode(n: SyntaxNode, lookup: NameLookup, depth: number): PyValue {
  const r = nodeRange(n);
  if (depth > 50) return dynamic(n, 'an expression nested too deeply');
  switch (n.type) {
    case 'string':
      return evaluateString(n);
    case 'concatenated_string': {
      let value = '';
      for (const part of n.namedChildren) {
        if (!part) continue;
        const v = evaluateString(part);
        if (v.kind !== 'str') return v;
        value += v.value;
      }
      return { kind: 'str', value, range: r };
    }
    case 'integer':
      return { kind: 'int', text: n.text, range: r };
    case 'float':
      return { kind: 'float', text: n.text, range: r };
    case 'true':
      return { kind: 'bool', value: true, range: r };
    case 'false':
      return { kind: 'bool', value: false, range: r };
    case 'none':
      return { kind: 'none', range: r };
    case 'ellipsis':
      // `...` left from an example is a value Python accepts and Metaflow fails on: keep it.
      return { kind: 'ellipsis', range: r };
    case 'unary_operator': {
      const arg = n.childForFieldName('argument');
      const v = arg ? evaluate(arg, lookup, depth + 1) : undefined;
      if (v && (v.kind === 'int' || v.kind === 'float')) return { kind: v.kind, text: n.text, range: r };
      return dynamic(n, 'an operator expression');
    }
    case 'parenthesized_expression': {
      const inner = n.namedChildren.find((c) => c && c.type !== 'comment');
      return inner ? { ...evaluate(inner, lookup, depth + 1), range: r } : dynamic(n, 'an empty expression');
    }
    case 'list':
    case 'tuple':
    case 'set': {
      const items: PyValue[] = [];
      for (const c of n.namedChildren) {
        if (!c || c.type === 'comment') continue;
        if (c.type === 'list_splat') return dynamic(n, 'an unpacked sequence');
        items.push(evaluate(c, lookup, depth + 1));
      }
      return { kind: n.type, items, range: r };
    }
    case 'dictionary': {
      const entries: DictEntry[] = [];
      for (const c of n.namedChildren) {
        if (!c || c.type === 'comment') continue;
        if (c.type !== 'pair') return dynamic(n, 'an unpacked dict');
        const k = c.childForFieldName('key');
        const v = c.childForFieldName('value');
        if (!k || !v) return dynamic(n, 'an incomplete dict');
        entries.push({ key: evaluate(k, lookup, depth + 1), value: evaluate(v, lookup, depth + 1), range: nodeRange(c) });
      }
      return { kind: 'dict', entries, range: r };
    }
    case 'binary_operator': {
      const op = n.childForFieldName('operator')?.text;
      const a = n.childForFieldName('left');
      const b = n.childForFieldName('right');
      if (op === '+' && a && b) {
        const x = evaluate(a, lookup, depth + 1);
        const y = evaluate(b, lookup, depth + 1);
        if (x.kind === 'str' && y.kind === 'str') return { kind: 'str', value: x.value + y.value, range: r };
        if ((x.kind === 'list' || x.kind === 'tuple') && x.kind === y.kind) {
          return { kind: x.kind, items: [...x.items, ...y.items], range: r };
        }
        if (x.kind === 'dynamic') return { ...x, range: r };
        if (y.kind === 'dynamic') return { ...y, range: r };
      }
      return dynamic(n, 'an operator expression');
    }
    case 'identifier': {
      const v = lookup(n.text, n);
      if (!v) return dynamic(n, `the name '${n.text}', which is not bound once to a literal`);
      return reanchor(v, r);
    }
    case 'call': {
      const fn = n.childForFieldName('function')?.text ?? '';
      if (/(^|\.)config_expr$/.test(fn)) return dynamic(n, 'a config expression');
      return dynamic(n, `a call to ${fn || 'a function'}`);
    }
    case 'lambda':
      return dynamic(n, 'a callable evaluated at run time');
    case 'attribute':
      return dynamic(n, `the attribute ${n.text}`);
    default:
      return dynamic(n, `a ${n.type.replace(/_/g, ' ')}`);
  }
}

/** A value reached through a name: report at the name, remember where the literal lives. */
function reanchor(v: PyValue, at: Range): PyValue {
  const origin = v.origin ?? { range: v.range };
  const base = { range: at, indirect: true, origin, text: undefined };
  switch (v.kind) {
    case 'list':
    case 'tuple':
    case 'set':
      return { ...v, ...base, items: v.items.map((i) => reanchor(i, at)) };
    case 'dict':
      return {
        ...v,
        ...base,
        entries: v.entries.map((e) => ({ key: reanchor(e.key, at), value: reanchor(e.value, at), range: at })),
      };
    default:
      return { ...v, ...base } as PyValue;
  }
}

/** Marks every part of a value as coming from another file. */
export function fromFile(v: PyValue, file: string): PyValue {
  const origin = { file, range: v.origin?.range ?? v.range };
  switch (v.kind) {
    case 'list':
    case 'tuple':
    case 'set':
      return { ...v, origin, items: v.items.map((i) => fromFile(i, file)) };
    case 'dict':
      return { ...v, origin, entries: v.entries.map((e) => ({ ...e, key: fromFile(e.key, file), value: fromFile(e.value, file) })) };
    default:
      return { ...v, origin } as PyValue;
  }
}

function evaluateString(n: SyntaxNode): PyValue {
  const r = nodeRange(n);
  if (n.type === 'concatenated_string') return evaluate(n, () => undefined);
  const start = n.children.find((c) => c?.type === 'string_start')?.text ?? '"';
  const prefix = start.replace(/["']+$/, '').toLowerCase();
  if (prefix.includes('b')) return { kind: 'bytes', range: r };
  const raw = prefix.includes('r');
  let value = '';
  for (const c of n.children) {
    if (!c) continue;
    if (c.type === 'interpolation') return { kind: 'dynamic', reason: 'an f-string', range: r };
    if (c.type === 'string_content') value += raw ? c.text : unescapeContent(c.text);
    else if (c.type === 'escape_sequence') value += raw ? c.text : unescape(c.text);
    else if (c.type === 'escape_interpolation') value += c.text.slice(0, 1);
  }
  if (!n.children.some((c) => c?.type === 'string_end')) {
    return { kind: 'dynamic', reason: 'an unterminated string', range: r };
  }
  return { kind: 'str', value, range: r };
}

// tree-sitter-python puts most escapes in escape_sequence nodes; a line continuation can stay in content.
function unescapeContent(s: string): string {
  return s.replace(/\\\r?\n/g, '');
}

function unescape(seq: string): string {
  const simple: Record<string, string> = {
    '\\n': '\n',
    '\\t': '\t',
    '\\r': '\r',
    '\\\\': '\\',
    "\\'": "'",
    '\\"': '"',
    '\\a': '\x07',
    '\\b': '\b',
    '\\f': '\f',
    '\\v': '\v',
    '\\0': '\0',
  };
  if (seq in simple) return simple[seq];
  if (/^\\x[0-9a-fA-F]{2}$/.test(seq) || /^\\u[0-9a-fA-F]{4}$/.test(seq) || /^\\U[0-9a-fA-F]{8}$/.test(seq)) {
    return String.fromCodePoint(parseInt(seq.slice(2), 16));
  }
  if (/^\\[0-7]{1,3}$/.test(seq)) return String.fromCodePoint(parseInt(seq.slice(1), 8));
  if (/^\\\r?\n$/.test(seq)) return '';
  return seq;
}
