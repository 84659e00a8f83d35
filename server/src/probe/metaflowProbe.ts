import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SECRETS_CONFIG_NAMES, SecretsConfigName } from '../core/metaflowConfig';

// Asks the interpreter that runs the user's flows which Metaflow it has: the exact backend types
// registered (extensions included) and the configuration @secrets reads, as Metaflow computes it.
// The Python side is python/probe/metaflow_probe.py: read-only, no provider built, no value read.

/** What the user's Metaflow says about itself. Never holds a secret value. */
export interface ProbedMetaflow {
  /** The interpreter as it was given (setting, Python extension, --python). */
  interpreter: string;
  /** sys.executable. */
  executable: string;
  pythonVersion: string;
  version: string;
  /** The distribution that installed the `metaflow` package: `metaflow`, `ob-metaflow`...; undefined when unknown. */
  distribution: string | undefined;
  /** Every registered backend type, sorted (Metaflow's own order varies from run to run). */
  types: string[];
  /** The module that registered each type (core or an extension), for the log. */
  modules: Record<string, string>;
  /** The configuration values @secrets reads; absent: None in Metaflow. */
  config: Partial<Record<SecretsConfigName, string>>;
  /** The interpreter's import path directories: installing a package changes one of them. */
  paths: string[];
}

export type ProbeOutcome = { ok: true; metaflow: ProbedMetaflow } | { ok: false; reason: string };

export interface ProbeRunOptions {
  /** The directory Metaflow looks for `.metaflow/config.json` from (a run's working directory). */
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const PROBE_TIMEOUT_MS = 15_000;
/** The answer is a few hundred bytes; anything near this is not our probe talking. */
const MAX_OUTPUT_BYTES = 256 * 1024;
const PROBE_FORMAT = 1;

let scriptText: string | undefined;

/** The probe's source: next to the bundle in dist/, or in python/probe/ when running from out/. */
export function probeScript(): string {
  if (scriptText !== undefined) return scriptText;
  const candidates = [
    path.join(__dirname, 'metaflow_probe.py'),
    path.resolve(__dirname, '..', '..', '..', '..', 'python', 'probe', 'metaflow_probe.py'),
    path.resolve(__dirname, '..', 'python', 'probe', 'metaflow_probe.py'),
  ];
  for (const c of candidates) {
    try {
      return (scriptText = fs.readFileSync(c, 'utf8'));
    } catch {
      // next candidate
    }
  }
  throw new Error(`metaflow_probe.py not found (looked in ${candidates.join(', ')})`);
}

/**
 * Runs the probe in `python`: no shell, bounded in time and output. Never throws; a failure
 * says why in words fit for the log.
 */
export function runMetaflowProbe(python: string, o: ProbeRunOptions): Promise<ProbeOutcome> {
  let script: string;
  try {
    script = probeScript();
  } catch (e) {
    return Promise.resolve({ ok: false, reason: (e as Error).message });
  }
  const timeoutMs = o.timeoutMs ?? PROBE_TIMEOUT_MS;
  return new Promise((resolve) => {
    // -B: no __pycache__ written anywhere; -c keeps sys.path[0] the working directory, as a run's script directory would be.
    execFile(
      python,
      ['-B', '-c', script],
      {
        cwd: o.cwd,
        env: o.env as NodeJS.ProcessEnv,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT_BYTES,
        windowsHide: true,
        signal: o.signal,
        encoding: 'utf8',
      },
      (err, stdout) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string; code?: string | number };
          if (e.code === 'ENOENT') return resolve({ ok: false, reason: `interpreter ${python} not found` });
          if (e.code === 'EACCES') return resolve({ ok: false, reason: `interpreter ${python} is not executable` });
          if (e.name === 'AbortError') return resolve({ ok: false, reason: 'cancelled' });
          if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ ok: false, reason: `${python} printed more than ${MAX_OUTPUT_BYTES} bytes` });
          if (e.killed || e.signal) return resolve({ ok: false, reason: `${python} did not answer within ${timeoutMs / 1000} s` });
          // The probe catches every Python exception, so a non-zero exit is the interpreter itself failing.
          return resolve({ ok: false, reason: `${python} exited with code ${e.code ?? 'unknown'} without an answer` });
        }
        resolve(parseProbeAnswer(stdout, python));
      },
    );
  });
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Validates the probe's JSON strictly: anything unexpected is a failure, not a guess. */
export function parseProbeAnswer(stdout: string, interpreter: string): ProbeOutcome {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    return { ok: false, reason: `${interpreter} gave no valid answer (not JSON)` };
  }
  const bad = (what: string): ProbeOutcome => ({ ok: false, reason: `${interpreter} gave an invalid answer (${what})` });
  if (!isObj(raw)) return bad('not an object');
  if (raw.probe !== PROBE_FORMAT) return bad(`format ${JSON.stringify(raw.probe)}`);
  if (raw.error !== undefined) {
    const err = raw.error;
    if (!isObj(err) || !isStr(err.message) || !isStr(err.stage)) return bad('error');
    const message = err.message.slice(0, 300);
    return err.stage === 'import' && raw.metaflow === null
      ? { ok: false, reason: `no Metaflow in ${interpreter} (${message})` }
      : { ok: false, reason: `Metaflow in ${interpreter} failed to load: ${message}` };
  }
  const mf = raw.metaflow;
  if (!isObj(mf) || !isStr(mf.version) || !(mf.distribution === null || isStr(mf.distribution))) return bad('metaflow');
  if (!isStr(raw.executable) || !isStr(raw.python)) return bad('interpreter');
  const providers = raw.providers;
  if (!Array.isArray(providers) || providers.length === 0 || providers.length > 500) return bad('providers');
  const modules: Record<string, string> = {};
  for (const p of providers) {
    if (!isObj(p) || !isStr(p.type) || p.type === '' || p.type.length > 200 || !isStr(p.module)) return bad('provider');
    modules[p.type] = p.module;
  }
  const cfg = raw.config;
  if (!isObj(cfg)) return bad('config');
  const config: Partial<Record<SecretsConfigName, string>> = {};
  for (const name of SECRETS_CONFIG_NAMES) {
    const v = cfg[name];
    if (v === null) continue;
    if (!isStr(v)) return bad(`config ${name}`);
    config[name] = v;
  }
  const paths = raw.paths;
  if (!Array.isArray(paths) || !paths.every(isStr)) return bad('paths');
  return {
    ok: true,
    metaflow: {
      interpreter,
      executable: raw.executable,
      pythonVersion: raw.python,
      version: mf.version,
      distribution: mf.distribution ?? undefined,
      types: Object.keys(modules).sort(),
      modules,
      config,
      paths: paths.slice(0, 64),
    },
  };
}

/** One line for the log and the status item: "Metaflow 2.19.39 (ob-metaflow) · backends: ...". */
export function describeMetaflow(m: ProbedMetaflow): string {
  const types = m.types.filter((t) => t !== 'inline');
  return `Metaflow ${m.version}${m.distribution ? ` (${m.distribution})` : ''} · backends: ${types.join(', ')}`;
}

/** How messages name the user's Metaflow: "your Metaflow (ob-metaflow 2.19.39.1)". */
export function metaflowName(m: ProbedMetaflow): string {
  return `your Metaflow (${m.distribution ?? 'metaflow'} ${m.version})`;
}
