/**
 * Python's `json.loads` (CPython 3.11's C scanner), because Metaflow parses secret content with
 * it: big integers stay exact, dict order is kept (JavaScript objects reorder numeric keys),
 * NaN/Infinity are accepted, and errors carry Python's exact messages and positions, which
 * GCP's provider passes through unchanged.
 */
export type PyJson =
  | { t: 'str'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'list'; items: PyJson[] }
  /** Keys in first-insertion order; a repeated key keeps its place and takes the last value. */
  | { t: 'dict'; entries: Array<[string, PyJson]> };

export class PyJsonDecodeError extends Error {
  constructor(
    readonly msg: string,
    readonly pos: number,
    doc: string[],
  ) {
    super(formatDecodeError(msg, pos, doc));
    this.name = 'JSONDecodeError';
  }
}

/** Raised where Python raises something other than JSONDecodeError (e.g. RecursionError). */
export class PyJsonOtherError extends Error {}

function formatDecodeError(msg: string, pos: number, doc: string[]): string {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < pos && i < doc.length; i++) {
    if (doc[i] === '\n') {
      line++;
      lastNl = i;
    }
  }
  return `${msg}: line ${line} column ${pos - lastNl} (char ${pos})`;
}

const MAX_DEPTH = 900;

/** `json.loads(text)`; throws PyJsonDecodeError with Python's message. */
export function pyJsonLoads(text: string): PyJson {
  // Python indexes strings by code point; so do we, for exact error positions.
  const s = Array.from(text);
  if (s[0] === '\ufeff') throw new PyJsonDecodeError('Unexpected UTF-8 BOM (decode using utf-8-sig)', 0, s);
  const p = new Scanner(s);
  const start = p.skipWs(0);
  const [value, end] = p.scanValue(start, 0);
  const after = p.skipWs(end);
  if (after !== s.length) throw new PyJsonDecodeError('Extra data', after, s);
  return value;
}

const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

class Scanner {
  constructor(private readonly s: string[]) {}

  skipWs(i: number): number {
    while (i < this.s.length && isWs(this.s[i])) i++;
    return i;
  }

  private err(msg: string, pos: number): never {
    throw new PyJsonDecodeError(msg, pos, this.s);
  }

