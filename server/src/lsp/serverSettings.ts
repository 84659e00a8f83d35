import { DEFAULT_SETTINGS, ServerSettings } from '../../../shared/protocol';
import { parseRuleLevels } from '../core/ruleLevels';
import { SessionSettings } from '../session/analysisSession';
import { NonSecretKeys, nonSecretKeys, nonSecretPatternProblem } from '../core/leaks';

/**
 * The one schema for what the client sends: `initializationOptions` and every
 * `workspace/didChangeConfiguration`. Both come from outside the server's trust boundary (a
 * settings.json, another client), so each value is checked for its type and range; a value that
 * is unknown or ill-typed is reported and ignored, and where ignoring it could mean more (a
 * string "true" for `offline`), the more restrictive reading wins. The backend sub-object has its
 * own schema in backends/settings.ts (parseBackendSettings), applied where it is used.
 */
export interface ParsedServerSettings {
  settings: ServerSettings;
  /** One sentence per ignored value (names and types only, never a value). */
  problems: string[];
}

export interface ParsedInitializationOptions extends ParsedServerSettings {
  trusted: boolean;
  wasmDir?: string;
}

const SEVERITIES = ['error', 'warning', 'information', 'hint', 'off'] as const;
/** Keys the client may send that only the client reads (run.*). */
const CLIENT_ONLY = new Set(['run']);
const KNOWN = new Set(['metaflowConfig', 'extraBackendTypes', 'indexMaxFiles', 'offline', 'leaks', 'rules', 'backends', 'nonSecretKeys']);
/** Metaflow configuration names (with or without METAFLOW_); values are plain strings. */
const CONFIG_NAME = /^[A-Z][A-Z0-9_]*$/;
/** What Metaflow extensions name their backend types (e.g. outerbounds's). */
const BACKEND_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const MAX_INDEX_FILES = 1_000_000;

/** Workspace trust is granted only by the boolean true: "false", 1, {} and absence all mean untrusted. */
export function strictTrust(v: unknown): boolean {
  return v === true;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The server's settings from a raw object; absent fields take their defaults. */
export function parseServerSettings(raw: unknown): ParsedServerSettings {
  const problems: string[] = [];
  const S = 'metaflowSecrets';
  const s: ServerSettings = {
    ...DEFAULT_SETTINGS,
    metaflowConfig: {},
    extraBackendTypes: [],
    leaks: { ...DEFAULT_SETTINGS.leaks },
    rules: {},
    backends: {},
    nonSecretKeys: [],
  };
  if (raw === undefined || raw === null) return { settings: s, problems };
  if (!isObject(raw)) {
    problems.push(`${S} settings must be an object, got ${describe(raw)}; the defaults are used.`);
    return { settings: s, problems };
  }
  for (const k of Object.keys(raw)) {
    if (!KNOWN.has(k) && !CLIENT_ONLY.has(k)) problems.push(`${S}.${k} is not a setting the server knows; ignored.`);
  }

  const mc = raw.metaflowConfig;
  if (mc !== undefined && mc !== null) {
    if (!isObject(mc)) problems.push(`${S}.metaflowConfig must be an object, got ${describe(mc)}; ignored.`);
    else {
      for (const [k, v] of Object.entries(mc)) {
        if (!CONFIG_NAME.test(k)) problems.push(`${S}.metaflowConfig: '${k.slice(0, 60)}' is not a Metaflow configuration name; ignored.`);
        else if (typeof v !== 'string') problems.push(`${S}.metaflowConfig.${k} must be a string, got ${describe(v)}; ignored.`);
        else s.metaflowConfig[k] = v;
      }
    }
  }

  // Rule levels: strings only here; which codes and levels exist is checked where they apply (ruleLevels.ts).
  const rules = raw.rules;
  if (rules !== undefined && rules !== null) {
    if (!isObject(rules)) problems.push(`${S}.rules must be an object, got ${describe(rules)}; ignored.`);
    else {
      for (const [k, v] of Object.entries(rules)) {
        if (typeof v !== 'string') problems.push(`${S}.rules.${k.slice(0, 60)} must be a string, got ${describe(v)}; ignored.`);
        else s.rules[k] = v;
      }
    }
  }

  const types = raw.extraBackendTypes;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types)) problems.push(`${S}.extraBackendTypes must be an array of strings, got ${describe(types)}; ignored.`);
    else {
      types.forEach((t, i) => {
        if (typeof t === 'string' && BACKEND_TYPE.test(t)) s.extraBackendTypes.push(t);
        else problems.push(`${S}.extraBackendTypes[${i}] must be a backend type name such as 'my-vault'; ignored.`);
      });
    }
  }

  const keys = raw.nonSecretKeys;
  if (keys !== undefined && keys !== null) {
    if (!Array.isArray(keys)) problems.push(`${S}.nonSecretKeys must be an array of key names or patterns, got ${describe(keys)}; ignored.`);
    else {
      keys.forEach((k, i) => {
        const problem = typeof k === 'string' ? nonSecretPatternProblem(k) : `it is ${describe(k)}`;
        if (problem) problems.push(`${S}.nonSecretKeys[${i}]: ${problem}; ignored.`);
        else s.nonSecretKeys.push(k as string);
      });
    }
  }

  const n = raw.indexMaxFiles;
  if (n !== undefined && n !== null) {
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_INDEX_FILES) s.indexMaxFiles = n;
    else problems.push(`${S}.index.maxFiles must be a whole number between 0 and ${MAX_INDEX_FILES}; the default is used.`);
  }

  const off = raw.offline;
  if (off !== undefined && off !== null) {
    if (typeof off === 'boolean') s.offline = off;
    else {
      // Whoever wrote it meant to say something about going offline: the safe reading is offline.
      s.offline = true;
      problems.push(`${S}.offline must be true or false, got ${describe(off)}; treated as offline.`);
    }
  }

  const leaks = raw.leaks;
  if (leaks !== undefined && leaks !== null) {
    if (!isObject(leaks)) problems.push(`${S}.leaks must be an object, got ${describe(leaks)}; the defaults are used.`);
    else {
      const sev = leaks.severity;
      if (sev !== undefined && sev !== null) {
        if (typeof sev === 'string' && (SEVERITIES as readonly string[]).includes(sev)) s.leaks.severity = sev as ServerSettings['leaks']['severity'];
        else problems.push(`${S}.leaks.severity must be one of ${SEVERITIES.join(', ')}; the default (${DEFAULT_SETTINGS.leaks.severity}) is used.`);
      }
      const cons = leaks.conservative;
      if (cons !== undefined && cons !== null) {
        if (typeof cons === 'boolean') s.leaks.conservative = cons;
        else problems.push(`${S}.leaks.conservative must be true or false, got ${describe(cons)}; ignored.`);
      }
      for (const k of Object.keys(leaks)) {
        if (k !== 'severity' && k !== 'conservative') problems.push(`${S}.leaks.${k} is not a setting the server knows; ignored.`);
      }
    }
  }

  const b = raw.backends;
  if (b !== undefined && b !== null) {
    if (isObject(b)) s.backends = b;
    else problems.push(`${S}.backends must be an object, got ${describe(b)}; the defaults are used.`);
  }
  return { settings: s, problems };
}

