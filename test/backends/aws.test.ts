import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { Plain, SourceSpec } from '../../server/src/core/sourceSpec';
import { Resolution, SecretResolver, backendSettings, resolutionFindings, BackendSettings } from '../../server/src/backends';
import { awsError, FaultProxy, repoRoot, RunningEmulator, startMoto } from '../support/emulators';
import { assertNoCanary, CapturingLogger, makeSpec, withEnv, isolatedAwsEnv } from './helpers';

// AWS Secrets Manager through the real SDK against moto_server, with a counting/fault proxy in
// front for denied, expired, throttled, failing and hanging answers.

const CANARIES = new Set<string>();
const canary = (s: string) => (CANARIES.add(s), s);
const logger = new CapturingLogger();
const reported: string[] = [];
let moto: RunningEmulator;
let proxy: FaultProxy;
let proxyUrl: string;
let arnEu = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-aws-'));
const noFile = path.join(tmp, 'absent');

const BASE_ENV = isolatedAwsEnv(noFile);
withEnv(BASE_ENV);

const DB_CREDS_TEXT = `{"DB_USER": "${canary('canary-user-7f3a91')}", "DB_PASSWORD": "${canary('canary-pw-Zx81!q')}", "port": 5432, "ssl": true, "opt": null, "ratio": 1.0, "big": 1e16, "nested": {"a": 1, "b": [1, "x", false]}, "dash-key.with/slash": "${canary('canary-dash-55ab12')}"}`;
const PLAIN = canary('canary-plain-9931ab');
const BINARY = Buffer.from([0, 1, 2, 250, 251, 252, ...Buffer.from(canary('canary-binary-77aa01'))]);
CANARIES.add(BINARY.toString('base64'));

function settings(extra: Partial<BackendSettings['aws']> = {}, top: Partial<BackendSettings> = {}): BackendSettings {
  return backendSettings({ timeoutMs: 5000, ...top, aws: { endpoint: proxyUrl, region: 'us-east-1', maxAttempts: 1, ...extra } });
}

function newResolver(s: BackendSettings = settings(), now?: () => number): SecretResolver {
  return new SecretResolver({ settings: s, logger, now });
}

async function resolveOnce(spec: SourceSpec, s: BackendSettings = settings(), config = fixedConfig({})): Promise<Resolution> {
  const r = newResolver(s);
  try {
    const res = await r.resolve(spec, config);
    reported.push(JSON.stringify({ ...res, vars: undefined }), ...resolutionFindings(spec, res).map((f) => f.message));
    return res;
  } finally {
    r.dispose();
  }
}

type OracleAnswer = { ok: boolean; vars?: Array<[string, string]>; msg?: string; invalid?: string };

/** Metaflow's own AwsSecretsManagerSecretsProvider, run in the project's .venv against moto. */
function metaflowProvider(cases: Array<{ id: string; options?: { [k: string]: Plain } }>, withCredentials = true): OracleAnswer[] {
  const root = repoRoot();
  const home = fs.mkdtempSync(path.join(tmp, 'mfhome-'));
  const out = execFileSync(path.join(root, '.venv', 'bin', 'python'), [path.join(root, 'test', 'backends', 'oracles', 'metaflow_aws_oracle.py')], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      METAFLOW_HOME: home,
      ...(withCredentials ? { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } : {}),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: noFile,
      AWS_SHARED_CREDENTIALS_FILE: noFile,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
      METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION: 'us-east-1',
    },
  });
  return JSON.parse(out) as OracleAnswer[];
}

function vars(res: Resolution): Array<[string, string]> {
  assert.equal(res.ok, true, res.ok ? '' : `${res.kind}: ${res.message}`);
  return res.ok ? [...res.vars.entries()] : [];
}

