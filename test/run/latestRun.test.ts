import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { LATEST_RUN_CODE, LatestRun, parseLatestRunOutput } from '../../shared/run';
import { repoRoot } from '../support/repoRoot';

// spin takes a step's inputs from the latest run: the check that offers "run the flow first"
// asks real Metaflow, in the run's directory, exactly what spin will find.

const PYTHON = path.join(repoRoot(), '.venv', 'bin', 'python');
let dir: string;
let env: NodeJS.ProcessEnv;

const FLOW = `from metaflow import FlowSpec, step

class FirstTimeFlow(FlowSpec):
    @step
    def start(self):
        import os
        if os.environ.get("FAIL_START"):
            raise RuntimeError("stop here")
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    FirstTimeFlow()
`;

function check(step: string): Promise<LatestRun | undefined> {
  return new Promise((resolve, reject) =>
    execFile(PYTHON, ['-c', LATEST_RUN_CODE, 'FirstTimeFlow', step], { cwd: dir, env, timeout: 60_000 }, (err, stdout) =>
      err ? reject(err) : resolve(parseLatestRunOutput(stdout)),
    ),
  );
}

before(() => {
  assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: run scripts/setup-python.sh`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-latest-'));
  fs.writeFileSync(path.join(dir, 'flow.py'), FLOW);
  env = { ...process.env, USERNAME: 'tester', METAFLOW_HOME: path.join(dir, 'home') };
  for (const k of Object.keys(env)) if (k.startsWith('METAFLOW_') && k !== 'METAFLOW_HOME') delete env[k];
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a flow that never ran has no run to start from', async () => {
  assert.deepEqual(await check('start'), { state: 'no-run' });
});

test('a failed run has no task of the steps after the failure; a good run has them all', async () => {
  assert.throws(() => execFileSync(PYTHON, ['flow.py', '--no-pylint', 'run'], { cwd: dir, env: { ...env, FAIL_START: '1' }, stdio: 'pipe' }));
  const failed = await check('end');
  assert.equal(failed?.state, 'no-task');
  execFileSync(PYTHON, ['flow.py', '--no-pylint', 'run'], { cwd: dir, env, stdio: 'pipe' });
  const ok = await check('end');
  assert.equal(ok?.state, 'ready');
});

test('output that is not the check\'s is "cannot tell", never "no run"', () => {
  assert.equal(parseLatestRunOutput('Traceback (most recent call last):\n  ...'), undefined);
  assert.equal(parseLatestRunOutput('METAFLOW_SECRETS_LATEST_RUN {"run": null, "task": false, "error": "ImportError"}'), undefined);
});