/** `initialize`'s options: settings through the same schema, trust only when exactly true. */
export function parseInitializationOptions(raw: unknown): ParsedInitializationOptions {
  const o = isObject(raw) ? raw : {};
  const problems: string[] = [];
  if (raw !== undefined && raw !== null && !isObject(raw)) problems.push(`initializationOptions must be an object, got ${describe(raw)}; ignored.`);
  const parsed = parseServerSettings(o.settings);
  problems.push(...parsed.problems);
  if (o.trusted !== undefined && typeof o.trusted !== 'boolean') {
    problems.push(`initializationOptions.trusted must be true or false, got ${describe(o.trusted)}; the workspace is treated as untrusted.`);
  }
  let wasmDir: string | undefined;
  if (o.wasmDir !== undefined && o.wasmDir !== null) {
    if (typeof o.wasmDir === 'string' && o.wasmDir !== '') wasmDir = o.wasmDir;
    else problems.push(`initializationOptions.wasmDir must be a path; ignored.`);
  }
  for (const k of Object.keys(o)) {
    if (k !== 'settings' && k !== 'trusted' && k !== 'wasmDir') problems.push(`initializationOptions.${k} is not an option the server knows; ignored.`);
  }
  return { settings: parsed.settings, problems, trusted: strictTrust(o.trusted), wasmDir };
}

/** The settings the analysis session uses; `metaflowSecrets.rules` problems are reported to `warn` and the entries ignored. */
export function sessionSettings(s: ServerSettings, warn: (problem: string) => void): SessionSettings {
  const rules = parseRuleLevels(s.rules);
  for (const p of rules.problems) warn(`metaflowSecrets.rules: ${p}; ignored`);
  return {
    extraBackendTypes: s.extraBackendTypes,
    leaks: { ...s.leaks, nonSecretKeys: nonSecretKeysOf(s) },
    ruleLevels: rules.levels,
    metaflowConfig: s.metaflowConfig,
  };
}

const SETTING = 'metaflowSecrets.nonSecretKeys';
const compiled = new WeakMap<readonly string[], NonSecretKeys>();

/** The `nonSecretKeys` setting compiled once per settings object (the analysis and hovers share it). */
export function nonSecretKeysOf(settings: ServerSettings): NonSecretKeys {
  let k = compiled.get(settings.nonSecretKeys);
  if (!k) compiled.set(settings.nonSecretKeys, (k = nonSecretKeys(settings.nonSecretKeys, SETTING)));
  return k;
}