before(async () => {
  moto = await startMoto();
  proxy = new FaultProxy(moto.url);
  proxyUrl = await proxy.start();
  const seed = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.url });
  const put = (Name: string, body: { SecretString?: string; SecretBinary?: Uint8Array }) => seed.send(new CreateSecretCommand({ Name, ...body }));
  await put('db-creds', { SecretString: DB_CREDS_TEXT });
  await put('prod/db-creds', { SecretString: PLAIN });
  await put('bin-secret', { SecretBinary: BINARY });
  await put('dup-keys', { SecretString: `{"a-b": "${canary('canary-dup1-aaaa')}", "a_b": "${canary('canary-dup2-bbbb')}"}` });
  await put('not-json', { SecretString: canary('canary-notjson-1234') });
  await put('json-list', { SecretString: `["${canary('canary-list-5678')}"]` });
  await put('bad-names', {
    SecretString: `{"METAFLOW_X": "${canary('canary-mf-0001')}", "9lives": "${canary('canary-9l-0002')}", "ok": "${canary('canary-ok-0003')}"}`,
  });
  for (let i = 0; i < 3; i++) await put(`multi-${i}`, { SecretString: `{"K${i}": "${canary(`canary-multi-${i}-xyz`)}"}` });
  const eu = new SecretsManagerClient({ region: 'eu-west-1', endpoint: moto.url });
  arnEu = (await eu.send(new CreateSecretCommand({ Name: 'eu-secret', SecretString: `{"EU": "${canary('canary-eu-4444')}"}` }))).ARN!;
  seed.destroy();
  eu.destroy();
});

