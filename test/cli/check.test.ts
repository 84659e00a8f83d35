import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCli as runInProcess } from '../../server/src/cli/main';
import { CLI, cleanEnv, cleanFlow, flowFile, heads, lines, makeTree, runCli, tempDir } from './cliHarness';

// `metaflow-secrets check` end to end, as a separate process on fixture trees: report lines,
// exit codes, file selection (.gitignore, virtual environments), Metaflow configuration.

const LINE = /^[^:\n]+:\d+:\d+: (error|warning|information|hint) MFS\d{3} \S.*$/;

/** A str `sources` (iterated per character) and a dotted name read as a backend type: errors. */
const BAD = flowFile(
  'BadFlow',
  `    @secrets(sources="prod/db.creds")
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
);

/** Only a warning: an inline secret printed (plus the inline provider's information). */
const LEAKY = flowFile(
  'LeakyFlow',
  `    @secrets(sources=[{"type": "inline", "id": "t", "options": {"env_vars": {"DB_PASSWORD": "x"}}}])
    @step
    def start(self):
        pw = os.environ["DB_PASSWORD"]
        print(pw)
        self.next(self.end)

    @step
    def end(self):
        pass
`,
);

/** A source without a type: fine only when a default backend type is configured. */
const UNTYPED = flowFile(
  'UntypedFlow',
  `    @secrets(sources=["db-creds"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
);

test('prints file:line:col: severity code message, 1-based, paths relative to the working directory', async () => {
  const dir = makeTree({ 'flows/bad.py': BAD, 'flows/clean.py': cleanFlow() });
  const r = await runCli(['check', '--offline'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  for (const l of lines(r.stdout)) assert.match(l, LINE);
  assert.deepEqual(heads(r.stdout), ['flows/bad.py:6:22: error MFS001', 'flows/bad.py:6:22: error MFS004', 'flows/bad.py:6:22: warning MFS005']);
  // Nothing configures Metaflow in this environment: a run from here fails, but the flow's real
  // configuration may live where it runs, so this is a Warning.
  assert.ok(
    r.stdout.includes(
      'flows/bad.py:6:22: warning MFS005 No default secrets backend type configured, but needed by @secrets. Set METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE.',
    ),
    r.stdout,
  );
  // Line 6, column 22 is where the str literal starts.
  assert.equal(BAD.split('\n')[5].indexOf('"prod/db.creds"'), 21);
  assert.match(r.stderr, /2 errors, 1 warning in 2 checked file\(s\) \(offline\)/);
});

test('exit codes follow --severity: 0 below it, 1 at or above it', async () => {
  const dir = makeTree({ 'leaky.py': LEAKY, 'clean.py': cleanFlow() });
  const clean = await runCli(['check', '--offline', 'clean.py'], { cwd: dir });
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.stdout, '');
  assert.match(clean.stderr, /no findings in 1 checked file/);

  const byDefault = await runCli(['check', '--offline', 'leaky.py'], { cwd: dir });
  assert.equal(byDefault.code, 0, 'a warning does not fail at the default severity (error)');
  // MFS058: the inline source's value is stored in _graph_info.
  assert.deepEqual(heads(byDefault.stdout), ['leaky.py:6:23: information MFS018', 'leaky.py:6:93: warning MFS058', 'leaky.py:10:15: warning MFS050']);

  for (const [severity, code] of [
    ['error', 0],
    ['warning', 1],
    ['information', 1],
    ['hint', 1],
  ] as const) {
    const r = await runCli(['check', '--offline', '--severity', severity, 'leaky.py'], { cwd: dir });
    assert.equal(r.code, code, `--severity ${severity}`);
  }
  const eq = await runCli(['check', '--offline', '--severity=warning', 'leaky.py'], { cwd: dir });
  assert.equal(eq.code, 1, '--severity=warning form');

  // Leak findings take --leak-severity, as the editor's leaks.severity setting; off skips the analysis.
  const asError = await runCli(['check', '--offline', '--leak-severity', 'error', 'leaky.py'], { cwd: dir });
  assert.equal(asError.code, 1);
  assert.deepEqual(heads(asError.stdout), ['leaky.py:6:23: information MFS018', 'leaky.py:6:93: error MFS058', 'leaky.py:10:15: error MFS050']);
  const off = await runCli(['check', '--offline', '--leak-severity', 'off', '--severity', 'warning', 'leaky.py'], { cwd: dir });
  assert.equal(off.code, 0);
  assert.deepEqual(heads(off.stdout), ['leaky.py:6:23: information MFS018']);
});

test('usage errors exit 2 with a message on stderr and nothing on stdout', async () => {
  const dir = makeTree({ 'clean.py': cleanFlow(), 'bad-settings.json': '{"aws": {"endpoint": "moto:5000"}}' });
  // The process exit code once, then every case through the same entry point in this process.
  const proc = await runCli(['check', '--bogus'], { cwd: dir });
  assert.equal(proc.code, 2);
  assert.match(proc.stderr, /unknown option '--bogus'/);
  assert.equal(proc.stdout, '');
  const cases: [string[], RegExp][] = [
    [[], /missing command/],
    [['lint'], /unknown command 'lint'/],
    [['check', '--bogus'], /unknown option '--bogus'/],
    [['check', '--severity', 'fatal'], /--severity must be one of error, warning, information, hint/],
    [['check', '--severity'], /--severity needs a value/],
    [['check', '--format', 'xml'], /--format must be one of text, sarif, json/],
    [['check', 'no/such/dir'], /no such file or directory: no\/such\/dir/],
    [['check', '--set', 'NOPE'], /--set needs NAME=VALUE/],
    [['check', '--set', 'METAFLOW_DATASTORE_SYSROOT_S3=x'], /not a configuration value @secrets reads/],
    [['check', '--timeout', '-1'], /--timeout must be a number of seconds from 0\.1 to 300/],
    // setTimeout overflows past 2^31 ms: every call would time out at once.
    [['check', '--timeout', '2147484'], /--timeout must be a number of seconds from 0\.1 to 300/],
    [['check', '--offline=yes'], /--offline takes no value/],
    [['check', '--backend-config', 'missing.json'], /--backend-config: cannot read missing.json/],
    [['check', '--backend-config', 'clean.py'], /--backend-config: clean.py is not valid JSON/],
    [['check', '--backend-config', 'bad-settings.json'], /--backend-config: aws\.endpoint must be an http\(s\) URL/],
    [['check', '--leak-severity', 'loud'], /--leak-severity must be one of error, warning, information, hint, off/],
  ];
  for (const [args, message] of cases) {
    let stdout = '';
    let stderr = '';
    const code = await runInProcess(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: cleanEnv() });
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message, args.join(' '));
    assert.equal(stdout, '', args.join(' '));
  }
});

test('--help and --version', async () => {
  const dir = tempDir();
  const help = await runCli(['--help'], { cwd: dir });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: metaflow-secrets check \[options\] \[paths\.\.\.\]/);
  assert.match(help.stdout, /Exit codes: 0 .* 1 .* 2 usage error/s);
  const checkHelp = await runCli(['check', '-h'], { cwd: dir });
  assert.equal(checkHelp.code, 0);
  const version = await runCli(['--version'], { cwd: dir });
  assert.equal(version.code, 0);
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  assert.equal(version.stdout.trim(), pkg.version);
});

