import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowFile, heads, makeTree, runCli } from './cliHarness';

// --non-secret-keys: the editor's metaflowSecrets.nonSecretKeys on the command line.

const CANARY = 'canary-nsk-Hq81vZ';
const INLINE = `{"type": "inline", "id": "db", "options": {"env_vars": {"DB_USER": "admin", "DB_PASSWORD": "${CANARY}", "DB_HOST": "db.internal"}}}`;

const FLOW = flowFile(
  'DbFlow',
  `    @secrets(sources=[${INLINE}])  # noqa: MFS018, MFS058
    @step
    def start(self):
        print(os.environ["DB_USER"])
        print(os.environ["DB_PASSWORD"])
        print(os.environ["DB_HOST"])
        self.next(self.end)

    @secrets(sources=["aws-secrets-manager.db-credentials"])
    @step
    def end(self):
        print("user", os.environ["DB_USER"])
        print("owner", os.environ["DB_OWNER"])
`,
);

test('declared keys are no leak, known keys and unknown (offline) keys alike', async () => {
  const dir = makeTree({ 'flow.py': FLOW });
  const all = await runCli(['check', '--offline', '--severity', 'hint'], { cwd: dir });
  assert.deepEqual(heads(all.stdout), [
    'flow.py:9:15: warning MFS050',
    'flow.py:10:15: warning MFS050',
    'flow.py:11:15: warning MFS050',
    'flow.py:17:23: information MFS055',
    'flow.py:18:24: information MFS055',
  ]);
  const some = await runCli(['check', '--offline', '--severity', 'hint', '--non-secret-keys', 'DB_USER,*_HOST', '--non-secret-keys=*_OWNER'], { cwd: dir });
  assert.equal(some.code, 1, some.stderr);
  assert.deepEqual(heads(some.stdout), ['flow.py:10:15: warning MFS050']);
  // A wildcard leaves a credential-looking key secret.
  const broad = await runCli(['check', '--offline', '--severity', 'hint', '--non-secret-keys', 'DB_*'], { cwd: dir });
  assert.deepEqual(heads(broad.stdout), ['flow.py:10:15: warning MFS050']);
  for (const r of [all, some, broad]) assert.doesNotMatch(r.stdout + r.stderr, new RegExp(CANARY));
});

test('a pattern that is not a key name is a usage error; --help documents the option', async () => {
  const dir = makeTree({ 'flow.py': FLOW });
  const bad = await runCli(['check', '--offline', '--non-secret-keys', 'DB_USER,db-host'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--non-secret-keys: 'db-host' is not a key name or pattern/);
  const all = await runCli(['check', '--offline', '--non-secret-keys', '*'], { cwd: dir });
  assert.equal(all.code, 2);
  assert.match(all.stderr, /'\*' would make every key non-secret/);
  const help = await runCli(['--help'], { cwd: dir });
  assert.match(help.stdout, /--non-secret-keys <keys> comma-separated key names or patterns/);
});