after(async () => {
  await proxy?.stop();
  await moto?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('JSON secrets map to str() of each value, sanitised names, in order', async () => {
  const res = await resolveOnce(makeSpec('aws-secrets-manager', 'db-creds'));
  assert.deepEqual(vars(res), [
    ['DB_USER', 'canary-user-7f3a91'],
    ['DB_PASSWORD', 'canary-pw-Zx81!q'],
    ['port', '5432'],
    ['ssl', 'True'],
    ['opt', 'None'],
    ['ratio', '1.0'],
    ['big', '1e+16'],
    ['nested', "{'a': 1, 'b': [1, 'x', False]}"],
    ['dash_key_with_slash', 'canary-dash-55ab12'],
  ]);
  assert.ok(res.ok && res.meta.resolvedId.startsWith('arn:aws:secretsmanager:us-east-1:'));
  assert.ok(res.ok && res.meta.region === 'us-east-1');
});

test('json: false uses the sanitised secret name or env_var_name; binary is base64', async () => {
  assert.deepEqual(vars(await resolveOnce(makeSpec('aws-secrets-manager', 'prod/db-creds', { json: false }))), [['prod_db_creds', PLAIN]]);
  assert.deepEqual(vars(await resolveOnce(makeSpec('aws-secrets-manager', 'prod/db-creds', { json: false, env_var_name: 'MY-VAR' }))), [['MY_VAR', PLAIN]]);
  // Python truthiness: json=0 is false, env_var_name="" falls back to the name.
  assert.deepEqual(vars(await resolveOnce(makeSpec('aws-secrets-manager', 'prod/db-creds', { json: 0, env_var_name: '' }))), [['prod_db_creds', PLAIN]]);
  assert.deepEqual(vars(await resolveOnce(makeSpec('aws-secrets-manager', 'bin-secret'))), [['bin_secret', BINARY.toString('base64')]]);
});

test("content errors carry Metaflow's messages", async () => {
  const dup = await resolveOnce(makeSpec('aws-secrets-manager', 'dup-keys'));
  assert.ok(!dup.ok && dup.kind === 'duplicate-key');
  assert.equal(!dup.ok && dup.message, "Failed to retrieve secret 'dup-keys': Duplicate key in secret: 'a_b' (sanitizes to 'a_b')");
  const notJson = await resolveOnce(makeSpec('aws-secrets-manager', 'not-json'));
  assert.equal(!notJson.ok && notJson.message, "Failed to retrieve secret 'not-json': Secret string could not be parsed as JSON");
  const list = await resolveOnce(makeSpec('aws-secrets-manager', 'json-list'));
  assert.equal(
    !list.ok && list.message,
    "Failed to retrieve secret 'json-list': Secret string is a JSON, but not an object (dict-like) - actual type <class 'list'>.",
  );
  const spec = makeSpec('aws-secrets-manager', 'bad-names');
  const names = await resolveOnce(spec);
  assert.deepEqual(
    resolutionFindings(spec, names).map((f) => [f.code, f.message]),
    [
      ['MFS037', "Found disallowed env var name 'METAFLOW_X' (starts with 'METAFLOW_')."],
      ['MFS036', "Found invalid env var name '9lives'."],
    ],
  );
});

test("the variable maps equal what Metaflow's own provider computes against the same moto", async () => {
  const cases: Array<{ id: string; options?: { [k: string]: Plain } }> = [
    { id: 'db-creds' },
    { id: 'prod/db-creds', options: { json: false } },
    { id: 'prod/db-creds', options: { json: false, env_var_name: 'MY-VAR' } },
    { id: 'bin-secret' },
    { id: 'dup-keys' },
    { id: 'not-json' },
    { id: 'json-list' },
    { id: 'bad-names' },
    { id: 'does-not-exist' },
    { id: arnEu },
  ];
  const metaflow = metaflowProvider(cases);
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const spec = makeSpec('aws-secrets-manager', c.id, c.options ?? {});
    const ours = await resolveOnce(spec, settings({ endpoint: moto.url, region: undefined }), fixedConfig({ AWS_SECRETS_MANAGER_DEFAULT_REGION: 'us-east-1' }));
    const want = metaflow[i];
    if (want.ok) {
      assert.deepEqual(vars(ours), want.vars, `variables of ${c.id}`);
      const invalid = resolutionFindings(spec, ours)[0]?.message;
      assert.equal(invalid, want.invalid, `validation of ${c.id}`);
    } else {
      assert.equal(ours.ok, false, `${c.id} fails in Metaflow: ${want.msg}`);
      assert.equal(!ours.ok && ours.message, want.msg, `message for ${c.id}`);
    }
  }
});

test('region: ARN region wins, then options.region, then METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION, then the setting', async () => {
  const byArn = await resolveOnce(makeSpec('aws-secrets-manager', arnEu));
  assert.deepEqual(vars(byArn), [['EU', 'canary-eu-4444']]);
  assert.equal(byArn.ok && byArn.meta.region, 'eu-west-1');
  assert.deepEqual(vars(await resolveOnce(makeSpec('aws-secrets-manager', 'eu-secret', { region: 'eu-west-1' }))), [['EU', 'canary-eu-4444']]);
  const viaConfig = await resolveOnce(
    makeSpec('aws-secrets-manager', 'eu-secret'),
    settings(),
    fixedConfig({ AWS_SECRETS_MANAGER_DEFAULT_REGION: 'eu-west-1' }),
  );
  assert.equal(viaConfig.ok && viaConfig.meta.region, 'eu-west-1');
  const wrongRegion = await resolveOnce(makeSpec('aws-secrets-manager', 'eu-secret'));
  assert.ok(!wrongRegion.ok && wrongRegion.kind === 'not-found');
  const noRegion = await resolveOnce(makeSpec('aws-secrets-manager', 'db-creds'), settings({ region: undefined }));
  assert.ok(!noRegion.ok && noRegion.kind === 'other');
  assert.equal(
    !noRegion.ok && noRegion.message,
    "Failed to retrieve secret 'db-creds': Default region is not specified for AWS Secrets Manager. Please set METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION",
  );
});

test("not found names the secret with botocore's wording", async () => {
  const spec = makeSpec('aws-secrets-manager', 'nope');
  const res = await resolveOnce(spec);
  assert.ok(!res.ok && res.kind === 'not-found');
  const f = resolutionFindings(spec, res);
  assert.equal(f[0].code, 'MFS030');
  assert.equal(f[0].severity, 'error');
  assert.equal(
    f[0].message,
    "Failed to retrieve secret 'nope': An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret.",
  );
});

test('a role is assumed through STS from the default credentials', async () => {
  const before = proxy.requests.length;
  const role = 'arn:aws:iam::123456789012:role/secrets-reader';
  const res = await resolveOnce(makeSpec('aws-secrets-manager', 'db-creds', {}, role, 'decorator'));
  assert.equal(res.ok && res.meta.roleUsed, role);
  const seen = proxy.requests.slice(before);
  assert.deepEqual(
    seen.map((r) => r.operation),
    ['AssumeRole', 'secretsmanager.GetSecretValue'],
  );
  assert.equal(seen[0].accessKeyId, 'testing');
  assert.notEqual(seen[1].accessKeyId, 'testing', "GetSecretValue is signed with the role's temporary key");
  // METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_ROLE applies when the spec has none.
  const n = proxy.count('AssumeRole');
  const viaConfig = await resolveOnce(
    makeSpec('aws-secrets-manager', 'db-creds'),
    settings(),
    fixedConfig({ AWS_SECRETS_MANAGER_DEFAULT_REGION: 'us-east-1', AWS_SECRETS_MANAGER_DEFAULT_ROLE: role }),
  );
  assert.equal(viaConfig.ok && viaConfig.meta.roleUsed, role);
  assert.equal(proxy.count('AssumeRole'), n + 1);
});

test('access denied names the identity and the role used', async () => {
  const role = 'arn:aws:iam::123456789012:role/secrets-reader';
  proxy.fault = (r) =>
    r.operation === 'secretsmanager.GetSecretValue'
      ? awsError(
          400,
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/secrets-reader/metaflow-secrets-editor is not authorized to perform: secretsmanager:GetSecretValue on resource: db-creds because no identity-based policy allows the secretsmanager:GetSecretValue action',
        )
      : undefined;
  try {
    const spec = makeSpec('aws-secrets-manager', 'db-creds', {}, role, 'decorator');
    const res = await resolveOnce(spec);
    assert.ok(!res.ok && res.kind === 'access-denied');
    const f = resolutionFindings(spec, res)[0];
    assert.equal(f.code, 'MFS031');
    assert.match(
      f.message,
      /^Failed to retrieve secret 'db-creds': An error occurred \(AccessDeniedException\) when calling the GetSecretValue operation: User: arn:aws:sts::123456789012:assumed-role/,
    );
    assert.match(f.message, /as the default AWS credential chain/);
    assert.match(f.message, /assuming arn:aws:iam::123456789012:role\/secrets-reader \(from decorator\)/);
  } finally {
    proxy.fault = undefined;
  }
});

test("missing credentials: Metaflow's message and the login command", async () => {
  const restore = withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
  try {
    const spec = makeSpec('aws-secrets-manager', 'db-creds');
    const t0 = Date.now();
    const res = await resolveOnce(spec);
    assert.ok(Date.now() - t0 < 8000, 'no long probing');
    assert.ok(!res.ok && res.kind === 'credentials');
    const [metaflow] = metaflowProvider([{ id: 'db-creds' }], false);
    assert.equal(metaflow.msg, "Failed to retrieve secret 'db-creds': Unable to locate credentials");
    assert.equal(!res.ok && res.message, metaflow.msg);
    const f = resolutionFindings(spec, res)[0];
    assert.equal(f.code, 'MFS032');
    assert.match(f.message, /Fix: aws sso login/);
  } finally {
    restore();
  }
});

test('expired credentials of a profile: the fix names the profile', async () => {
  const creds = path.join(tmp, 'credentials');
  fs.writeFileSync(creds, '[dev]\naws_access_key_id = devkey\naws_secret_access_key = devsecret\n');
  const restore = withEnv({ AWS_SHARED_CREDENTIALS_FILE: creds, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
  proxy.fault = (r) =>
    r.operation === 'secretsmanager.GetSecretValue'
      ? awsError(400, 'ExpiredTokenException', 'The security token included in the request is expired')
      : undefined;
  try {
    const before = proxy.requests.length;
    const spec = makeSpec('aws-secrets-manager', 'db-creds');
    const res = await resolveOnce(spec, settings({ profile: 'dev' }));
    assert.equal(proxy.requests[before].accessKeyId, 'devkey', "the profile's key signed the request");
    assert.ok(!res.ok && res.kind === 'credentials');
    assert.equal(!res.ok && res.fix, 'aws sso login --profile dev');
    assert.equal(!res.ok && res.meta?.identity, "AWS profile 'dev'");
  } finally {
    proxy.fault = undefined;
    restore();
  }
});

test('throttling and 5xx are informational, and the SDK retries as configured', async () => {
  proxy.fault = (r) => (r.operation === 'secretsmanager.GetSecretValue' ? awsError(400, 'ThrottlingException', 'Rate exceeded') : undefined);
  try {
    const before = proxy.count('secretsmanager.GetSecretValue');
    const spec = makeSpec('aws-secrets-manager', 'db-creds');
    const res = await resolveOnce(spec, settings({ maxAttempts: 2 }));
    assert.ok(!res.ok && res.kind === 'throttled');
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 2);
    const f = resolutionFindings(spec, res)[0];
    assert.equal(f.code, 'MFS033');
    assert.equal(f.severity, 'information');
    proxy.fault = (r) =>
      r.operation === 'secretsmanager.GetSecretValue' ? awsError(500, 'InternalServiceError', 'An error occurred on the server side.') : undefined;
    const five = await resolveOnce(spec);
    assert.ok(!five.ok && five.kind === 'unreachable');
    assert.equal(resolutionFindings(spec, five)[0].severity, 'information');
  } finally {
    proxy.fault = undefined;
  }
});

test('an unreachable endpoint fails fast as unreachable', async () => {
  const res = await resolveOnce(makeSpec('aws-secrets-manager', 'db-creds'), settings({ endpoint: 'http://127.0.0.1:1' }));
  assert.ok(!res.ok && res.kind === 'unreachable', !res.ok ? `${res.kind} ${res.message}` : '');
});

test('a backend slower than the timeout: the timeout fires, nothing hangs, analysis never waits', async () => {
  proxy.fault = () => ({ kind: 'hang' });
  const r = newResolver(settings({}, { timeoutMs: 400 }));
  try {
    const spec = makeSpec('aws-secrets-manager', 'db-creds');
    const t0 = Date.now();
    const p = r.resolve(spec, fixedConfig({}));
    // While the request is out, a synchronous look-up answers at once.
    assert.equal(r.peek(spec, fixedConfig({})), undefined);
    assert.equal(r.isPending(spec, fixedConfig({})), true);
    const res = await p;
    const took = Date.now() - t0;
    assert.ok(!res.ok && res.kind === 'timeout', !res.ok ? res.kind : 'ok');
    assert.ok(took >= 350 && took < 8000, `took ${took} ms`);
    assert.equal(resolutionFindings(spec, res)[0].severity, 'information');
    assert.equal(r.counters.timeouts, 1);
  } finally {
    proxy.fault = undefined;
    r.dispose();
  }
});

test('many concurrent resolves of one source make exactly one request within the TTL', async () => {
  let clock = 1_000_000;
  const r = newResolver(settings({}, { cacheTtlMs: 60_000 }), () => clock);
  const config = fixedConfig({});
  try {
    const before = proxy.count('secretsmanager.GetSecretValue');
    const specs = [0, 1, 2].map((i) => makeSpec('aws-secrets-manager', `multi-${i}`));
    // Many documents and keystrokes: each source asked 30 times at once, plus background prefetches.
    const all: Promise<Resolution>[] = [];
    for (let k = 0; k < 30; k++) for (const s of specs) all.push(r.resolve(s, config, new AbortController().signal));
    for (const s of specs) r.prefetch(s, config);
    const results = await Promise.all(all);
    assert.ok(results.every((x) => x.ok));
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 3);
    // Within the TTL: answered from the cache.
    for (let k = 0; k < 10; k++) for (const s of specs) await r.resolve(s, config);
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 3);
    assert.equal(r.counters.calls, 3);
    // After the TTL: asked again, once per source.
    clock += 61_000;
    await Promise.all(specs.flatMap((s) => [r.resolve(s, config), r.resolve(s, config)]));
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 6);
    // Refresh forgets everything.
    r.refresh();
    await r.resolve(specs[0], config);
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 7);
  } finally {
    r.dispose();
  }
});

