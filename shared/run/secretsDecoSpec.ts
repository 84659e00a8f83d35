/**
 * `--with secrets:sources=[...]` text for a run's extra sources, checked against the way
 * Metaflow reads it (decorators.py extract_args_kwargs_from_decorator_spec): the text after
 * `secrets:` is split on commas followed by `name=`, each value is tried as JSON after
 * `\"` → `"`, then int, then float, else kept as a string. Attached decorators are also
 * re-serialised for every task (make_decorator_spec: json.dumps with `"` → `\"`), so the
 * spec must survive that round trip too.
 */
import { PlainValue, RunPlanError } from './payload';

export type ExtraSource = string | { [k: string]: PlainValue };

export function secretsDecoSpec(sources: readonly ExtraSource[], role?: string): string {
  if (sources.length === 0) throw new RunPlanError('No extra secrets sources were given');
  const attrs: { [k: string]: PlainValue } = { sources: sources as PlainValue[] };
  let text = `sources=${JSON.stringify(sources)}`;
  if (role !== undefined) {
    attrs.role = role;
    text += `,role=${role}`;
  }
  const first = parseDecoSpecAttributes(text);
  if (!deepEqual(first, attrs)) {
    throw new RunPlanError(`Metaflow would not read these secrets sources back as written: ${describeMismatch(text)}`);
  }
  // What each task receives: Metaflow re-serialises attached decorators per task.
  const reserialised = Object.entries(first)
    .map(([k, v]) => (typeof v === 'string' || typeof v === 'number' ? `${k}=${String(v)}` : `${k}=${pyJsonDumps(v).replace(/"/g, '\\"')}`))
    .join(',');
  if (!deepEqual(parseDecoSpecAttributes(reserialised), attrs)) {
    throw new RunPlanError(`Metaflow would change these secrets sources when passing them to each task: ${describeMismatch(text)}`);
  }
  return `secrets:${text}`;
}

function describeMismatch(text: string): string {
  return `${text} (a value contains a comma followed by 'name=', an escaped quote, or a role that reads as a number or JSON)`;
}

/** Metaflow's parser, for checking only. Returns undefined for a part without '='. */
export function parseDecoSpecAttributes(spec: string): { [k: string]: unknown } {
  const attrs: { [k: string]: unknown } = {};
  if (spec.length === 0) return attrs;
  // Python's \w is Unicode-aware: letters, digits and _ of any script.
  for (const part of spec.split(/,(?=[\s\p{L}\p{N}_]+=)/u)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new RunPlanError(`'${part}' has no '=' (Metaflow fails on it)`);
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1);
    attrs[name] = parseValue(raw);
  }
  return attrs;
}

function parseValue(raw: string): unknown {
  const s = raw.trim();
  try {
    return JSON.parse(s.replace(/\\"/g, '"'));
  } catch {
    // Python's int() and float() accept a little more (underscores, inf, nan); close enough
    // to flag values that would stop being strings.
    if (/^[+-]?\d+(_\d+)*$/.test(s)) return Number(s.replace(/_/g, ''));
    if (/^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf(inity)?|nan)$/i.test(s)) return Number(s);
    return s;
  }
}

/** Python's json.dumps defaults (ensure_ascii, ', ' and ': ' separators). */
export function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    let out = '"';
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      const ch = v[i];
      if (ch === '"') out += '\\"';
      else if (ch === '\\') out += '\\\\';
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
      else out += ch;
    }
    return out + '"';
  }
  if (Array.isArray(v)) return '[' + v.map(pyJsonDumps).join(', ') + ']';
  const o = v as { [k: string]: unknown };
  return (
    '{' +
    Object.keys(o)
      .map((k) => `${pyJsonDumps(k)}: ${pyJsonDumps(o[k])}`)
      .join(', ') +
    '}'
  );
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual((a as never)[k], (b as never)[k]));
  }
  return false;
}
