import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from './repoRoot';

// Real interpreters for the probe's tests: open-source Metaflow (.venv), the Outerbounds
// distribution (.venv-ob), and a Python without Metaflow. Missing ones fail, never skip.

export function venvPython(name: '.venv' | '.venv-ob'): string {
  const p = path.join(repoRoot(), name, 'bin', 'python');
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run scripts/setup-python.sh (it creates .venv and .venv-ob)`);
  return p;
}

let bare: string | undefined;
/** A fresh virtual environment without Metaflow (made once per test process). */
export function pythonWithoutMetaflow(): string {
  if (bare) return bare;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-nometaflow-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync(venvPython('.venv'), ['-c', 'import sys, venv; venv.create(sys.argv[1], with_pip=False)', dir]);
  return (bare = path.join(dir, 'bin', 'python'));
}

/** An executable script standing in for an interpreter (a hanging one, a recording one). */
export function fakeInterpreter(dir: string, name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

/** The test extension that records any provider construction or secret request. */
export const CANARY_SITE = path.join(repoRoot(), 'test', 'fixtures', 'probe-canary');

/** A flow with the documented Outerbounds source: an Error with open-source Metaflow, clean with ob-metaflow. */
export const OUTERBOUNDS_FLOW = `from metaflow import FlowSpec, step, secrets


class ObFlow(FlowSpec):
    @secrets(sources=["outerbounds.my-secret"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`;
