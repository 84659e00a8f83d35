/**
 * The environment payload that carries editor-resolved secret values to the Metaflow
 * extension in python/site (metaflow_extensions/metaflow_secrets_editor). Format and
 * route are documented in python/README.md; both sides must agree on PAYLOAD_VERSION.
 */

export const PAYLOAD_ENV = 'METAFLOW_EDITOR_SECRETS_PAYLOAD';
/** Set by the launched process itself; the plan clears any inherited value. */
export const OWNER_ENV = 'METAFLOW_EDITOR_SECRETS_OWNER_PID';
export const PAYLOAD_VERSION = 1;
/** Linux refuses a single environment string over 128 KiB (MAX_ARG_STRLEN); stay well below. */
export const MAX_PAYLOAD_BYTES = 100_000;

/** A JSON value as a source's options hold it (run planning depends on nothing of the analysis). */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [k: string]: PlainValue };

/**
 * One source as Metaflow's SecretSpec holds it when the provider is called, plus the
 * variables the editor resolved for it. The identity is (type, id, options, role); role is
 * already resolved (source role → decorator role → METAFLOW_DEFAULT_SECRETS_ROLE), null when none.
 */
export interface ResolvedSource {
  type: string;
  id: string;
  options: { [k: string]: PlainValue };
  role: string | null;
  /** Exactly what the provider would return: variable name → value. */
  env: Record<string, string>;
}

export class RunPlanError extends Error {}

/**
 * Canonical identity of a source, the same on both sides of the payload: JSON of
 * [type, id, options with keys sorted at every level, role]. The Python side matches
 * structurally instead (see python/README.md); this key is for de-duplication in TypeScript.
 */
export function runSpecKey(s: Pick<ResolvedSource, 'type' | 'id' | 'options' | 'role'>): string {
  return JSON.stringify([s.type, s.id, sortDeep(s.options), s.role]);
}

function sortDeep(v: PlainValue): PlainValue {
  if (Array.isArray(v)) return v.map((x) => sortDeep(x as PlainValue));
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: PlainValue } = {};
    for (const k of Object.keys(v).sort()) out[k] = sortDeep(v[k] as PlainValue);
    return out;
  }
  return v;
}

export interface PayloadOptions {
  /** Let the task fetch a source the editor did not resolve with Metaflow's own provider (announced on stderr). */
  allowNetworkFallback?: boolean;
}

/** The payload text. It holds secret values: put it only into the launched process's environment. */
export function buildPayload(sources: readonly ResolvedSource[], opts: PayloadOptions = {}): string {
  const seen = new Set<string>();
  const list: ResolvedSource[] = [];
  for (const s of sources) {
    const key = runSpecKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    for (const [name, value] of Object.entries(s.env)) {
      // Metaflow validates names itself; values must be strings or Metaflow rejects them.
      if (typeof value !== 'string') throw new RunPlanError(`${s.id} (${s.type}): the value of ${name} is not a string`);
    }
    list.push({ type: s.type, id: s.id, options: s.options, role: s.role, env: { ...s.env } });
  }
  const text = JSON.stringify({ v: PAYLOAD_VERSION, fallback: opts.allowNetworkFallback === true, sources: list });
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new RunPlanError(`The resolved secrets are too large to pass to the run (${Buffer.byteLength(text, 'utf8')} bytes, limit ${MAX_PAYLOAD_BYTES})`);
  }
  return text;
}

/** Every variable name the payload injects somewhere in the run. */
export function injectedNames(sources: readonly ResolvedSource[]): Set<string> {
  const names = new Set<string>();
  for (const s of sources) for (const n of Object.keys(s.env)) names.add(n);
  return names;
}
