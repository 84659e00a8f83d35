import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, cleanEnv, cleanFlow, makeTree, runCli, tempDir } from '../cli/cliHarness';
import { binaryNoNul, DEEP_EXPRESSIONS, flowWith } from './badFiles';
import { printFigures, record } from './figures';
import { slowToParse } from './slowToParse';

// The command line's exit codes for every way a named path or an option value can be unusable:
// never a pass for something that was not checked, never an internal error for one bad file.

after(() => printFigures('CLI exit codes'));

const offline = (args: string[], cwd: string) => runCli(['check', '--offline', '--no-progress', ...args], { cwd, timeoutMs: 30_000 });

describe('named paths the checker cannot read are usage errors (exit 2)', () => {
  const dir = makeTree({ 'clean.py': cleanFlow() });
  fs.symlinkSync('loop-b', path.join(dir, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(dir, 'loop-b'));
  const fifo = path.join(dir, 'pipe.py');
  const hasFifo = spawnSync('mkfifo', [fifo]).status === 0;

  const cases: [string, string[], RegExp][] = [
    ['a missing file', ['absent.py'], /no such file or directory: absent\.py/],
    ['a missing directory', ['no/such/dir'], /no such file or directory: no\/such\/dir/],
    ['a symlink loop', ['loop-a'], /cannot check loop-a: symlink loop/],
    ['a character device', ['/dev/null'], /cannot check \/dev\/null: not a regular file or directory \(a character device\)/],
    ['a good file with a missing one', ['clean.py', 'absent.py'], /no such file or directory: absent\.py/],
  ];
  if (hasFifo) cases.push(['a FIFO (never opened, so the run cannot block)', ['pipe.py'], /cannot check pipe\.py: not a regular file or directory \(a FIFO\)/]);
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await offline(args, dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }
  test('mkfifo is available, so the FIFO case ran', () => assert.ok(hasFifo, 'mkfifo failed: the FIFO case was not run'));

  test('an unreadable file and an unreadable directory (as an unprivileged user)', async () => {
    const base = tempDir('mfs-perm-');
    fs.chmodSync(base, 0o755);
    fs.writeFileSync(path.join(base, 'secret_flow.py'), cleanFlow());
    fs.chmodSync(path.join(base, 'secret_flow.py'), 0o000);
    fs.mkdirSync(path.join(base, 'closed'));
    fs.writeFileSync(path.join(base, 'closed', 'f.py'), cleanFlow());
    fs.chmodSync(path.join(base, 'closed'), 0o000);
    // root reads everything: run the CLI as nobody then (it only needs to read the build).
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    for (const [name, reason] of [
      ['secret_flow.py', /cannot check secret_flow\.py: permission denied/],
      ['closed', /cannot check closed: permission denied/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, 'check', '--offline', name], {
        cwd: base,
        env: cleanEnv({ HOME: base }),
        encoding: 'utf8',
        timeout: 30_000,
        ...asUser,
      });
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, reason);
    }
  });
});

describe('option values out of range are usage errors (exit 2)', () => {
  const dir = makeTree({ 'clean.py': cleanFlow() });
  const cases: [string[], RegExp][] = [
    // 2147484 s is past setTimeout's 2^31 ms: every call would have timed out after 1 ms.
    [['--timeout', '2147484'], /--timeout must be a number of seconds from 0\.1 to 300/],
    [['--timeout', '0'], /--timeout must be a number of seconds from 0\.1 to 300/],
    [['--timeout', '1e9'], /--timeout must be a number of seconds from 0\.1 to 300/],
    [['--timeout', 'NaN'], /--timeout must be a number of seconds from 0\.1 to 300/],
    [['--timeout', '0x10'], /--timeout must be a number of seconds from 0\.1 to 300/],
    [['--backend-type', 'bad type;rm'], /--backend-type must be a backend type name/],
  ];
  for (const [args, message] of cases) {
    test(args.join(' '), async () => {
      const r = await runCli(['check', ...args, 'clean.py'], { cwd: dir, timeoutMs: 30_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    });
  }
  test('the largest accepted timeout is accepted', async () => {
    const r = await offline(['--timeout', '300', 'clean.py'], dir);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('files the checker cannot analyse are findings on them, and the run goes on', () => {
  test('a 5,000-deep file, a binary file and a clean file: each reported, exit by the findings', async () => {
    const dir = makeTree({ 'deep.py': flowWith(DEEP_EXPRESSIONS.parentheses(5000)), 'clean.py': cleanFlow() });
    fs.writeFileSync(path.join(dir, 'blob.py'), binaryNoNul(300_000));
    const r = await offline(['.', 'blob.py', '--severity', 'warning'], dir);
    record('cli: deep + binary + clean (ms)', r.ms);
    assert.equal(r.code, 1, r.stderr); // deep.py's other step has a finding (MFS005, a Warning where nothing configures Metaflow)
    assert.doesNotMatch(r.stderr, /internal error|RangeError|Maximum call stack/);
    assert.match(r.stdout, /deep\.py:\d+:\d+: warning MFS090 Too deeply nested to analyse/);
    assert.match(r.stdout, /deep\.py:5:23: warning MFS005/);
    assert.match(r.stdout, /blob\.py:1:1: warning MFS091 /);
    assert.match(r.stderr, /in 3 checked file\(s\)/);
  });

  test('a file over 2 MiB is a finding on it, not a warning and a pass', async () => {
    const dir = makeTree({ 'big.py': 'x = 1\n'.repeat(400_000) });
    const r = await offline(['big.py', '--severity', 'warning'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /big\.py:1:1: warning MFS091 .*MiB/);
  });
});

describe('Ctrl-C', () => {
  test('SIGINT during the parse of a huge broken file exits 130 within a second', async () => {
    // Each file takes tree-sitter about 1.5 s to parse: the signal lands in a parse, not between files.
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`slow${i}.py`] = slowToParse();
    const dir = makeTree(files);
    const child = spawn(process.execPath, [CLI, 'check', '--offline', '--no-progress', '.'], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: Date.now() })));
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(child.exitCode, null, 'the run was still going when interrupted');
    const sent = Date.now();
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const { code, at } = await exited;
    clearTimeout(killer);
    record('cli: SIGINT during a parse to exit (ms)', at - sent);
    assert.equal(code, 130, stderr);
    assert.ok(at - sent < 1000, `${at - sent} ms from SIGINT to exit`);
    // What was checked before the signal is reported; the file being parsed is not counted.
    const checked = Number(/in (\d+) checked file\(s\)/.exec(stderr)?.[1]);
    assert.ok(checked < 20, stderr);
  });
});
