import * as path from 'path';
import { MisnamedConfig, misnamedConfig } from './configNames';

/** The configuration names `@secrets` reads (without the METAFLOW_ prefix, as `from_conf` takes them). */
export const SECRETS_CONFIG_NAMES = [
  'DEFAULT_SECRETS_BACKEND_TYPE',
  'DEFAULT_SECRETS_ROLE',
  'AWS_SECRETS_MANAGER_DEFAULT_REGION',
  'AWS_SECRETS_MANAGER_DEFAULT_ROLE',
  'AZURE_KEY_VAULT_PREFIX',
  'GCP_SECRET_MANAGER_PREFIX',
] as const;
export type SecretsConfigName = (typeof SECRETS_CONFIG_NAMES)[number];

export interface ConfigEntry {
  value: string;
  /** Where the value came from, for hovers and messages: `setting`, `env`, or a file path. */
  origin: string;
}

export interface MetaflowConfig {
  get(name: SecretsConfigName): ConfigEntry | undefined;
  /** Files that were read (or would be, had they existed): the server watches them. */
  files: string[];
  /** Problems reading the files: unreadable JSON, a missing METAFLOW_PROFILE file. */
  problems: string[];
  /** Names that look like secrets configuration but that Metaflow does not read (a typo or a copied mistake). */
  misnamed: MisnamedConfig[];
  /**
   * Whether Metaflow is configured here at all (a config file, a METAFLOW_ variable or a setting).
   * When it is not, the configuration a flow runs with most likely lives elsewhere (a deployment).
   */
  configured: boolean;
  /** The `.metaflow/config.json` Metaflow reads for runs started here, when a `.metaflow` directory exists above. */
  localFile?: string;
}

/** File access, injected so the core stays free of I/O policy and is testable. */
export interface ConfigFs {
  isDirectory(p: string): boolean;
  readFile(p: string): string | undefined;
}

export interface ConfigInputs {
  env: Record<string, string | undefined>;
  /** Metaflow walks up from the working directory; the editor uses the flow file's directory. */
  startDir: string;
  homeDir: string;
  fs: ConfigFs;
  /** The extension's own settings, which win over everything (full METAFLOW_ names or short ones). */
  overrides?: Record<string, string | undefined>;
}

/**
 * Reads configuration exactly as Metaflow's `from_conf` does: the environment, then the first
 * `.metaflow/config.json` found walking up, then `$METAFLOW_HOME/config[_<profile>].json`.
 * An empty environment variable still counts as set.
 */
export function readMetaflowConfig(inp: ConfigInputs): MetaflowConfig {
  const files: string[] = [];
  const problems: string[] = [];

  const readJson = (p: string): Record<string, unknown> | undefined => {
    const text = inp.fs.readFile(p);
    if (text === undefined) return undefined;
    try {
      const v = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      problems.push(`${p} is not a JSON object`);
    } catch (e) {
      problems.push(`${p} is not valid JSON: ${(e as Error).message}`);
    }
    return undefined;
  };

  // Global: $METAFLOW_HOME (default ~/.metaflowconfig), config_<profile>.json when METAFLOW_PROFILE is set.
  const home = expandHome(inp.env.METAFLOW_HOME ?? '~/.metaflowconfig', inp.homeDir);
  const profile = inp.env.METAFLOW_PROFILE;
  const globalPath = path.join(home, profile ? `config_${profile}.json` : 'config.json');
  files.push(globalPath);
  const globalConfig = readJson(globalPath);
  if (!globalConfig && profile && inp.fs.readFile(globalPath) === undefined) {
    problems.push(`Unable to locate METAFLOW_PROFILE '${profile}' in '${home}')`);
  }

  // Local: the first `.metaflow` directory walking up; its config.json, if any.
  let localConfig: Record<string, unknown> | undefined;
  let dir = path.resolve(inp.startDir);
  for (;;) {
    const candidate = path.join(dir, '.metaflow');
    if (inp.fs.isDirectory(candidate)) {
      const p = path.join(candidate, 'config.json');
      files.push(p);
      localConfig = readJson(p);
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }

  const overrides = new Map<string, string>();
  for (const [k, v] of Object.entries(inp.overrides ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    overrides.set(k.startsWith('METAFLOW_') ? k : `METAFLOW_${k}`, String(v));
  }

  const get = (name: SecretsConfigName): ConfigEntry | undefined => {
    const full = `METAFLOW_${name}`;
    const o = overrides.get(full);
    if (o !== undefined) return { value: o, origin: 'setting' };
    const e = inp.env[full];
    if (e !== undefined) return { value: e, origin: 'env' };
    for (const [cfg, origin] of [
      [localConfig, files[1]],
      [globalConfig, globalPath],
    ] as const) {
      if (cfg && full in cfg) {
        const v = cfg[full];
        if (v === null || v === undefined) return undefined;
        return { value: typeof v === 'string' ? v : JSON.stringify(v), origin: origin ?? '' };
      }
    }
    return undefined;
  };

  const misnamed = [
    ...misnamedConfig([...overrides.keys()], 'setting'),
    ...misnamedConfig(
      Object.keys(inp.env).filter((k) => k.startsWith('METAFLOW_') && inp.env[k] !== undefined),
      'env',
    ),
    ...(localConfig ? misnamedConfig(Object.keys(localConfig), files[1]) : []),
    ...(globalConfig ? misnamedConfig(Object.keys(globalConfig), globalPath) : []),
  ];
  const configured =
    overrides.size > 0 ||
    Object.keys(inp.env).some((k) => k.startsWith('METAFLOW_') && k !== 'METAFLOW_HOME' && k !== 'METAFLOW_PROFILE') ||
    !!localConfig ||
    !!globalConfig;
  return { get, files, problems, misnamed, configured, localFile: files[1] };
}

function expandHome(p: string, homeDir: string): string {
  if (p === '~') return homeDir;
  if (p.startsWith('~/')) return path.join(homeDir, p.slice(2));
  return p;
}

/** A configuration with fixed values, for tests and the command-line `--set` flag. */
export function fixedConfig(values: Partial<Record<SecretsConfigName, string>>): MetaflowConfig {
  return {
    get: (name) => (values[name] !== undefined ? { value: values[name] as string, origin: 'setting' } : undefined),
    files: [],
    problems: [],
    misnamed: [],
    configured: Object.keys(values).length > 0,
  };
}

/**
 * The configuration as the user's Metaflow computed it (environment, config files, profiles and
 * whatever its extensions add, such as a configuration fetched from the Outerbounds platform),
 * under the editor's own settings, which still win. `origin` names that Metaflow for messages.
 */
export function withMetaflowValues(base: MetaflowConfig, values: Partial<Record<SecretsConfigName, string>>, origin: string): MetaflowConfig {
  return {
    get: (name) => {
      const own = base.get(name);
      if (own?.origin === 'setting') return own;
      const v = values[name];
      return v === undefined ? undefined : { value: v, origin };
    },
    files: base.files,
    problems: base.problems,
    misnamed: base.misnamed,
    localFile: base.localFile,
    // A value the user's Metaflow computed (e.g. fetched from the Outerbounds platform) is configuration here.
    configured: base.configured || Object.values(values).some((v) => v !== undefined),
  };
}
