import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as path from 'node:path';
import { cleanEnv, heads, makeTree, repoRoot, runCli } from './cliHarness';
import { fakeInterpreter, pythonWithoutMetaflow, venvPython, OUTERBOUNDS_FLOW } from '../support/interpreters';

// `--python PATH` asks that interpreter which Metaflow runs the flows, as the editor does.

const FLOW = OUTERBOUNDS_FLOW;
// No type: the default type the user's Metaflow is configured with decides.
const UNTYPED = FLOW.replace('"outerbounds.my-secret"', '"my-secret"');

const sortedTypes = (m: string) => m.replace(/\(available types: ([^)]*)\)/, (_, l: string) => `(available types: ${l.split(', ').sort().join(', ')})`);

test('--python: the same outerbounds source is an Error with open-source Metaflow and clean with ob-metaflow', async () => {
  const cwd = makeTree({ 'ob_flow.py': FLOW });
  const oss = await runCli(['check', '--offline', '--python', venvPython('.venv'), 'ob_flow.py'], { cwd });
  assert.equal(oss.code, 1, oss.stderr);
  assert.deepEqual(heads(oss.stdout), ['ob_flow.py:5:23: error MFS004']);
  assert.match(
    sortedTypes(oss.stdout),
    /Unknown secrets backend type outerbounds \(available types: aws-secrets-manager, az-key-vault, gcp-secret-manager\)\. Your Metaflow \(metaflow 2\.19\.39\) does not register 'outerbounds'/,
  );
  assert.match(
    oss.stderr,
    /^metaflow-secrets: Metaflow 2\.19\.39 \(metaflow\) · backends: aws-secrets-manager, az-key-vault, gcp-secret-manager \(from .*\.venv\/bin\/python\)$/m,
  );

  const ob = await runCli(['check', '--offline', '--severity', 'information', '--python', venvPython('.venv-ob'), 'ob_flow.py'], { cwd });
  assert.equal(ob.code, 0, ob.stdout + ob.stderr);
  assert.equal(ob.stdout, '', 'no Error and no MFS024 assumption');
  assert.match(
    ob.stderr,
    /^metaflow-secrets: Metaflow 2\.19\.39\.1 \(ob-metaflow\) · backends: aws-secrets-manager, az-key-vault, gcp-secret-manager, outerbounds /m,
  );

  // Without --python: today's static model, the assumption said out loud.
  const none = await runCli(['check', '--offline', '--severity', 'information', 'ob_flow.py'], { cwd });
  assert.deepEqual(heads(none.stdout), ['ob_flow.py:5:23: information MFS024']);
});

test('--python: configuration comes from that Metaflow, and --set still wins', async () => {
  const cwd = makeTree({ 'flow.py': UNTYPED });
  const env = cleanEnv({ METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'outerbounds' });
  // The default type is outerbounds: the static model assumes it, each probed Metaflow decides.
  const staticRun = await runCli(['check', '--offline', 'flow.py'], { cwd, env });
  assert.deepEqual(heads(staticRun.stdout), ['flow.py:5:23: information MFS024']);
  const oss = await runCli(['check', '--offline', '--python', venvPython('.venv'), 'flow.py'], { cwd, env });
  assert.deepEqual(heads(oss.stdout), ['flow.py:5:23: error MFS004']);
  const ob = await runCli(['check', '--offline', '--severity', 'information', '--python', venvPython('.venv-ob'), 'flow.py'], { cwd, env });
  assert.equal(ob.stdout, '');
  const set = await runCli(['check', '--offline', '--python', venvPython('.venv-ob'), '--set', 'DEFAULT_SECRETS_BACKEND_TYPE=vault', 'flow.py'], { cwd, env });
  assert.deepEqual(heads(set.stdout), ['flow.py:5:23: error MFS004']);
  assert.match(set.stdout, /Unknown secrets backend type vault/);
});

for (const [name, python, reason, ms] of [
  ['a missing interpreter', () => '/nonexistent/python3', /interpreter \/nonexistent\/python3 not found/, 60_000],
  ['an interpreter without Metaflow', () => pythonWithoutMetaflow(), /no Metaflow in .* \(ModuleNotFoundError: No module named 'metaflow'\)/, 60_000],
  ['a hanging interpreter', () => fakeInterpreter(makeTree({}), 'hanging-python', 'exec sleep 60'), /hanging-python did not answer within 15 s/, 60_000],
] as const) {
  test(`--python with ${name}: the static model and a warning saying why`, { timeout: ms }, async () => {
    const cwd = makeTree({ 'ob_flow.py': FLOW });
    const r = await runCli(['check', '--offline', '--severity', 'information', '--python', python(), 'ob_flow.py'], { cwd, timeoutMs: ms });
    assert.deepEqual(heads(r.stdout), ['ob_flow.py:5:23: information MFS024']);
    const warning = r.stderr.split('\n').find((l) => l.startsWith('metaflow-secrets: warning: --python '));
    assert.ok(warning, r.stderr);
    assert.match(warning, reason);
    assert.match(warning, /; checking against open-source Metaflow's backend types and the config files instead$/);
  });
}

test('--help documents --python', async () => {
  const r = await runCli(['--help'], { cwd: makeTree({}) });
  assert.match(r.stdout, /--python <path> +the Python interpreter that runs the flows/);
});

test('the bundled CLI (dist/) finds the probe next to it', async () => {
  const cwd = makeTree({ 'ob_flow.py': FLOW });
  const r = await runCli(['check', '--offline', '--python', venvPython('.venv-ob'), 'ob_flow.py'], { cwd, cli: path.join(repoRoot(), 'dist', 'cli.js') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Metaflow 2\.19\.39\.1 \(ob-metaflow\)/);
});