  private startsWith(i: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.s[i + k] !== word[k]) return false;
    return true;
  }

  /** scan_once: a value at i, or "Expecting value" at i. */
  scanValue(i: number, depth: number): [PyJson, number] {
    const s = this.s;
    if (i >= s.length) this.err('Expecting value', i);
    const c = s[i];
    if (c === '"') return this.scanString(i + 1);
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) throw new PyJsonOtherError('maximum recursion depth exceeded while decoding a JSON object from a unicode string');
      return c === '{' ? this.scanObject(i + 1, depth + 1) : this.scanArray(i + 1, depth + 1);
    }
    if (c === 'n' && this.startsWith(i, 'null')) return [{ t: 'none' }, i + 4];
    if (c === 't' && this.startsWith(i, 'true')) return [{ t: 'bool', v: true }, i + 4];
    if (c === 'f' && this.startsWith(i, 'false')) return [{ t: 'bool', v: false }, i + 5];
    if (c === 'N' && this.startsWith(i, 'NaN')) return [{ t: 'float', v: NaN }, i + 3];
    if (c === 'I' && this.startsWith(i, 'Infinity')) return [{ t: 'float', v: Infinity }, i + 8];
    if (c === '-' && this.startsWith(i, '-Infinity')) return [{ t: 'float', v: -Infinity }, i + 9];
    return this.scanNumber(i);
  }

  private scanNumber(start: number): [PyJson, number] {
    const s = this.s;
    let i = start;
    if (s[i] === '-') {
      i++;
      if (i >= s.length) this.err('Expecting value', start);
    }
    if (s[i] !== undefined && s[i] >= '1' && s[i] <= '9') {
      i++;
      while (isDigit(s[i])) i++;
    } else if (s[i] === '0') i++;
    else this.err('Expecting value', start);
    let isFloat = false;
    if (s[i] === '.' && isDigit(s[i + 1])) {
      isFloat = true;
      i += 2;
      while (isDigit(s[i])) i++;
    }
    if (s[i] === 'e' || s[i] === 'E') {
      const eStart = i;
      i++;
      if (s[i] === '-' || s[i] === '+') i++;
      while (isDigit(s[i])) i++;
      if (isDigit(s[i - 1])) isFloat = true;
      else i = eStart;
    }
    const text = s.slice(start, i).join('');
    return [isFloat ? { t: 'float', v: Number(text) } : { t: 'int', v: BigInt(text) }, i];
  }

  private scanString(end: number): [PyJson, number] {
    const s = this.s;
    const begin = end - 1;
    let out = '';
    for (;;) {
      let next = end;
      let c: string | undefined;
      for (; next < s.length; next++) {
        c = s[next];
        if (c === '"' || c === '\\') break;
        if (c.codePointAt(0)! <= 0x1f) this.err('Invalid control character at', next);
      }
      if (next >= s.length) this.err('Unterminated string starting at', begin);
      out += s.slice(end, next).join('');
      next++;
      if (c === '"') return [{ t: 'str', v: out }, next];
      if (next === s.length) this.err('Unterminated string starting at', begin);
      const e = s[next];
      if (e !== 'u') {
        end = next + 1;
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (!(e in simple)) this.err('Invalid \\escape', end - 2);
        out += simple[e];
        continue;
      }
      next++;
      end = next + 4;
      if (end >= s.length) this.err('Invalid \\uXXXX escape', next - 1);
      let cp = this.hex4(next, end);
      next = end;
      if (cp >= 0xd800 && cp <= 0xdbff && end + 6 < s.length && s[next] === '\\' && s[next + 1] === 'u') {
        const end2 = end + 6;
        const low = this.hex4(next + 2, end2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          end = end2;
        }
      }
      out += String.fromCodePoint(cp);
    }
  }

  private hex4(from: number, end: number): number {
    let v = 0;
    for (let k = from; k < end; k++) {
      const d = parseInt(this.s[k], 16);
      if (Number.isNaN(d) || !/^[0-9a-fA-F]$/.test(this.s[k])) this.err('Invalid \\uXXXX escape', end - 5);
      v = (v << 4) | d;
    }
    return v;
  }

  private scanObject(i: number, depth: number): [PyJson, number] {
    const s = this.s;
    const entries: Array<[string, PyJson]> = [];
    const index = new Map<string, number>();
    i = this.skipWs(i);
    if (i >= s.length || s[i] !== '}') {
      for (;;) {
        if (i >= s.length || s[i] !== '"') this.err('Expecting property name enclosed in double quotes', i);
        const [key, afterKey] = this.scanString(i + 1);
        i = this.skipWs(afterKey);
        if (i >= s.length || s[i] !== ':') this.err("Expecting ':' delimiter", i);
        i = this.skipWs(i + 1);
        const [val, afterVal] = this.scanValue(i, depth);
        const k = (key as { v: string }).v;
        const at = index.get(k);
        if (at === undefined) {
          index.set(k, entries.length);
          entries.push([k, val]);
        } else entries[at] = [k, val];
        i = this.skipWs(afterVal);
        if (i < s.length && s[i] === '}') break;
        if (i >= s.length || s[i] !== ',') this.err("Expecting ',' delimiter", i);
        i = this.skipWs(i + 1);
      }
    }
    return [{ t: 'dict', entries }, i + 1];
  }

  private scanArray(i: number, depth: number): [PyJson, number] {
    const s = this.s;
    const items: PyJson[] = [];
    i = this.skipWs(i);
    if (i >= s.length || s[i] !== ']') {
      for (;;) {
        const [val, after] = this.scanValue(i, depth);
        items.push(val);
        i = this.skipWs(after);
        if (i < s.length && s[i] === ']') break;
        if (i >= s.length || s[i] !== ',') this.err("Expecting ',' delimiter", i);
        i = this.skipWs(i + 1);
      }
    }
    return [{ t: 'list', items }, i + 1];
  }
}

/** Python's `type(obj)` as printed in messages. */
export function pyJsonTypeRepr(v: PyJson): string {
  const names = { str: 'str', int: 'int', float: 'float', bool: 'bool', none: 'NoneType', list: 'list', dict: 'dict' } as const;
  return `<class '${names[v.t]}'>`;
}