test('a request nobody waits for any more is cancelled', async () => {
  proxy.fault = () => ({ kind: 'hang' });
  const r = newResolver(settings({}, { timeoutMs: 10_000 }));
  const config = fixedConfig({});
  try {
    const spec = makeSpec('aws-secrets-manager', 'db-creds');
    const a = new AbortController();
    const b = new AbortController();
    const pa = r.resolve(spec, config, a.signal);
    const pb = r.resolve(spec, config, b.signal);
    a.abort();
    assert.equal((await pa).ok, false);
    assert.equal(r.isPending(spec, config), true, 'still wanted by the second caller');
    const t0 = Date.now();
    b.abort();
    const res = await pb;
    assert.ok(!res.ok && res.kind === 'cancelled');
    assert.ok(Date.now() - t0 < 3000);
    await new Promise((x) => setTimeout(x, 20));
    assert.equal(r.isPending(spec, config), false);
    assert.equal(r.counters.cancelled, 1);
    assert.equal(r.peek(spec, config), undefined, 'a cancelled answer is not cached');
  } finally {
    proxy.fault = undefined;
    r.dispose();
  }
});

test('offline mode makes no call at all', async () => {
  const before = proxy.requests.length;
  const res = await resolveOnce(makeSpec('aws-secrets-manager', 'db-creds'), settings({}, { offline: true }));
  assert.ok(!res.ok && res.kind === 'offline');
  assert.deepEqual(resolutionFindings(makeSpec('aws-secrets-manager', 'db-creds'), res), []);
  assert.equal(proxy.requests.length, before);
});

