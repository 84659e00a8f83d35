import { sanitizeKey } from '../core/backendIds';
import { DYNAMIC, Plain, SourceSpec } from '../core/sourceSpec';
import { PyJsonDecodeError, PyJsonOtherError, pyJsonLoads, pyJsonTypeRepr } from './pythonJson';
import { pyStr } from './pythonStr';

/**
 * Turning a secret's content into the variables Metaflow injects, shared by the providers:
 * the same sanitising, duplicate check and JSON expansion as Metaflow's AWS and GCP providers.
 */

/** A content problem Metaflow raises inside the provider (so the decorator wraps its message). */
export class ContentError extends Error {
  constructor(
    message: string,
    readonly kind: 'bad-content' | 'duplicate-key' | 'other' = 'bad-content',
  ) {
    super(message);
  }
}

/** `_sanitize_and_add_entry_to_result`: sanitise the key, refuse a second key with the same result. */
export function addSanitized(vars: Map<string, string>, key: string, value: string): void {
  const k = sanitizeKey(key);
  if (vars.has(k)) throw new ContentError(`Duplicate key in secret: '${key}' (sanitizes to '${k}')`, 'duplicate-key');
  vars.set(k, value);
}

/**
 * Expands a JSON object into variables (`str(v)` for each value). `awsMessages` selects the AWS
 * provider's wording for unparseable text; GCP lets Python's own JSONDecodeError text through.
 */
export function expandJsonObject(text: string, awsMessages: boolean): Map<string, string> {
  let obj;
  try {
    obj = pyJsonLoads(text);
  } catch (e) {
    if (e instanceof PyJsonDecodeError) {
      throw new ContentError(awsMessages ? 'Secret string could not be parsed as JSON' : e.message);
    }
    if (e instanceof PyJsonOtherError) throw new ContentError(e.message, 'other');
    throw e;
  }
  if (obj.t !== 'dict') {
    throw new ContentError(`Secret string is a JSON, but not an object (dict-like) - actual type ${pyJsonTypeRepr(obj)}.`);
  }
  const vars = new Map<string, string>();
  for (const [k, v] of obj.entries) addSanitized(vars, k, pyStr(v));
  return vars;
}

/** An option's value as Python's `options.get(name, default)` would see it. */
export function option(spec: SourceSpec, name: string): Plain | undefined {
  if (spec.options === DYNAMIC) return undefined;
  return Object.prototype.hasOwnProperty.call(spec.options, name) ? spec.options[name] : undefined;
}

/** Python truthiness of a literal option value. */
export function pyTruthy(v: Plain | undefined): boolean {
  if (v === undefined || v === null || v === DYNAMIC) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Python's type name of a literal option value, for AttributeError-style messages. */
export function plainTypeName(v: Plain): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

/** A variable name option (env_var_name) as Metaflow uses it: it must be a str to be sanitised. */
export function nameOption(v: Plain): string {
  if (typeof v !== 'string') throw new ContentError(`'${plainTypeName(v)}' object has no attribute 'replace'`, 'other');
  return v;
}

/**
 * `bytes.decode("UTF-8")` with Python's UnicodeDecodeError text on failure (GCP payloads are
 * bytes and Metaflow decodes them strictly).
 */
export function decodeUtf8Strict(data: Uint8Array): string {
  let i = 0;
  const n = data.length;
  while (i < n) {
    const b = data[i];
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else throw utf8Error(b, i, i + 1, 'invalid start byte');
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) throw utf8Error(b, i, n, 'unexpected end of data');
      const c = data[i + k];
      const okRange = k === 1 ? c >= lo && c <= hi : c >= 0x80 && c <= 0xbf;
      if (!okRange) throw utf8Error(b, i, i + 1, 'invalid continuation byte');
    }
    i += need + 1;
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

function utf8Error(byte: number, start: number, end: number, reason: string): ContentError {
  const where = end - start > 1 ? `bytes in position ${start}-${end - 1}` : `byte 0x${byte.toString(16).padStart(2, '0')} in position ${start}`;
  return new ContentError(`'utf-8' codec can't decode ${where}: ${reason}`);
}
