import { PyJson } from './pythonJson';
import { pyReprString } from '../core/pythonRepr';

/**
 * Python's `str()` of a parsed JSON value: Metaflow injects `str(v)` for each top-level key,
 * so `true` becomes "True", `null` "None", `1.0` "1.0" and nested values their repr.
 */
export function pyStr(v: PyJson): string {
  return v.t === 'str' ? v.v : pyRepr(v);
}

export function pyRepr(v: PyJson): string {
  switch (v.t) {
    case 'str':
      return pyReprString(v.v);
    case 'int':
      return v.v.toString();
    case 'float':
      return pyFloatRepr(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map(([k, x]) => `${pyReprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
}

/** `repr(float)`: shortest round-trip digits; exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const decpt = Number(expText) + 1; // value = 0.<digits> × 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const e = decpt - 1;
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
    return `${sign}${m}e${es}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

export { pyReprString } from '../core/pythonRepr';