test('listing names for completion: names only, in the default region, de-duplicated and cached', async () => {
  const r = newResolver();
  try {
    const before = proxy.count('secretsmanager.ListSecrets');
    const [a, b] = await Promise.all([r.listSecretNames('aws-secrets-manager', fixedConfig({})), r.listSecretNames('aws-secrets-manager', fixedConfig({}))]);
    assert.ok(a.ok && b.ok);
    assert.equal(a.ok && a.scope, 'us-east-1');
    assert.deepEqual(a.ok && [...a.names].sort(), [
      'bad-names',
      'bin-secret',
      'db-creds',
      'dup-keys',
      'json-list',
      'multi-0',
      'multi-1',
      'multi-2',
      'not-json',
      'prod/db-creds',
    ]);
    await r.listSecretNames('aws-secrets-manager', fixedConfig({}));
    assert.equal(proxy.count('secretsmanager.ListSecrets') - before, 1);
    const eu = await r.listSecretNames('aws-secrets-manager', fixedConfig({ AWS_SECRETS_MANAGER_DEFAULT_REGION: 'eu-west-1' }));
    assert.deepEqual(eu.ok && eu.names, ['eu-secret']);
    reported.push(JSON.stringify([a, eu]));
  } finally {
    r.dispose();
  }
});

