import { nonSecretPatternProblem } from '../core/leaks';
import { SECRETS_CONFIG_NAMES } from '../core/metaflowConfig';
import { Severity } from '../core/rules';
import { parseRuleOption, RuleLevel } from '../core/ruleLevels';

export type OutputFormat = 'text' | 'sarif' | 'json';

/** Everything `metaflow-secrets check` was asked to do, validated. */
export interface CheckOptions {
  paths: string[];
  /** Exit 1 when any finding is at or above this severity. */
  failOn: Severity;
  format: OutputFormat;
  output?: string;
  offline: boolean;
  /** Metaflow configuration values that win over the environment and config files (full METAFLOW_ names). */
  sets: Record<string, string>;
  /** Backend types registered by Metaflow extensions (e.g. outerbounds types). */
  backendTypes: string[];
  /** The interpreter that runs the flows: asked which Metaflow it has (types, configuration). */
  python?: string;
  /** Seconds per backend call (online only); absent: the backend settings' own (10 s by default). */
  timeoutSeconds?: number;
  /** A JSON file with backend settings (endpoints, profiles), as the extension's settings. */
  backendConfig?: string;
  /** Severity of leak findings, or off. */
  leakSeverity: Severity | 'off';
  /** Leak analysis counts every environment read in a step with @secrets as a secret when names are unknown. */
  conservativeLeaks: boolean;
  /** `--non-secret-keys`: key names or patterns whose values are not secret, as metaflowSecrets.nonSecretKeys. */
  nonSecretKeys: string[];
  noProgress: boolean;
  /** `--rule CODE=LEVEL` (code or rule name), as the editor's metaflowSecrets.rules. */
  ruleLevels: Map<string, RuleLevel>;
  /** Report only findings that are not in this baseline file. */
  baseline?: string;
  /** Write every finding of this run to this baseline file. */
  writeBaseline?: string;
}

export type ParsedArgs = { kind: 'help' } | { kind: 'version' } | { kind: 'check'; options: CheckOptions } | { kind: 'usage-error'; message: string };

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];
const FORMATS: readonly OutputFormat[] = ['text', 'sarif', 'json'];
export const MIN_TIMEOUT_S = 0.1;
export const MAX_TIMEOUT_S = 300;
const BACKEND_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const USAGE = `Usage: metaflow-secrets check [options] [paths...]

Checks Metaflow @secrets in Python flow files the way Metaflow would when each step
starts, and reports secret values that reach logs, exceptions, artifacts or cards.
Paths are files or directories (default: the current directory); directories are
walked for *.py files, honouring .gitignore and skipping .git, .venv, node_modules
and other virtual environments.

Options:
  --severity <level>      exit 1 when a finding is at or above this level:
                          error (default), warning, information or hint
  --format <fmt>          text (default): file:line:col: severity code message
                          sarif: SARIF 2.1.0 for code scanning; json: findings as JSON
  --output <file>         write the report to a file instead of stdout
  --offline               static checks only: no call to any secrets backend
  --set NAME=VALUE        set a Metaflow configuration value, e.g.
                          --set DEFAULT_SECRETS_BACKEND_TYPE=aws-secrets-manager
                          (wins over METAFLOW_* variables and config files)
  --backend-type <type>   a secrets backend type registered by a Metaflow extension
                          (repeatable)
  --python <path>         the Python interpreter that runs the flows: it is asked (read
                          only, no secret is read) which Metaflow it has, the backend
                          types it registers (extensions included) and the configuration
                          @secrets reads; without it, open-source Metaflow's types and the
                          config files are assumed
  --timeout <seconds>     per backend call when online, 0.1 to 300 (default 10)
  --backend-config <file> JSON backend settings, as the editor's metaflowSecrets.backends
                          setting: {"aws": {"profile", "region", "endpoint"},
                          "azure": {...}, "gcp": {...}, "timeoutMs", "maxConcurrent"}
  --leak-severity <level> severity of leak findings: warning (default), error,
                          information, hint, or off to skip the leak analysis
  --conservative-leaks    when a step's secret names are unknown (offline, dynamic
                          sources), treat every environment read there as a secret
  --non-secret-keys <keys> comma-separated key names or patterns (* and ?) whose values
                          are not secret, e.g. DB_USER,*_HOST,*_PORT: printing them is
                          not a leak (repeatable; as the editor's metaflowSecrets.nonSecretKeys)
  --rule CODE=LEVEL       a rule's level: error, warning, information, hint or off;
                          CODE is a code (MFS050) or a rule name (repeatable)
  --baseline <file>       report only findings that are not in this baseline
  --write-baseline <file> write every finding of this run to a baseline file
  --no-progress           never show progress (it is shown only on a terminal)
  -h, --help              show this help
  -v, --version           show the version

Online (the default), each source is resolved through its backend with the SDK's own
credential chain (AWS_PROFILE, SSO, az login, gcloud ADC...), which finds missing
secrets, denied access and the JSON keys a secret really provides. Secret values are
never printed or written.

Exit codes: 0 no finding at or above --severity; 1 some; 2 usage error (including
a named path that is missing or cannot be read, or is not a file or directory);
3 internal error; 130 interrupted (Ctrl-C).
`;

