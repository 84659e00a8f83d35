import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeMetaflow, parseProbeAnswer, ProbeOutcome, runMetaflowProbe } from '../../server/src/probe/metaflowProbe';
import { SECRETS_CONFIG_NAMES } from '../../server/src/core/metaflowConfig';
import { MetaflowProbeCache } from '../../server/src/probe/probeCache';
import { CANARY_SITE, fakeInterpreter, pythonWithoutMetaflow, venvPython } from '../support/interpreters';

// The probe run in real interpreters: open-source Metaflow, the Outerbounds distribution, and
// the ways it can fail. Nothing here mocks Python.

let dir: string;
let env: Record<string, string | undefined>;

function cleanProbeEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const e: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('METAFLOW_') && k !== 'PYTHONPATH') e[k] = v;
  return { ...e, METAFLOW_HOME: path.join(dir, 'home'), ...extra };
}

const ok = (o: ProbeOutcome) => {
  assert.ok(o.ok, `probe failed: ${!o.ok && o.reason}`);
  return o.metaflow;
};

before(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-probe-')));
  fs.mkdirSync(path.join(dir, 'home'));
  env = cleanProbeEnv();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the Metaflow probe in real interpreters', () => {
  test('open-source Metaflow: its four types, its version and distribution', async () => {
    const m = ok(await runMetaflowProbe(venvPython('.venv'), { cwd: dir, env }));
    assert.equal(m.version, '2.19.39');
    assert.equal(m.distribution, 'metaflow');
    assert.deepEqual(m.types, ['aws-secrets-manager', 'az-key-vault', 'gcp-secret-manager', 'inline']);
    assert.deepEqual(m.config, {});
    assert.equal(describeMetaflow(m), 'Metaflow 2.19.39 (metaflow) · backends: aws-secrets-manager, az-key-vault, gcp-secret-manager');
  });

  test('ob-metaflow with ob-metaflow-extensions registers outerbounds', async () => {
    const m = ok(await runMetaflowProbe(venvPython('.venv-ob'), { cwd: dir, env }));
    assert.equal(m.version, '2.19.39.1');
    assert.equal(m.distribution, 'ob-metaflow');
    assert.ok(m.types.includes('outerbounds'), m.types.join(', '));
    assert.match(m.modules.outerbounds, /^metaflow_extensions\.outerbounds\./);
  });

  test('configuration as Metaflow computes it: environment over the local .metaflow/config.json over the profile file', async () => {
    const project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, '.metaflow'), { recursive: true });
    fs.writeFileSync(
      path.join(project, '.metaflow', 'config.json'),
      JSON.stringify({ METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'az-key-vault', METAFLOW_AZURE_KEY_VAULT_PREFIX: 'https://local.vault.azure.net/' }),
    );
    fs.writeFileSync(
      path.join(dir, 'home', 'config_team.json'),
      JSON.stringify({ METAFLOW_DEFAULT_SECRETS_ROLE: 'arn:aws:iam::1:role/team', METAFLOW_AZURE_KEY_VAULT_PREFIX: 'https://global.vault.azure.net/' }),
    );
    const m = ok(
      await runMetaflowProbe(venvPython('.venv'), {
        cwd: path.join(project),
        env: cleanProbeEnv({ METAFLOW_PROFILE: 'team', METAFLOW_GCP_SECRET_MANAGER_PREFIX: '', METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION: 'eu-west-1' }),
      }),
    );
    assert.deepEqual(m.config, {
      DEFAULT_SECRETS_BACKEND_TYPE: 'az-key-vault',
      DEFAULT_SECRETS_ROLE: 'arn:aws:iam::1:role/team',
      AWS_SECRETS_MANAGER_DEFAULT_REGION: 'eu-west-1',
      AZURE_KEY_VAULT_PREFIX: 'https://local.vault.azure.net/',
      // An empty variable still counts as set.
      GCP_SECRET_MANAGER_PREFIX: '',
    });
  });

  test('Outerbounds: the configuration the platform serves (OBP_METAFLOW_CONFIG_URL) is what the probe reports', async () => {
    // ob-metaflow-extensions replaces Metaflow's config loading: a config file naming
    // OBP_METAFLOW_CONFIG_URL makes `import metaflow` fetch the real configuration from there.
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      asked.push(`${req.url} ${req.headers['x-api-key']}`);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ config: { METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'outerbounds' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const home = path.join(dir, 'ob-home');
      fs.mkdirSync(home);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/config`;
      fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ OBP_METAFLOW_CONFIG_URL: url, METAFLOW_SERVICE_AUTH_KEY: 'test-key' }));
      const m = ok(await runMetaflowProbe(venvPython('.venv-ob'), { cwd: dir, env: cleanProbeEnv({ METAFLOW_HOME: home }) }));
      assert.equal(m.config.DEFAULT_SECRETS_BACKEND_TYPE, 'outerbounds');
      assert.deepEqual(asked, ['/config test-key']);
    } finally {
      server.close();
    }
  });

  test('never constructs a provider or asks for a secret (a recording extension on PYTHONPATH)', async () => {
    const record = path.join(dir, 'canary-record');
    const canaryEnv = cleanProbeEnv({ PYTHONPATH: CANARY_SITE, PROBE_CANARY_RECORD: record });
    const m = ok(await runMetaflowProbe(venvPython('.venv'), { cwd: dir, env: canaryEnv }));
    assert.ok(m.types.includes('probe-canary'), 'the probe sees types that extensions on PYTHONPATH register');
    // The canary extension also prints to stdout (print and the raw fd) while Metaflow loads it: the answer is still clean.
    assert.equal(fs.existsSync(record), false, 'the probe constructed a provider or asked for a secret');
    // The canary is live: Metaflow's own get_secret constructs the provider and asks it.
    await promisify(execFile)(venvPython('.venv'), ['-B', '-c', 'from metaflow.plugins.secrets import get_secret; get_secret("probe-canary.x")'], {
      cwd: dir,
      env: canaryEnv,
    });
    assert.deepEqual(fs.readFileSync(record, 'utf8').trim().split('\n'), ['constructed', 'get_secret_as_dict x']);
  });
});

describe('the probe fails into the static model, saying why', () => {
  test('missing interpreter', async () => {
    const o = await runMetaflowProbe(path.join(dir, 'no-such-python'), { cwd: dir, env });
    assert.deepEqual(o, { ok: false, reason: `interpreter ${path.join(dir, 'no-such-python')} not found` });
  });

  test('interpreter without Metaflow', async () => {
    const py = pythonWithoutMetaflow();
    const o = await runMetaflowProbe(py, { cwd: dir, env });
    assert.deepEqual(o, { ok: false, reason: `no Metaflow in ${py} (ModuleNotFoundError: No module named 'metaflow')` });
  });

  test('a hanging interpreter is killed at the timeout', async () => {
    const hang = fakeInterpreter(dir, 'hanging-python', 'exec sleep 30');
    const started = Date.now();
    const o = await runMetaflowProbe(hang, { cwd: dir, env, timeoutMs: 700 });
    assert.deepEqual(o, { ok: false, reason: `${hang} did not answer within 0.7 s` });
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  test('an interpreter that crashes', async () => {
    const crash = fakeInterpreter(dir, 'crashing-python', 'exit 7');
    assert.deepEqual(await runMetaflowProbe(crash, { cwd: dir, env }), { ok: false, reason: `${crash} exited with code 7 without an answer` });
  });

  test('answers that are not the probe format are refused, not guessed', () => {
    const good = {
      probe: 1,
      python: '3.11',
      executable: '/p',
      metaflow: { version: '2.19.39', distribution: 'metaflow', location: '/x' },
      providers: [{ type: 'inline', module: 'm' }],
      config: Object.fromEntries(SECRETS_CONFIG_NAMES.map((n) => [n, null])),
      paths: [],
    };
    assert.equal(parseProbeAnswer(JSON.stringify(good), 'py').ok, true);
    for (const [what, v] of [
      ['format 2', { ...good, probe: 2 }],
      ['providers', { ...good, providers: [] }],
      ['provider', { ...good, providers: [{ type: 5, module: 'm' }] }],
      ['config DEFAULT_SECRETS_ROLE', { ...good, config: { ...good.config, DEFAULT_SECRETS_ROLE: 5 } }],
      ['metaflow', { ...good, metaflow: { version: 2 } }],
    ] as const) {
      assert.deepEqual(parseProbeAnswer(JSON.stringify(v), 'py'), { ok: false, reason: `py gave an invalid answer (${what})` });
    }
    assert.equal(parseProbeAnswer('[1]', 'py').ok, false);
    assert.equal(parseProbeAnswer('', 'py').ok, false);
  });
});

describe('the probe cache', () => {
  test('one probe per interpreter and configuration; asked again when a config file changes; never when not allowed', async () => {
    let allowed = false;
    const settled: string[] = [];
    const cache = new MetaflowProbeCache({ env, allowed: () => allowed, recheckMs: 0, onSettled: (py, o) => settled.push(`${py} ${o.ok}`) });
    const py = venvPython('.venv');
    const cfg = path.join(dir, 'home', 'config.json');
    assert.equal(cache.peek(py, dir, [cfg]), undefined);
    assert.equal(cache.started, 0, 'a probe started although not allowed');
    allowed = true;
    assert.equal(cache.peek(py, dir, [cfg]), undefined, 'peek never waits');
    const first = await cache.get(py, dir, [cfg]);
    assert.equal(first.ok, true);
    assert.equal(cache.started, 1);
    assert.equal(cache.peek(py, dir, [cfg]), first);
    assert.equal(cache.started, 1, 'an unchanged interpreter is not asked again');
    fs.writeFileSync(cfg, JSON.stringify({ METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'gcp-secret-manager' }));
    assert.equal(cache.peek(py, dir, [cfg]), first, 'the old answer is kept while the new probe runs');
    const second = await cache.get(py, dir, [cfg]);
    assert.equal(cache.started, 2);
    assert.ok(second.ok && second.metaflow.config.DEFAULT_SECRETS_BACKEND_TYPE === 'gcp-secret-manager');
    assert.deepEqual(settled, [`${py} true`, `${py} true`]);
    fs.rmSync(cfg);
  });
});