test('identity for the status item: STS GetCallerIdentity through the same credential chain', async () => {
  const r = newResolver();
  try {
    const who = await r.identity('aws-secrets-manager', fixedConfig({}));
    assert.ok(who.ok, !who.ok ? who.message : '');
    assert.match(who.ok ? who.identity : '', /^arn:aws:(iam|sts)::123456789012:/);
    assert.equal(who.ok && who.detail, 'us-east-1');
    await r.identity('aws-secrets-manager', fixedConfig({}));
    assert.equal(r.counters.calls, 1, 'cached');
  } finally {
    r.dispose();
  }
});

test('a run can demand fresh values: maxAgeMs bypasses an older cached answer', async () => {
  let clock = 0;
  const r = newResolver(settings(), () => clock);
  try {
    const spec = makeSpec('aws-secrets-manager', 'db-creds');
    const before = proxy.count('secretsmanager.GetSecretValue');
    await r.resolve(spec, fixedConfig({}));
    clock += 2_000;
    await r.resolve(spec, fixedConfig({}), undefined, { maxAgeMs: 5_000 });
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 1);
    await r.resolve(spec, fixedConfig({}), undefined, { maxAgeMs: 1_000 });
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 2);
  } finally {
    r.dispose();
  }
});

test('an answer the SDK cannot parse is never quoted back (it may hold the secret)', async () => {
  const leaked = canary('canary-truncated-body-4412');
  proxy.fault = (r) =>
    r.operation === 'secretsmanager.GetSecretValue'
      ? { kind: 'respond', status: 200, body: `{"ARN": "arn:x", "Name": "db-creds", "SecretString": "${leaked}` }
      : undefined;
  try {
    const res = await resolveOnce(makeSpec('aws-secrets-manager', 'db-creds'));
    assert.ok(!res.ok);
    assert.ok(!res.ok && !res.message.includes(leaked) && !res.message.includes('canary'), !res.ok ? res.message : '');
  } finally {
    proxy.fault = undefined;
  }
});

test('denied by real IAM policy evaluation in moto (a user without policies)', async () => {
  const iamMoto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '3' } });
  const root = repoRoot();
  const key = JSON.parse(
    execFileSync(path.join(root, '.venv', 'bin', 'python'), [path.join(root, 'test', 'backends', 'oracles', 'moto_iam_setup.py'), iamMoto.url], {
      input: `{"LOCKED": "${canary('canary-locked-6610')}"}`,
      encoding: 'utf8',
      timeout: 60_000,
    }),
  ) as { id: string; secret: string };
  const restore = withEnv({ AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret });
  const r = newResolver(settings({ endpoint: iamMoto.url }));
  try {
    const spec = makeSpec('aws-secrets-manager', 'locked');
    const res = await r.resolve(spec, fixedConfig({}));
    reported.push(JSON.stringify(res));
    assert.ok(!res.ok && res.kind === 'access-denied', !res.ok ? `${res.kind} ${res.message}` : 'resolved');
    assert.equal(resolutionFindings(spec, res)[0].code, 'MFS031');
    const who = await r.identity('aws-secrets-manager', fixedConfig({}));
    assert.equal(who.ok && who.identity, 'arn:aws:iam::123456789012:user/dev');
  } finally {
    restore();
    r.dispose();
    await iamMoto.stop();
  }
});