test('.gitignore is honoured at every level; .git, .venv, node_modules and any virtualenv are skipped', async () => {
  const dir = makeTree({
    '.gitignore': 'generated/\n*_scratch.py\n',
    'flows/bad.py': BAD,
    'flows/.gitignore': 'local_only.py\n',
    'flows/local_only.py': BAD,
    'flows/try_scratch.py': BAD,
    'generated/bad.py': BAD,
    '.venv/lib/bad.py': BAD,
    'node_modules/pkg/bad.py': BAD,
    'env3/pyvenv.cfg': 'home = /usr/bin\n',
    'env3/lib/bad.py': BAD,
    '.git/hooks/bad.py': BAD,
    'sub/notpython.txt': BAD,
  });
  const r = await runCli(['check', '--offline'], { cwd: dir });
  assert.deepEqual([...new Set(lines(r.stdout).map((l) => l.split(':')[0]))], ['flows/bad.py']);

  // Checking a subdirectory still applies the .gitignore files above it, up to the repository root.
  const sub = await runCli(['check', '--offline', '.'], { cwd: path.join(dir, 'flows') });
  assert.deepEqual([...new Set(lines(sub.stdout).map((l) => l.split(':')[0]))], ['bad.py']);

  // A file named explicitly is checked whatever its name or ignore status.
  const explicit = await runCli(['check', '--offline', 'generated/bad.py', 'sub/notpython.txt'], { cwd: dir });
  assert.deepEqual([...new Set(lines(explicit.stdout).map((l) => l.split(':')[0]))], ['generated/bad.py', 'sub/notpython.txt']);
});

test('.gitignore in a git repository above the checked directory applies', async () => {
  const dir = makeTree({ '.git/HEAD': 'ref: refs/heads/main\n', '.gitignore': 'skipped/\n', 'proj/skipped/bad.py': BAD, 'proj/kept/bad.py': BAD });
  const r = await runCli(['check', '--offline', 'proj'], { cwd: dir });
  assert.deepEqual([...new Set(lines(r.stdout).map((l) => l.split(':')[0]))], ['proj/kept/bad.py']);
});

