import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { flowFile, makeTree, repoRoot, tempDir } from './cliHarness';

// The hook manifest, used the way a user's repository uses it: pre-commit itself (from PyPI, in
// a throwaway virtual environment) installs this repository as a node hook — `npm install`,
// `npm pack` (whose prepack builds dist/cli.js), `npm install -g` — and runs it on a temporary
// git repository. The hook repository is a fresh commit of this working tree, so what is tested is
// what is here, committed or not.

const root = repoRoot();

interface Run {
  code: number | null;
  out: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 150_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs / 1000} s\n${out}`));
    }, timeoutMs);
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** pre-commit in a new virtual environment; fails the test (never skips it) when that cannot be done. */
async function installPreCommit(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const python = fs.existsSync(path.join(root, '.venv', 'bin', 'python')) ? path.join(root, '.venv', 'bin', 'python') : 'python3';
  const venv = path.join(dir, 'venv');
  const made = await run(python, ['-m', 'venv', venv], dir, env);
  assert.equal(made.code, 0, `cannot create a virtual environment for pre-commit with ${python}:\n${made.out}`);
  const pip = await run(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', 'pre-commit'], dir, env);
  assert.equal(pip.code, 0, `cannot install pre-commit from PyPI (pip install pre-commit), so the hook manifest cannot be tested:\n${pip.out}`);
  return path.join(venv, 'bin', 'pre-commit');
}

/** A new git repository holding this working tree's files (tracked and new, not ignored), committed. */
function hookRepository(env: NodeJS.ProcessEnv): { dir: string; rev: string } {
  const dir = tempDir('mfs-hookrepo-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    const from = path.join(root, f);
    if (!fs.existsSync(from) || fs.lstatSync(from).isSymbolicLink()) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, f));
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'hook repository under test');
  return { dir, rev: git('rev-parse', 'HEAD') };
}

test('the pre-commit hook installs with pre-commit and blocks a flow with a finding', { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const work = tempDir('mfs-precommit-');
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(METAFLOW_|AWS_|AZURE_|GOOGLE_|PRE_COMMIT|VIRTUAL_ENV$|npm_)/i.test(k))),
    PRE_COMMIT_HOME: path.join(work, 'cache'),
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.org',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.org',
    // npm installs the hook's packages: from the local cache where it has them.
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const preCommit = await installPreCommit(work, env);
  const installedAt = Date.now();
  const hooks = hookRepository(env);

  const bad = flowFile(
    'BadFlow',
    `    @secrets(sources=["prod/db.creds"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
  );
  const repo = makeTree({
    'flows/bad.py': bad,
    'notes.txt': 'not python\n',
    '.pre-commit-config.yaml': `repos:\n  - repo: ${hooks.dir}\n    rev: ${hooks.rev}\n    hooks:\n      - id: metaflow-secrets\n`,
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');

  const failing = await run(preCommit, ['run', '--all-files', '--color', 'never'], repo, env, 240_000);
  const firstRunAt = Date.now();
  assert.equal(failing.code, 1, failing.out);
  assert.match(failing.out, /metaflow-secrets\.+Failed/);
  assert.match(failing.out, /flows\/bad\.py:\d+:\d+: error MFS004 /);

  // Suppressed in the source, the same hook passes (the installed environment is reused).
  fs.writeFileSync(
    path.join(repo, 'flows', 'bad.py'),
    bad.replace('@secrets(sources=["prod/db.creds"])', '@secrets(sources=["prod/db.creds"])  # metaflow-secrets: ignore[MFS004]'),
  );
  git('add', '-A');
  const passing = await run(preCommit, ['run', '--all-files', '--color', 'never'], repo, env);
  assert.equal(passing.code, 0, passing.out);
  assert.match(passing.out, /metaflow-secrets\.+Passed/);

  // As a git hook: a commit that brings the finding back is refused.
  assert.equal((await run(preCommit, ['install'], repo, env)).code, 0);
  fs.writeFileSync(path.join(repo, 'flows', 'bad.py'), bad);
  git('add', '-A');
  const commit = await run('git', ['commit', '-q', '-m', 'bring the finding back'], repo, env);
  assert.notEqual(commit.code, 0, commit.out);
  assert.match(commit.out, /error MFS004/);

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const summary = `pre-commit test: ${s(Date.now() - started)} (pre-commit install ${s(installedAt - started)}, hook install + first run ${s(firstRunAt - installedAt)}, rest ${s(Date.now() - firstRunAt)})`;
  t.diagnostic(summary);
});
