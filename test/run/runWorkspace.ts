/**
 * Temp workspaces for run tests: a flow file, METAFLOW_HOME in the workspace, an
 * environment without cloud credentials, and the canary checks (files, command lines).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
export const EXTENSION_SITE = path.join(REPO, 'python', 'site');

export function requireVenv(): void {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash scripts/setup-python.sh`);
}

export interface Workspace {
  dir: string;
  flowFile: string;
  home: string;
  /** The environment a session inherits: no credentials, Metaflow home in the workspace. */
  env: NodeJS.ProcessEnv;
  startedAt: number;
}

export function makeWorkspace(flowSource: string, name = 'flow.py'): Workspace {
  const startedAt = Date.now() - 1000;
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-run-')));
  const flowFile = path.join(dir, name);
  fs.writeFileSync(flowFile, flowSource);
  const home = path.join(dir, '.mfhome');
  fs.mkdirSync(home);
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'LANG', 'LC_ALL', 'TMPDIR', 'HOME']) if (process.env[k] !== undefined) env[k] = process.env[k];
  Object.assign(env, {
    METAFLOW_HOME: home,
    USERNAME: 'tester',
    // Nothing in these tests may reach a cloud: no credentials, no instance metadata.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    PYTHONDONTWRITEBYTECODE: '1',
  });
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  return { dir, flowFile, home, env, startedAt };
}

/** The 1-based line of the line holding `marker`. */
export function lineOf(source: string, marker: string): number {
  const i = source.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${marker} not found`);
  return i + 1;
}

/** Applies a plan's env (null removes) to a base environment. */
export function applyEnv(base: NodeJS.ProcessEnv, add: Record<string, string | null>): NodeJS.ProcessEnv {
  const out = { ...base };
  for (const [k, v] of Object.entries(add)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runProcess(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Samples every process's command line while a run is going on. */
export class CmdlineSampler {
  samples = 0;
  /** Samples that saw a process running the flow file (proves the sampler watched the run). */
  flowProcessesSeen = new Set<number>();
  readonly hits: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly canaries: readonly string[],
    private readonly flowFile: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), 40);
  }

  sample(): void {
    this.samples++;
    let pids: string[];
    try {
      pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    for (const pid of pids) {
      let cmd: string;
      try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`).toString('utf8');
      } catch {
        continue;
      }
      if (cmd.includes(this.flowFile)) this.flowProcessesSeen.add(Number(pid));
      for (const c of this.canaries) if (cmd.includes(c)) this.hits.push(`pid ${pid}: ${cmd.replace(/\0/g, ' ')}`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Files under `roots` (and temp files modified since `since`) that contain a canary. */
export function filesContaining(canaries: readonly string[], roots: readonly string[], tmpSince?: number): { files: number; hits: string[] } {
  const hits: string[] = [];
  let files = 0;
  const needles = canaries.map((c) => Buffer.from(c, 'utf8'));
  const visit = (p: string, filter?: (st: fs.Stats) => boolean, depth = 0) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if (depth > 12) return;
      let names: string[] = [];
      try {
        names = fs.readdirSync(p);
      } catch {
        return;
      }
      for (const n of names) visit(path.join(p, n), filter, depth + 1);
      return;
    }
    if (!st.isFile() || st.size > 20 * 1024 * 1024) return;
    if (filter && !filter(st)) return;
    let data: Buffer;
    try {
      data = fs.readFileSync(p);
    } catch {
      return;
    }
    files++;
    for (const n of needles) if (data.includes(n)) hits.push(p);
  };
  for (const r of roots) visit(r);
  if (tmpSince !== undefined) {
    const tmp = os.tmpdir();
    for (const n of fs.readdirSync(tmp)) {
      const p = path.join(tmp, n);
      if (roots.some((r) => p === r || r.startsWith(p + path.sep))) continue;
      visit(p, (st) => st.mtimeMs >= tmpSince);
    }
  }
  return { files, hits };
}