/** Parses `argv` (without node and the script). Pure: no file or environment access. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const args = [...argv];
  if (args.length === 0) return { kind: 'usage-error', message: 'missing command: expected "check"' };
  if (args.includes('-h') || args.includes('--help') || args[0] === 'help') return { kind: 'help' };
  if (args[0] === '-v' || args[0] === '--version' || args[0] === 'version') return { kind: 'version' };
  const command = args.shift();
  if (command !== 'check') {
    return { kind: 'usage-error', message: `unknown command '${command}': expected "check"` };
  }

  const o: CheckOptions = {
    paths: [],
    failOn: 'error',
    format: 'text',
    offline: false,
    sets: {},
    backendTypes: [],
    leakSeverity: 'warning',
    conservativeLeaks: false,
    nonSecretKeys: [],
    noProgress: false,
    ruleLevels: new Map(),
  };
  let onlyPaths = false;
  while (args.length > 0) {
    const arg = args.shift() as string;
    if (onlyPaths || !arg.startsWith('-') || arg === '-') {
      o.paths.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPaths = true;
      continue;
    }
    // Both `--opt value` and `--opt=value`.
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const inline = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args.shift();
    const needsValue = [
      '--severity',
      '--format',
      '--output',
      '-o',
      '--set',
      '--backend-type',
      '--python',
      '--timeout',
      '--backend-config',
      '--leak-severity',
      '--rule',
      '--baseline',
      '--write-baseline',
      '--non-secret-keys',
    ];
    if (!needsValue.includes(name) && inline !== undefined) return { kind: 'usage-error', message: `${name} takes no value` };
    let v: string | undefined;
    if (needsValue.includes(name)) {
      v = value();
      if (v === undefined || v === '') return { kind: 'usage-error', message: `${name} needs a value` };
    }
    switch (name) {
      case '--severity':
        if (!SEVERITIES.includes(v as Severity)) {
          return { kind: 'usage-error', message: `--severity must be one of ${SEVERITIES.join(', ')} (got '${v}')` };
        }
        o.failOn = v as Severity;
        break;
      case '--format':
        if (!FORMATS.includes(v as OutputFormat)) {
          return { kind: 'usage-error', message: `--format must be one of ${FORMATS.join(', ')} (got '${v}')` };
        }
        o.format = v as OutputFormat;
        break;
      case '--output':
      case '-o':
        o.output = v;
        break;
      case '--offline':
        o.offline = true;
        break;
      case '--set': {
        const r = parseSet(v as string);
        if ('error' in r) return { kind: 'usage-error', message: r.error };
        o.sets[r.name] = r.value;
        break;
      }
      case '--backend-type':
        if (!BACKEND_TYPE.test(v as string))
          return { kind: 'usage-error', message: `--backend-type must be a backend type name such as 'my-vault' (got '${v}')` };
        o.backendTypes.push(v as string);
        break;
      case '--python':
        o.python = v;
        break;
      case '--timeout': {
        // The backend settings' own range (timeoutMs 100..300000): larger values overflow timers.
        const n = Number(v);
        if (!/^\s*[0-9.eE+]+\s*$/.test(v as string) || !Number.isFinite(n) || n < MIN_TIMEOUT_S || n > MAX_TIMEOUT_S) {
          return { kind: 'usage-error', message: `--timeout must be a number of seconds from ${MIN_TIMEOUT_S} to ${MAX_TIMEOUT_S} (got '${v}')` };
        }
        o.timeoutSeconds = n;
        break;
      }
      case '--backend-config':
        o.backendConfig = v;
        break;
      case '--leak-severity':
        if (v !== 'off' && !SEVERITIES.includes(v as Severity)) {
          return { kind: 'usage-error', message: `--leak-severity must be one of ${SEVERITIES.join(', ')}, off (got '${v}')` };
        }
        o.leakSeverity = v as Severity | 'off';
        break;
      case '--conservative-leaks':
        o.conservativeLeaks = true;
        break;
      case '--non-secret-keys':
        for (const key of (v as string)
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean)) {
          const problem = nonSecretPatternProblem(key);
          if (problem) return { kind: 'usage-error', message: `--non-secret-keys: ${problem}` };
          o.nonSecretKeys.push(key);
        }
        break;
      case '--rule': {
        const r = parseRuleOption(v as string);
        if ('error' in r) return { kind: 'usage-error', message: `--rule: ${r.error}` };
        o.ruleLevels.set(r.code, r.level);
        break;
      }
      case '--baseline':
        o.baseline = v;
        break;
      case '--write-baseline':
        o.writeBaseline = v;
        break;
      case '--no-progress':
        o.noProgress = true;
        break;
      default:
        return { kind: 'usage-error', message: `unknown option '${name}'` };
    }
  }
  if (o.paths.length === 0) o.paths.push('.');
  return { kind: 'check', options: o };
}

/** `NAME=VALUE` where NAME is one of the configuration names @secrets reads, with or without METAFLOW_. */
function parseSet(text: string): { name: string; value: string } | { error: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) return { error: `--set needs NAME=VALUE (got '${text}')` };
  const raw = text.slice(0, eq).trim();
  const short = raw.startsWith('METAFLOW_') ? raw.slice('METAFLOW_'.length) : raw;
  if (!(SECRETS_CONFIG_NAMES as readonly string[]).includes(short)) {
    return { error: `--set: '${raw}' is not a configuration value @secrets reads; known: ${SECRETS_CONFIG_NAMES.join(', ')}` };
  }
  return { name: `METAFLOW_${short}`, value: text.slice(eq + 1) };
}
