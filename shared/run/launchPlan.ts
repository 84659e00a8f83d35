/**
 * The launch plan of an editor-started local run or debug session: what to start, with
 * which arguments (never a secret value) and which environment (the payload, the
 * extension on PYTHONPATH). Pure: the caller resolves the secrets, reads `.env`, probes the
 * interpreter and starts the process or debug session.
 */
import * as path from 'path';
import { dotenvConflictMessage, dotenvConflicts, parseDotenv } from './dotenv';
import { buildPayload, injectedNames, OWNER_ENV, PAYLOAD_ENV, ResolvedSource, RunPlanError } from './payload';
import { ExtraSource, secretsDecoSpec } from './secretsDecoSpec';
import { commandLine } from './shellQuote';
import { spinAllowedDecorators } from './spin';

export type LaunchMode = 'run' | 'debug';
export type StepCommand = 'spin' | 'resume';

export interface DebugOptions {
  /** 'debugpy' when the Python Debugger extension is installed, else the extension's own type backed by `python -m debugpy.adapter`. */
  type: string;
  name?: string;
  justMyCode?: boolean;
  /** 'integratedTerminal' makes debugpy send `runInTerminal` with its own launcher command only; values stay in the launch request. */
  console?: 'internalConsole' | 'integratedTerminal' | 'externalTerminal';
}

export interface LaunchRequest {
  /** Absolute path of the flow file. */
  flowFile: string;
  /** Run only this step (spin, or resume where spin is missing); the whole flow when undefined. */
  step?: string;
  mode: LaunchMode;
  stepCommand?: StepCommand;
  /** For resume: the run to resume from (`--origin-run-id`); Metaflow's latest run otherwise (a spin run counts as the latest and cannot be resumed). */
  resumeOriginRunId?: string;
  /** Every source the steps that will run need, resolved by the language server. */
  resolved: readonly ResolvedSource[];
  /** Sources the user added for this run, attached with `--with secrets:sources=[...]` (Metaflow drops them for steps with in-code @secrets). Their resolved values must be in `resolved` too. */
  extraSources?: readonly ExtraSource[];
  extraSourcesRole?: string;
  python: string;
  /** Absolute path of the directory holding `metaflow_extensions` (python/site in the extension). */
  extensionSite: string;
  maxWorkers?: number;
  /** Options before the command (e.g. --environment=pypi). */
  topLevelArgs?: readonly string[];
  /** Options after the command (e.g. --tag x, or --origin-run-id for resume). */
  extraArgs?: readonly string[];
  cwd?: string;
  /** The environment the session inherits, to extend PYTHONPATH and METAFLOW_EXTENSIONS_SEARCH_DIRS. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** The `.env` the debugger loads (its text), for conflicts and PYTHONPATH. */
  dotenvText?: string;
  dotenvLabel?: string;
  /** METAFLOW_SPIN_ALLOWED_DECORATORS as configured, when it is. */
  spinAllowedDecorators?: readonly string[];
  allowNetworkFallback?: boolean;
  debug?: DebugOptions;
  pathDelimiter?: string;
}

export interface DebugLaunchConfiguration {
  type: string;
  request: 'launch';
  name: string;
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string | null>;
  python: string;
  subProcess: true;
  justMyCode: boolean;
  console: 'internalConsole' | 'integratedTerminal' | 'externalTerminal';
  redirectOutput: boolean;
  [extra: string]: unknown;
}

export interface LaunchPlan {
  python: string;
  program: string;
  /** Arguments after the program. No secret values. */
  args: string[];
  cwd: string;
  /** Additions to the inherited environment; null removes a variable. Holds the payload: memory only. */
  env: Record<string, string | null>;
  /** The command line to show (it never holds values). */
  display: string;
  warnings: string[];
  /** For a run without debugging: a terminal whose process is Python itself. */
  terminal: { name: string; shellPath: string; shellArgs: string[]; cwd: string; env: Record<string, string | null> };
  debugConfiguration?: DebugLaunchConfiguration;
}

