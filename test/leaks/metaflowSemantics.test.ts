import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { analyse } from './harness';

// Pins the Metaflow behaviour the leak rules rest on, with a real run (Metaflow from
// scripts/setup-python.sh): an artifact still set at the end of a step is persisted and
// readable through the Client API, an overwritten or deleted one is not, stdout lands in the
// task's logs, and the next step does not see the step's secret variables. The analysis of the
// same file must agree line by line.

const REPO = path.resolve(__dirname, '..', '..', '..');
const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const run = promisify(execFile);
const CANARY = 'mfs-leak-canary-7f3a91';
/** A credential in the launching shell, copied into @environment(vars=...) when the file loads. */
const SHELL_CANARY = 'mfs-shell-canary-2c81d4';

const FLOW = `import os
from metaflow import FlowSpec, step, secrets, environment


class LeakPinFlow(FlowSpec):
    @environment(vars={"SHELL_TOKEN": os.getenv("SHELL_TOKEN")})
    @secrets(sources=[{"type": "inline", "id": "k", "options": {"env_vars": {"API_KEY": "${CANARY}"}}}])
    @step
    def start(self):
        self.kept = os.environ["API_KEY"]
        self.overwritten = os.environ["API_KEY"]
        self.overwritten = None
        self.deleted = os.environ["API_KEY"]
        del self.deleted
        self.masked = os.environ["API_KEY"][:4]
        print("LOGGED " + os.environ["API_KEY"])
        self.next(self.end)

    @step
    def end(self):
        print("END_SEES=" + str("API_KEY" in os.environ))
        print("FROM_ARTIFACT " + self.kept)


if __name__ == "__main__":
    LeakPinFlow()
`;

const READ_BACK = `
import json
from metaflow import Flow, namespace
namespace(None)
run = Flow("LeakPinFlow").latest_run
start = run["start"].task
end = run["end"].task
print(json.dumps({
    "kept": start.data.kept,
    "overwritten": start.data.overwritten,
    "has_deleted": hasattr(start.data, "deleted"),
    "masked": start.data.masked,
    "start_stdout": start.stdout,
    "end_stdout": end.stdout,
    "graph_info_start": repr(start["_graph_info"].data),
    "graph_info_end": repr(end["_graph_info"].data),
}))
`;

let dir = '';
let env: Record<string, string> = {};

before(() => {
  assert.ok(fs.existsSync(PYTHON), `Metaflow's Python is missing at ${PYTHON}: run bash scripts/setup-python.sh`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-leaks-'));
  fs.writeFileSync(path.join(dir, 'flow.py'), FLOW);
  env = { ...process.env } as Record<string, string>;
  for (const k of Object.keys(env)) if (k.startsWith('METAFLOW_') || k === 'API_KEY') delete env[k];
  Object.assign(env, {
    SHELL_TOKEN: SHELL_CANARY,
    USERNAME: 'tester',
    METAFLOW_HOME: path.join(dir, 'home'),
    METAFLOW_DEFAULT_DATASTORE: 'local',
    METAFLOW_DEFAULT_METADATA: 'local',
  });
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const lineOf = (needle: string) => FLOW.split('\n').findIndex((l) => l.includes(needle));

test('a real Metaflow run persists exactly the artifacts the analysis reports, and logs what it prints', async () => {
  await run(PYTHON, ['flow.py', '--no-pylint', 'run', '--max-workers', '1'], { cwd: dir, env, timeout: 120000 });
  const r = await run(PYTHON, ['-c', READ_BACK], { cwd: dir, env, timeout: 60000 });
  const got = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  // Metaflow's side.
  assert.equal(got.kept, CANARY, 'an artifact set at the end of the step is readable through the Client API');
  assert.equal(got.overwritten, null, 'only the final value of an artifact is persisted');
  assert.equal(got.has_deleted, false, 'a deleted artifact is not persisted');
  assert.equal(got.masked, CANARY.slice(0, 4));
  assert.ok(got.start_stdout.includes(`LOGGED ${CANARY}`), 'print output is stored in the task log');
  assert.ok(got.end_stdout.includes('END_SEES=False'), "the next step does not see the step's secret variables");
  assert.ok(got.end_stdout.includes(`FROM_ARTIFACT ${CANARY}`), 'a later step reading the artifact logs the secret');
  // Every decorator's attributes are persisted in _graph_info, in every task: the inline
  // source's values and @environment's values computed from the shell.
  for (const gi of [got.graph_info_start, got.graph_info_end]) {
    assert.ok(gi.includes(CANARY), "the inline provider's value is stored in _graph_info");
    assert.ok(gi.includes(SHELL_CANARY), 'an @environment value read from the shell is stored in _graph_info');
  }

  // The analysis of the same file, with the names the inline source provides.
  const findings = await analyse(FLOW, { names: ['API_KEY'] });
  const byLine = findings.map((f) => `${f.range.start.line}:${f.code}`).sort();
  assert.deepEqual(
    byLine,
    [
      `${lineOf('@environment(')}:MFS058`,
      `${lineOf('@secrets(')}:MFS058`,
      `${lineOf('self.kept = ')}:MFS052`,
      `${lineOf('print("LOGGED ')}:MFS050`,
      `${lineOf('print("FROM_ARTIFACT ')}:MFS050`,
    ].sort(),
  );
});
