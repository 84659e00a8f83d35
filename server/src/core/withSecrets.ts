import { Finding, finding } from './findings';
import { PyValue } from './literals';
import { MetaflowConfig } from './metaflowConfig';
import { Range } from './positions';
import { AnalysisOptions, knownTypesOf, SECRETS_ATTRIBUTES } from './secretsAnalysis';
import { buildSpecs, extensionTypeMessage, typeStanding, unknownTypeMessage } from './sourceSpec';
import { resolveId } from './backendIds';

/** One attribute of `--with secrets:...` as Metaflow's `extract_args_kwargs_from_decorator_spec` reads it. */
export interface WithAttribute {
  name: string;
  raw: string;
  /** How Metaflow parsed the value: JSON, then int, then float, else the raw string. */
  parsedAs: 'json' | 'int' | 'float' | 'string';
  value: unknown;
  /** Offset of the value inside the spec text. */
  offset: number;
}

/** Splits the text after `secrets:` on commas that precede `name=`, exactly as Metaflow does. */
export function parseDecoratorSpec(spec: string): WithAttribute[] {
  const out: WithAttribute[] = [];
  if (spec.length === 0) return out;
  const parts: { text: string; offset: number }[] = [];
  const splitter = /,(?=[\s\w]+=)/g;
  let last = 0;
  for (let m = splitter.exec(spec); m; m = splitter.exec(spec)) {
    parts.push({ text: spec.slice(last, m.index), offset: last });
    last = m.index + 1;
  }
  parts.push({ text: spec.slice(last), offset: last });
  for (const p of parts) {
    const eq = p.text.indexOf('=');
    if (eq < 0) continue; // Metaflow raises on this; reported by the caller
    const name = p.text.slice(0, eq).trim();
    const raw = p.text.slice(eq + 1);
    const stripped = raw.trim();
    let parsedAs: WithAttribute['parsedAs'] = 'string';
    let value: unknown = stripped;
    try {
      value = JSON.parse(stripped.replace(/\\"/g, '"'));
      parsedAs = 'json';
    } catch {
      if (/^[-+]?\d+$/.test(stripped.replace(/_/g, ''))) {
        value = parseInt(stripped.replace(/_/g, ''), 10);
        parsedAs = 'int';
      } else if (stripped !== '' && !Number.isNaN(Number(stripped)) && /^[-+]?(\d|\.\d|inf|nan)/i.test(stripped)) {
        value = Number(stripped);
        parsedAs = 'float';
      }
    }
    out.push({ name, raw, parsedAs, value, offset: p.offset + eq + 1 });
  }
  return out;
}

const CURLY = /[\u2018\u2019\u201c\u201d]/;

/** JSON from the command line as a literal value for the spec builder (ranges all point at the attribute). */
export function jsonToPy(v: unknown, range: Range): PyValue {
  if (typeof v === 'string') return { kind: 'str', value: v, range };
  if (typeof v === 'number') return { kind: Number.isInteger(v) ? 'int' : 'float', text: String(v), range };
  if (typeof v === 'boolean') return { kind: 'bool', value: v, range };
  if (v === null) return { kind: 'none', range };
  if (Array.isArray(v)) return { kind: 'list', items: v.map((x) => jsonToPy(x, range)), range };
  return {
    kind: 'dict',
    entries: Object.entries(v as object).map(([k, x]) => ({ key: { kind: 'str', value: k, range } as PyValue, value: jsonToPy(x, range), range })),
    range,
  };
}

/**
 * Checks one `--with` argument (`secrets:sources=[...],role=...`) as Metaflow will read it.
 * `rangeOf(offset, length)` maps a place in the argument to a document range.
 */
/** The backend types a check knows: declared extras and, once probed, exactly what the user's Metaflow registers. */
export type KnownTypes = Pick<AnalysisOptions, 'extraTypes' | 'registeredTypes' | 'registeredBy'>;

export function checkWithSecrets(arg: string, rangeOf: (offset: number, length: number) => Range, config: MetaflowConfig, types: KnownTypes = {}): Finding[] {
  const findings: Finding[] = [];
  const colon = arg.indexOf(':');
  const name = colon < 0 ? arg : arg.slice(0, colon);
  if (name.trim() !== 'secrets') return findings;
  const base = colon + 1;
  const spec = colon < 0 ? '' : arg.slice(base);
  if (CURLY.test(spec)) {
    const at = spec.search(CURLY);
    findings.push(
      finding(
        'MFS020',
        rangeOf(base + at, 1),
        'Curly quotes are not JSON quotes: Metaflow cannot parse this value as JSON and keeps it as a plain string, which @secrets then iterates per character. Use straight double quotes (").',
      ),
    );
  }
  for (const a of parseDecoratorSpec(spec)) {
    const r = rangeOf(base + a.offset, a.raw.length);
    if (!SECRETS_ATTRIBUTES.includes(a.name)) {
      findings.push(
        finding(
          'MFS008',
          r,
          `Decorator 'secrets' does not support the attribute '${a.name}'. These attributes are supported: ${SECRETS_ATTRIBUTES.join(', ')}.`,
        ),
      );
      continue;
    }
    if (a.name === 'allow_override') {
      if (a.value === false || a.value === 0 || (typeof a.value === 'string' && /^(false|0|)$/i.test(a.value))) {
        findings.push(
          finding(
            'MFS021',
            r,
            `allow_override=${a.raw.trim()} is truthy here: Metaflow passes attached decorators to each task as text, and "False" comes back as a non-empty string, so the clash check with the environment is skipped. Leave allow_override out instead.`,
          ),
        );
      }
      continue;
    }
    if (a.name === 'sources') {
      if (a.parsedAs !== 'json') {
        const why = /'/.test(a.raw) ? 'single quotes are not JSON' : CURLY.test(a.raw) ? 'curly quotes are not JSON' : 'it is not valid JSON';
        findings.push(
          finding(
            'MFS020',
            r,
            `sources=${a.raw.trim()} is not parsed as a list (${why}): Metaflow keeps it as the string ${JSON.stringify(String(a.value))} and iterates it character by character. Write sources=["..."] with double quotes, and quote the whole argument for the shell.`,
          ),
        );
        continue;
      }
      if (!Array.isArray(a.value)) {
        findings.push(finding('MFS001', r, `sources must be a JSON list; Metaflow iterates whatever it gets (a string per character, an object per key).`));
        continue;
      }
      const role = parseDecoratorSpec(spec).find((x) => x.name === 'role');
      const items = (a.value as unknown[]).map((x) => jsonToPy(x, r));
      const { specs, errors } = buildSpecs(items, typeof role?.value === 'string' ? role.value : undefined, config);
      for (const e of errors) findings.push(finding(e.code, r, e.message));
      const known = knownTypesOf(types);
      for (const s of specs) {
        if (s.type === undefined) continue;
        const standing = typeStanding(s.type, known, types.registeredTypes !== undefined);
        if (standing === 'assumed') {
          findings.push(finding('MFS024', r, extensionTypeMessage(s.type)));
          continue;
        }
        if (standing === 'unknown') {
          const whose = types.registeredBy ? ` ${types.registeredBy[0].toUpperCase()}${types.registeredBy.slice(1)} does not register '${s.type}'.` : '';
          findings.push(finding('MFS004', r, `${unknownTypeMessage(s.type, known)}. A string source is split on its first dot.${whose}`));
          continue;
        }
        const id = resolveId(s, config);
        if (!id.ok) findings.push(finding(id.code, r, id.message));
      }
    }
  }
  return findings;
}

/** A dash that is not ASCII (`–with`, `—with`), as copied from some published docs. */
export function badDashFlag(arg: string): boolean {
  return /^[\u2012\u2013\u2014\u2015\u2212]{1,2}with\b/.test(arg);
}