test("reads Metaflow's configuration like Metaflow: environment, nearest .metaflow/config.json, $METAFLOW_HOME; --set wins", async () => {
  const expectMfs005 = async (cwd: string, args: string[], env: Record<string, string>, present: boolean, why: string) => {
    const r = await runCli(['check', '--offline', ...args], { cwd, env });
    assert.equal(r.stdout.includes('MFS005'), present, `${why}\n${r.stdout}${r.stderr}`);
  };
  const dir = makeTree({
    'a/flow.py': UNTYPED,
    'b/flow.py': UNTYPED,
    'a/.metaflow/config.json': '{"METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "aws-secrets-manager"}',
  });
  await expectMfs005(dir, ['b/flow.py'], cleanEnv(), true, 'nothing configured');
  await expectMfs005(dir, ['a/flow.py'], cleanEnv(), false, 'a/.metaflow/config.json, found walking up from the flow file');
  await expectMfs005(dir, ['b/flow.py'], cleanEnv({ METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' }), false, 'environment');
  await expectMfs005(dir, ['b/flow.py', '--set', 'DEFAULT_SECRETS_BACKEND_TYPE=aws-secrets-manager'], cleanEnv(), false, '--set short name');
  await expectMfs005(dir, ['b/flow.py', '--set=METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE=aws-secrets-manager'], cleanEnv(), false, '--set full name');

  const home = makeTree({ 'config_dev.json': '{"METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "aws-secrets-manager"}' });
  await expectMfs005(dir, ['b/flow.py'], cleanEnv({ METAFLOW_HOME: home, METAFLOW_PROFILE: 'dev' }), false, '$METAFLOW_HOME/config_<profile>.json');
  await expectMfs005(dir, ['b/flow.py'], cleanEnv({ METAFLOW_HOME: home }), true, 'config.json absent without the profile');

  // --set beats the configuration file: an unknown default type is reported with Metaflow's message.
  const r = await runCli(['check', '--offline', 'a/flow.py', '--set', 'DEFAULT_SECRETS_BACKEND_TYPE=vault'], { cwd: dir });
  assert.match(
    r.stdout,
    /a\/flow\.py:6:23: error MFS004 Unknown secrets backend type vault \(available types: aws-secrets-manager, gcp-secret-manager, az-key-vault\)/,
  );

  // A broken configuration file is named on stderr, not silently ignored.
  fs.writeFileSync(path.join(dir, 'a', '.metaflow', 'config.json'), '{not json');
  const broken = await runCli(['check', '--offline', 'a/flow.py'], { cwd: dir });
  assert.match(broken.stderr, /warning: .*config\.json is not valid JSON/);
});

test('--backend-type accepts a type registered by a Metaflow extension', async () => {
  const dir = makeTree({
    'flow.py': flowFile(
      'ExtFlow',
      `    @secrets(sources=["outerbounds.db-creds"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
    ),
  });
  // Without knowing the user's Metaflow, the Outerbounds type is assumed (Information, exit 0).
  const without = await runCli(['check', '--offline'], { cwd: dir });
  assert.match(without.stdout, /MFS024 'outerbounds' is a secrets backend type of the Outerbounds platform/);
  assert.doesNotMatch(without.stdout, /MFS004/);
  assert.equal(without.code, 0);
  const withType = await runCli(['check', '--offline', '--backend-type', 'outerbounds'], { cwd: dir });
  assert.doesNotMatch(withType.stdout, /MFS004|MFS024/);
});

test('constants imported from sibling modules are followed, as in the editor', async () => {
  const dir = makeTree({
    'common/__init__.py': '',
    'common/sources.py': 'DB_SOURCES = ["prod/db.creds"]\n',
    'flows/flow.py': flowFile(
      'ImportFlow',
      `    @secrets(sources=DB_SOURCES)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
      'import os\nfrom metaflow import FlowSpec, step, secrets\nfrom common.sources import DB_SOURCES\n',
    ),
  });
  // `common` is found from the working directory (a root, like a workspace folder), not from flows/.
  const r = await runCli(['check', '--offline', 'flows'], { cwd: dir });
  assert.match(r.stdout, /^flows\/flow\.py:\d+:\d+: error MFS004 Unknown secrets backend type prod\/db /m, r.stdout + r.stderr);
});

test('--output writes the report to a file; --format json gives 1-based positions and leak paths', async () => {
  const dir = makeTree({ 'leaky.py': LEAKY });
  const r = await runCli(['check', '--offline', '--format', 'json', '--output', 'out/report.json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'report.json'), 'utf8'));
  assert.equal(report.tool, 'metaflow-secrets');
  const leak = report.findings.find((f: { code: string }) => f.code === 'MFS050');
  assert.ok(leak, JSON.stringify(report));
  assert.equal(leak.file, 'leaky.py');
  assert.equal(leak.line, 10);
  assert.equal(leak.column, 15, 'the value printed: `pw` in print(pw)');
  assert.equal(leak.severity, 'warning');
  assert.equal(leak.rule, 'secret-in-log');
  assert.ok(leak.related.length >= 1, 'the path from the secret to the print');
  assert.equal(leak.related[0].line, 9, 'the path starts where the secret is read');

  // A file cannot be a directory: the report cannot be written, which is the caller's mistake.
  const bad = await runCli(['check', '--offline', '--output', 'leaky.py/report.json'], { cwd: dir });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /cannot write leaky\.py\/report\.json/);
});

test('progress is not written when stderr is not a terminal', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++) files[`f${i}.py`] = cleanFlow(`Flow${i}`);
  const dir = makeTree(files);
  const r = await runCli(['check', '--offline'], { cwd: dir });
  assert.equal(r.code, 0);
  assert.deepEqual(lines(r.stderr), ['metaflow-secrets: no findings in 300 checked file(s) (offline)']);
  assert.ok(!r.stderr.includes('\r') && !r.stderr.includes('\u001b'), 'no carriage return or escape sequence when stderr is not a terminal');
});

test('progress is drawn in place on a terminal (stderr a TTY), unless --no-progress', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++) files[`f${i}.py`] = cleanFlow(`Flow${i}`);
  const dir = makeTree(files);
  // util-linux `script` gives the command a pseudo-terminal; the report itself goes to /dev/null.
  const onTty = (extra: string) =>
    execFileSync('script', ['-qec', `"${process.execPath}" "${CLI}" check --offline ${extra} >/dev/null`, '/dev/null'], {
      cwd: dir,
      env: cleanEnv(),
      encoding: 'utf8',
    });
  const shown = onTty('');
  assert.match(shown.split('\r\u001b[2K').slice(1).join('\n'), /^metaflow-secrets: checked \d+\/300 files/m, 'progress lines are drawn over each other');
  assert.match(shown, /no findings in 300 checked file\(s\)/);
  const hidden = onTty('--no-progress');
  assert.doesNotMatch(hidden, /checked \d+\/300 files/);
  assert.match(hidden, /no findings in 300 checked file\(s\)/);
});

