/** Single-step runs: `spin` (Metaflow >= 2.19) or `resume` where spin is missing. */

/**
 * metaflow_config.py's default SPIN_ALLOWED_DECORATORS (2.19.39). Setting
 * METAFLOW_SPIN_ALLOWED_DECORATORS replaces this list, so the plan keeps it and adds `secrets`.
 */
export const DEFAULT_SPIN_ALLOWED_DECORATORS: readonly string[] = [
  'conda',
  'pypi',
  'conda_base',
  'pypi_base',
  'environment',
  'project',
  'timeout',
  'conda_env_internal',
  'card',
];

/** The value for METAFLOW_SPIN_ALLOWED_DECORATORS: the configured list (or the default) plus `secrets`. */
export function spinAllowedDecorators(configured?: readonly string[]): string {
  const base = configured ?? DEFAULT_SPIN_ALLOWED_DECORATORS;
  // Metaflow matches by prefix (deco.name.startswith(prefix)); an existing prefix of 'secrets' already allows it.
  const has = base.some((p) => 'secrets'.startsWith(p));
  return JSON.stringify(has ? [...base] : [...base, 'secrets']);
}

/**
 * Probe of the selected interpreter: Metaflow version, whether `spin` exists, debugpy version.
 * Run as `python -c PROBE_CODE` with the plain environment (no payload, no PYTHONPATH change);
 * it imports no flow and reads no secret.
 */
export const PROBE_CODE = [
  'import json, importlib.util',
  'r = {"metaflow": None, "spin": False, "debugpy": None}',
  'try:',
  '    import metaflow',
  '    r["metaflow"] = getattr(metaflow, "__version__", "unknown")',
  '    import click',
  '    from metaflow import cli',
  '    r["spin"] = "spin" in cli.start.list_commands(click.Context(cli.start))',
  'except Exception:',
  '    pass',
  'if importlib.util.find_spec("debugpy") is not None:',
  '    try:',
  '        import debugpy',
  '        r["debugpy"] = debugpy.__version__',
  '    except Exception:',
  '        r["debugpy"] = "unknown"',
  'print("METAFLOW_SECRETS_PROBE " + json.dumps(r))',
].join('\n');

export interface ProbeResult {
  metaflowVersion: string | undefined;
  hasSpin: boolean;
  debugpyVersion: string | undefined;
}

export function probeCommand(python: string): { command: string; args: string[] } {
  return { command: python, args: ['-c', PROBE_CODE] };
}

export function parseProbeOutput(stdout: string): ProbeResult | undefined {
  const line = stdout.split(/\r?\n/).find((l) => l.startsWith('METAFLOW_SECRETS_PROBE '));
  if (!line) return undefined;
  try {
    const r = JSON.parse(line.slice('METAFLOW_SECRETS_PROBE '.length)) as { metaflow?: unknown; spin?: unknown; debugpy?: unknown };
    return {
      metaflowVersion: typeof r.metaflow === 'string' ? r.metaflow : undefined,
      hasSpin: r.spin === true,
      debugpyVersion: typeof r.debugpy === 'string' ? r.debugpy : undefined,
    };
  } catch {
    return undefined;
  }
}

/** What to tell the user when a single step cannot use spin. */
export function noSpinMessage(probe: ProbeResult): string {
  if (!probe.metaflowVersion) return 'Metaflow is not installed in the selected interpreter.';
  return `Metaflow ${probe.metaflowVersion} has no 'spin' (added in 2.19): a single step can only be rerun with 'resume <step>', which also reruns the steps after it.`;
}

/**
 * Whether spin has what it needs: a latest run of the flow (Metaflow's own client, default
 * namespace, the datastore and metadata the run will use) with a task of the step, which is
 * where spin takes the step's inputs from. Run as `python -c LATEST_RUN_CODE <Flow> <step>` in
 * the run's directory and environment; it reads run metadata only, never a secret.
 */
export const LATEST_RUN_CODE = [
  'import json, sys',
  'r = {"run": None, "task": False, "error": None}',
  'try:',
  '    from metaflow import Flow, Step',
  '    from metaflow.exception import MetaflowNotFound',
  '    try:',
  '        latest = Flow(sys.argv[1]).latest_run',
  '        if latest is not None:',
  '            r["run"] = latest.id',
  '            r["task"] = Step("%s/%s/%s" % (sys.argv[1], latest.id, sys.argv[2])).task is not None',
  '    except MetaflowNotFound:',
  '        pass',
  'except Exception as e:',
  '    r["error"] = type(e).__name__',
  'print("METAFLOW_SECRETS_LATEST_RUN " + json.dumps(r))',
].join('\n');

export type LatestRun = { state: 'ready'; runId: string } | { state: 'no-run' } | { state: 'no-task'; runId: string };

/** What the check found; undefined when Metaflow could not tell (then the step runs as asked). */
export function parseLatestRunOutput(stdout: string): LatestRun | undefined {
  const line = stdout.split(/\r?\n/).find((l) => l.startsWith('METAFLOW_SECRETS_LATEST_RUN '));
  if (!line) return undefined;
  try {
    const r = JSON.parse(line.slice('METAFLOW_SECRETS_LATEST_RUN '.length)) as { run?: unknown; task?: unknown; error?: unknown };
    if (r.error) return undefined;
    if (typeof r.run !== 'string') return { state: 'no-run' };
    return r.task === true ? { state: 'ready', runId: r.run } : { state: 'no-task', runId: r.run };
  } catch {
    return undefined;
  }
}