const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildLaunchPlan(req: LaunchRequest): LaunchPlan {
  if (!path.isAbsolute(req.flowFile)) throw new RunPlanError(`The flow file path must be absolute: ${req.flowFile}`);
  if (!path.isAbsolute(req.extensionSite)) throw new RunPlanError(`The extension's Python directory must be absolute: ${req.extensionSite}`);
  if (req.step !== undefined && !STEP_NAME.test(req.step)) throw new RunPlanError(`'${req.step}' is not a step name`);
  if (req.maxWorkers !== undefined && (!Number.isInteger(req.maxWorkers) || req.maxWorkers < 1)) {
    throw new RunPlanError(`--max-workers must be a whole number of at least 1, not ${req.maxWorkers}`);
  }
  const delimiter = req.pathDelimiter ?? path.delimiter;
  const stepCommand: StepCommand = req.stepCommand ?? 'spin';
  const warnings: string[] = [];

  const args: string[] = [...(req.topLevelArgs ?? [])];
  if (req.extraSources && req.extraSources.length > 0) {
    args.push('--with', secretsDecoSpec(req.extraSources, req.extraSourcesRole));
  }
  if (req.step === undefined) {
    args.push('run');
  } else if (stepCommand === 'spin') {
    args.push('spin', req.step);
  } else {
    args.push('resume', req.step);
    if (req.resumeOriginRunId !== undefined) args.push('--origin-run-id', req.resumeOriginRunId);
  }
  if (req.maxWorkers !== undefined && !(req.step !== undefined && stepCommand === 'spin')) {
    args.push('--max-workers', String(req.maxWorkers));
  }
  args.push(...(req.extraArgs ?? []));

  const base = req.baseEnv ?? {};
  const dotenv = req.dotenvText !== undefined ? parseDotenv(req.dotenvText) : [];
  const fromDotenv = (name: string) => dotenv.filter((e) => e.name === name).pop()?.value;

  const env: Record<string, string | null> = {};
  env[PAYLOAD_ENV] = buildPayload(req.resolved, { allowNetworkFallback: req.allowNetworkFallback });
  env[OWNER_ENV] = null;
  // The debugger's `env` beats `.env`, so PYTHONPATH keeps what `.env` (or the inherited environment) had.
  const inheritedPath = fromDotenv('PYTHONPATH') ?? base.PYTHONPATH;
  env.PYTHONPATH = inheritedPath ? `${req.extensionSite}${delimiter}${inheritedPath}` : req.extensionSite;
  const searchDirs = fromDotenv('METAFLOW_EXTENSIONS_SEARCH_DIRS') ?? base.METAFLOW_EXTENSIONS_SEARCH_DIRS;
  if (searchDirs) {
    // Metaflow only loads extensions under these directories when the variable is set.
    env.METAFLOW_EXTENSIONS_SEARCH_DIRS = `${searchDirs}${delimiter}${req.extensionSite}`;
  }
  if (req.step !== undefined && stepCommand === 'spin') {
    env.METAFLOW_SPIN_ALLOWED_DECORATORS = spinAllowedDecorators(req.spinAllowedDecorators);
  }
  if (req.dotenvText !== undefined) {
    for (const c of dotenvConflicts(req.dotenvText, injectedNames(req.resolved))) {
      warnings.push(dotenvConflictMessage(c, req.dotenvLabel));
      env[c.name] = null;
    }
  }

  const cwd = req.cwd ?? path.dirname(req.flowFile);
  const title = req.step === undefined ? `Metaflow: ${path.basename(req.flowFile)}` : `Metaflow: ${path.basename(req.flowFile)} ${stepCommand} ${req.step}`;
  const plan: LaunchPlan = {
    python: req.python,
    program: req.flowFile,
    args,
    cwd,
    env,
    display: commandLine([req.python, req.flowFile, ...args]),
    warnings,
    terminal: { name: title, shellPath: req.python, shellArgs: [req.flowFile, ...args], cwd, env },
  };
  if (req.mode === 'debug') {
    const d = req.debug;
    if (!d) throw new RunPlanError('A debug launch needs the debug adapter type');
    plan.debugConfiguration = {
      type: d.type,
      request: 'launch',
      name: d.name ?? title,
      program: req.flowFile,
      args: [...args],
      cwd,
      // debugpy warns about frozen stdlib modules in every task subprocess (Python 3.11+); the
      // check it skips only matters for breakpoints in the stdlib itself.
      env: { ...env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
      python: req.python,
      // Metaflow runs every task as a subprocess: without this no breakpoint in a step hits.
      subProcess: true,
      justMyCode: d.justMyCode ?? true,
      console: d.console ?? 'integratedTerminal',
      redirectOutput: true,
    };
  }
  return plan;
}

/**
 * The configuration debugpy hands back in `startDebugging` for each subprocess is a copy of
 * the launch request, payload included. Attach ignores `env`; drop it before the child
 * session is started so the values are not carried around a second time.
 */
export function childAttachConfiguration<T extends { [k: string]: unknown }>(configuration: T): T {
  const copy = { ...configuration };
  delete copy.env;
  return copy;
}