test('binary and unreadable files do not stop the run', async () => {
  const dir = makeTree({ 'bad.py': BAD, 'blob.py': 'metaflow\0\0\0binary' });
  const r = await runCli(['check', '--offline', '.', 'blob.py'], { cwd: dir });
  assert.equal(r.code, 1);
  // The binary file named on the command line is a finding on it, never a silent pass.
  assert.match(r.stdout, /blob\.py:1:1: warning MFS091 .*binary content/);
  assert.deepEqual([...new Set(lines(r.stdout).map((l) => l.split(':')[0]))], ['bad.py', 'blob.py']);
});

test('--offline (the README CI recipe) finds leaks whose @secrets keys only the backend knows', async () => {
  // A JSON secret: offline its keys are unknown, so HF_TOKEN is an assumed secret (MFS055), not silence.
  const src = [
    'import os',
    'from metaflow import FlowSpec, step, secrets, environment',
    '',
    'class HfFlow(FlowSpec):',
    '    @environment(vars={"WANDB_API_KEY": os.getenv("WANDB_API_KEY")})',
    '    @secrets(sources=["aws-secrets-manager.huggingface"])',
    '    @step',
    '    def start(self):',
    '        hf_token = os.environ["HF_TOKEN"]',
    '        print(hf_token)',
    '        self.cmd = ["huggingface-cli", "login", "--token", hf_token]',
    '        print(os.environ["WANDB_API_KEY"], os.environ["HOME"])',
    '        self.next(self.end)',
    '',
    '    @step',
    '    def end(self):',
    '        print(dict(os.environ))',
    '',
  ].join('\n');
  const dir = makeTree({ 'hf.py': src });
  const r = await runCli(['check', '--offline', '--format', 'sarif', 'hf.py'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(r.stdout).runs[0].results as {
    ruleId: string;
    level: string;
    message: { text: string };
    locations: { physicalLocation: { region: { startLine: number } } }[];
  }[];
  const got = results.map((x) => `${x.locations[0].physicalLocation.region.startLine}:${x.ruleId}:${x.level}`).sort();
  assert.deepEqual(got, ['10:MFS055:note', '11:MFS055:note', '12:MFS056:note', '17:MFS057:note', '5:MFS058:warning'].sort());
  const printed = results.find((x) => x.locations[0].physicalLocation.region.startLine === 10)!;
  assert.match(
    printed.message.text,
    /^`HF_TOKEN` \(via `hf_token`\) is probably provided by @secrets source 'huggingface' of step `start` \(its keys are not known offline/,
  );
});
