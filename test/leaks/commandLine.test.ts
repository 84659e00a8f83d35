import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, flow, MarkedCase, markedResult } from './harness';

// Secrets on subprocess command lines (MFS059) and in what the command prints. One test per case.

const CASES: MarkedCase[] = [
  {
    name: 'a list command with the token in an argument',
    body: 'import subprocess\nsubprocess.run(["curl", "-H", "Bearer " + os.environ["API_KEY"], "u"])  # LEAK MFS059',
  },
  {
    name: 'a shell string built with an f-string',
    body: 'import subprocess\nout = subprocess.check_output(f"curl -u me:{os.environ[\'DB_PASSWORD\']} u", shell=True)  # LEAK MFS059',
  },
  { name: 'os.system', body: 'os.system("mysql -p" + os.environ["DB_PASSWORD"])  # LEAK MFS059' },
  { name: 'os.popen, its output printed', body: 'out = os.popen("login " + os.environ["API_KEY"]).read()  # LEAK MFS059\nprint(out)  # LEAK MFS050' },
  {
    name: 'Popen with args= and communicate()',
    body: 'import subprocess\np = subprocess.Popen(args=["x", os.environ["API_KEY"]], stdout=subprocess.PIPE)  # LEAK MFS059\nout, err = p.communicate()\nprint(out)  # LEAK MFS050\nprint(p.pid, p.wait())',
  },
  { name: 'from subprocess import run', body: 'from subprocess import run\nrun(["x", os.environ["API_KEY"]])  # LEAK MFS059' },
  {
    name: 'os.execvp and asyncio.create_subprocess_exec: every argument',
    body: 'import asyncio\nasyncio.create_subprocess_exec("tool", "--key", os.environ["API_KEY"])  # LEAK MFS059\nos.execvp("tool", ["tool", os.environ["API_KEY"]])  # LEAK MFS059',
  },
  {
    name: 'the value in env= or on stdin is not on the command line',
    body: 'import subprocess\nsubprocess.run(["x"], env={**os.environ, "K": os.environ["API_KEY"]}, input=os.environ["API_KEY"], check=True)',
  },
  {
    name: 'the return code of a command holding the token is clean',
    body: 'import subprocess\np = subprocess.run(["x", os.environ["API_KEY"]])  # LEAK MFS059\nprint(p.returncode)\nself.ok = p.returncode == 0',
  },
  {
    name: 'captured output may echo the arguments',
    body: 'import subprocess\np = subprocess.run(["x", os.environ["API_KEY"]], capture_output=True, text=True)  # LEAK MFS059\nprint(p.stdout, p.stderr)  # LEAK MFS050',
  },
  {
    name: 'check=True: the CalledProcessError a handler prints names the command',
    body: 'import subprocess\ntry:\n    subprocess.run(["x", os.environ["API_KEY"]], check=True)  # LEAK MFS059\nexcept subprocess.CalledProcessError as e:\n    print("failed:", e)  # LEAK MFS050',
  },
  {
    name: 'without check=True nothing is raised',
    body: 'import subprocess\ntry:\n    subprocess.run(["x", os.environ["API_KEY"]])  # LEAK MFS059\nexcept subprocess.CalledProcessError as e:\n    print("failed:", e)',
  },
  {
    name: 'a helper running the command: reported where the step calls it',
    body: 'fetch(os.environ["API_KEY"])',
    preamble: 'import subprocess\n\ndef fetch(token):\n    subprocess.run(["curl", "-H", f"Authorization: {token}", "u"])  # LEAK MFS059',
  },
  { name: 'the whole environment on a command line', body: 'import subprocess\nsubprocess.run(["echo", str(dict(os.environ))])  # LEAK MFS054' },
];

for (const c of CASES) {
  test(`command line: ${c.name}`, async () => {
    const r = await markedResult(c);
    assert.deepEqual(r.got, r.want);
  });
}

test('MFS059 says who sees a command line and what to do instead; no masking fix is offered (it would break the command)', async () => {
  const [f] = await analyse(flow('import subprocess\ntoken = os.environ["API_KEY"]\nsubprocess.run(["curl", "-H", token, "u"])'));
  assert.equal(f.code, 'MFS059');
  assert.match(f.message, /`API_KEY`.*command line of subprocess\.run\(\)/);
  assert.match(f.message, /list the host's processes/);
  assert.match(f.message, /CalledProcessError/);
  assert.match(f.message, /env=.*input=/);
  assert.equal(f.severity, 'warning');
  assert.deepEqual(f.fixes ?? [], []);
});

test('offline (keys unknown) a command-line leak is the assumed rule MFS055, worded for a command line', async () => {
  const [f] = await analyse(flow('import subprocess\nsubprocess.run(["git", "clone", "https://" + os.environ["GH_TOKEN"] + "@github.com/a/b"])'), {
    names: [],
    complete: false,
  });
  assert.equal(f.code, 'MFS055');
  assert.match(f.message, /probably provided by @secrets/);
  assert.match(f.message, /command line of subprocess\.run\(\)/);
});