test('metadata: the version and its stage with the value, dates and rotation from DescribeSecret', async () => {
  const seed = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.url });
  const before = Date.now();
  await seed.send(new CreateSecretCommand({ Name: 'rotating', SecretString: `{"TOKEN": "${canary('canary-rotating-0001')}"}` }));
  // moto rotates without a Lambda: a new AWSCURRENT version (the value copied), LastRotatedDate, the schedule.
  await seed.send(new RotateSecretCommand({ SecretId: 'rotating', RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  seed.destroy();
  const r = new SecretResolver({ settings: settings(), logger, metadata: true });
  try {
    const res = await r.resolve(makeSpec('aws-secrets-manager', 'rotating'), fixedConfig({}));
    reported.push(JSON.stringify({ ...res, vars: undefined }));
    assert.ok(res.ok, !res.ok ? res.message : '');
    const m = res.ok ? res.meta.metadata! : {};
    assert.match(m.version ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(m.stages, ['AWSCURRENT']);
    assert.ok(m.rotation?.enabled === true && m.rotation.every === '30 days', JSON.stringify(m));
    const day = 86_400_000;
    assert.ok(Math.abs((m.rotation?.nextAt ?? 0) - (before + 30 * day)) < day, JSON.stringify(m));
    // moto keeps dates in whole seconds.
    assert.ok((m.rotatedAt ?? 0) >= before - 1000 && (m.rotatedAt ?? 0) <= Date.now() + 1000, JSON.stringify(m));
    assert.ok(m.changedAt !== undefined, JSON.stringify(m));
    assert.equal(proxy.count('secretsmanager.DescribeSecret') >= 1, true);
    const plain = await r.resolve(makeSpec('aws-secrets-manager', 'db-creds'), fixedConfig({}));
    assert.deepEqual(plain.ok && plain.meta.metadata?.rotation, { enabled: false, nextAt: undefined, every: undefined }, 'never configured: rotation off');
  } finally {
    r.dispose();
  }
});

test('metadata: a denied or hanging DescribeSecret leaves the answer ok, with what GetSecretValue said', async () => {
  for (const fault of [awsError(400, 'AccessDeniedException', 'User is not authorized to perform: secretsmanager:DescribeSecret'), { kind: 'hang' as const }]) {
    proxy.fault = (req) => (req.operation === 'secretsmanager.DescribeSecret' ? fault : undefined);
    const r = new SecretResolver({ settings: settings({}, { timeoutMs: 4000 }), logger, metadata: true });
    try {
      const t0 = Date.now();
      const res = await r.resolve(makeSpec('aws-secrets-manager', 'db-creds'), fixedConfig({}));
      assert.ok(res.ok, !res.ok ? `${res.kind}: ${res.message}` : '');
      assert.ok(Date.now() - t0 < 3000, `answered after ${Date.now() - t0} ms`);
      const m = res.ok ? res.meta.metadata : undefined;
      assert.deepEqual(m?.stages, ['AWSCURRENT']);
      assert.equal(m?.rotation, undefined, 'no rotation claim without DescribeSecret');
    } finally {
      proxy.fault = undefined;
      r.dispose();
    }
  }
  assert.ok(logger.lines.some((l) => /aws: DescribeSecret db-creds: no metadata \(AccessDeniedException\)/.test(l)));
});

test('metadata is not asked unless the resolver wants it (the CLI)', async () => {
  const before = proxy.count('secretsmanager.DescribeSecret');
  const res = await resolveOnce(makeSpec('aws-secrets-manager', 'db-creds'));
  assert.ok(res.ok && res.meta.metadata?.rotation === undefined);
  assert.equal(proxy.count('secretsmanager.DescribeSecret'), before);
});

test('canary: no secret value appears in the resolver log, messages, metadata or findings', () => {
  assert.ok(logger.lines.length > 10);
  assertNoCanary(logger.text() + '\n' + reported.join('\n'), CANARIES);
});
