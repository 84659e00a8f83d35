import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { RealCase } from './realCorpusTypes';

// Runs one real-flow case in real Metaflow (the repository's .venv) and says whether a canary
// reached anything Metaflow keeps: the run's console, the local datastore (task logs, every
// artifact including `_graph_info`, cards) and Metaflow's home directory. Secrets reach
// @secrets through the editor's own provider extension (python/site, the payload variable), so
// Metaflow's decorator does the injecting and `_graph_info` holds only the source ids.

const REPO = path.resolve(__dirname, '..', '..', '..');
export const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const SITE = path.join(REPO, 'python', 'site');

export interface RealRunResult {
  exposed: boolean;
  /** Where a canary was seen (file names relative to the run directory, or `console`). */
  where: string[];
  exitCode: number;
}

export function canaryPrefix(c: RealCase): string {
  return `mfscanary_${c.id.replace(/[^A-Za-z0-9]/g, '')}_`;
}

/** The flow text the run uses: `{{CANARY}}` placeholders (inline values) become a canary. */
export function runnableSource(c: RealCase): string {
  return c.src.replace(/\{\{CANARY\}\}/g, `${canaryPrefix(c)}INLINE`);
}

export async function runReal(c: RealCase): Promise<RealRunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-real-'));
  try {
    const prefix = canaryPrefix(c);
    fs.writeFileSync(path.join(dir, 'flow.py'), runnableSource(c));
    const env = { ...process.env } as Record<string, string>;
    const caseNames = [...Object.values(c.secrets ?? {}).flat(), ...(c.shell ?? [])];
    for (const k of Object.keys(env)) if (k.startsWith('METAFLOW_') || k === 'PYTHONPATH' || caseNames.includes(k)) delete env[k];
    for (const n of c.shell ?? []) env[n] = `${prefix}${n}`;
    const sources = Object.entries(c.secrets ?? {}).map(([id, names]) => ({
      type: 'aws-secrets-manager',
      id,
      options: c.options?.[id] ?? {},
      role: null,
      env: Object.fromEntries(names.map((n) => [n, `${prefix}${n}`])),
    }));
    Object.assign(env, {
      USERNAME: 'tester',
      METAFLOW_HOME: path.join(dir, 'home'),
      METAFLOW_DEFAULT_DATASTORE: 'local',
      METAFLOW_DEFAULT_METADATA: 'local',
      METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager',
      METAFLOW_EDITOR_SECRETS_PAYLOAD: JSON.stringify({ v: 1, fallback: false, sources }),
      PYTHONPATH: SITE,
    });
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        PYTHON,
        ['flow.py', '--no-pylint', 'run', '--max-workers', '1'],
        { cwd: dir, env, timeout: 180000, maxBuffer: 1 << 24 },
        (err, stdout, stderr) => {
          const e = err as (Error & { code?: number }) | null;
          resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out: `${stdout}\n${stderr}` });
        },
      );
    });
    const where: string[] = [];
    if (out.includes(prefix)) where.push('console');
    const needle = Buffer.from(prefix);
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && p !== path.join(dir, 'flow.py')) {
          let b = fs.readFileSync(p);
          if (b[0] === 0x1f && b[1] === 0x8b) {
            try {
              b = zlib.gunzipSync(b);
            } catch {
              // not gzip after all
            }
          }
          if (b.includes(needle)) where.push(path.relative(dir, p));
        }
      }
    };
    walk(dir);
    return { exposed: where.length > 0, where, exitCode: code };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
