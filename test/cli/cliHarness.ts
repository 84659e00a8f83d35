import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { repoRoot as findRoot } from '../support/repoRoot';
export { findRoot as repoRoot };

/** The command as tsc compiled it (the bundle in dist/ is tested by pack.test.ts). */
export const CLI = path.join(findRoot(), 'out', 'server', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'mfs-cli-'): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tempDirs.push(d);
  return d;
}

/** Writes `files` (relative path → content) under a new temporary directory and returns it. */
export function makeTree(files: Record<string, string>, dir = tempDir()): string {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return dir;
}

/**
 * An environment free of the machine's Metaflow and cloud configuration: HOME points to an empty
 * directory (no ~/.metaflowconfig, ~/.aws), no METAFLOW_ or AWS_ variables.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const home = tempDir('mfs-home-');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(METAFLOW_|AWS_|AZURE_|GOOGLE_|GCLOUD_|HTTPS?_PROXY|NO_PROXY)/i.test(k)) continue;
    env[k] = v;
  }
  env.HOME = home;
  env.AWS_EC2_METADATA_DISABLED = 'true';
  // The SDK's notice about its own future Node support, once per process: noise in every test.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  env.AWS_CONFIG_FILE = path.join(home, 'absent');
  env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'absent');
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `node <cli> ...args` in `cwd` and collects its output (asynchronously, so in-process servers keep answering). */
export function runCli(
  args: string[],
  o: { cwd: string; env?: Record<string, string>; nodeArgs?: string[]; cli?: string; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void },
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), o.cli ?? CLI, ...args], {
      cwd: o.cwd,
      env: o.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`metaflow-secrets ${args.join(' ')} did not finish within ${o.timeoutMs ?? 120_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, o.timeoutMs ?? 120_000);
    child.on('error', reject);
    o.onSpawn?.(child);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The text report's lines. */
export function lines(out: string): string[] {
  return out.split('\n').filter((l) => l.length > 0);
}

/** `file:line:col: severity code` of each line, without the message. */
export function heads(out: string): string[] {
  return lines(out).map((l) => /^(.+?:\d+:\d+: \w+ MFS\d{3}) /.exec(l)?.[1] ?? `<malformed: ${l}>`);
}

/** A flow file: `steps` are method bodies (decorators included) between FlowSpec and the main guard. */
export function flowFile(name: string, steps: string, imports = 'import os\nfrom metaflow import FlowSpec, step, secrets\n'): string {
  return `${imports}\n\nclass ${name}(FlowSpec):\n${steps}\n\nif __name__ == "__main__":\n    ${name}()\n`;
}

/** A well-formed two-step flow with no finding at all. */
export function cleanFlow(name = 'CleanFlow'): string {
  return flowFile(
    name,
    `    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
  );
}
