import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { grpc } from 'google-gax';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { Plain, SourceSpec } from '../../server/src/core/sourceSpec';
import { backendSettings, BackendSettings, Resolution, resolutionFindings, SecretResolver } from '../../server/src/backends';
import { GcpSecretManagerFake } from '../../scripts/emulators/gcpSecretManagerFake';
import { startGcpFake } from '../support/emulators';
import { assertNoCanary, CapturingLogger, makeSpec, withEnv } from './helpers';

// GCP Secret Manager through the unmodified @google-cloud/secret-manager client (gRPC) against
// the gRPC fake built from the client's own service definition.

const CANARIES = new Set<string>();
const canary = (s: string) => (CANARIES.add(s), s);
const logger = new CapturingLogger();
const reported: string[] = [];
let sm: GcpSecretManagerFake;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-gcp-'));

function settings(extra: Partial<BackendSettings['gcp']> = {}, top: Partial<BackendSettings> = {}): BackendSettings {
  return backendSettings({ timeoutMs: 5000, ...top, gcp: { endpoint: sm.endpoint, insecure: true, ...extra } });
}

async function resolveOnce(spec: SourceSpec, s: BackendSettings = settings(), config = fixedConfig({})): Promise<Resolution> {
  const r = new SecretResolver({ settings: s, logger });
  try {
    const res = await r.resolve(spec, config);
    reported.push(JSON.stringify({ ...res, vars: undefined }), ...resolutionFindings(spec, res).map((f) => f.message));
    return res;
  } finally {
    r.dispose();
  }
}

function vars(res: Resolution): Array<[string, string]> {
  assert.equal(res.ok, true, res.ok ? '' : `${res.kind}: ${res.message}`);
  return res.ok ? [...res.vars.entries()] : [];
}

const gcp = (id: string, options: { [k: string]: Plain } = {}) => makeSpec('gcp-secret-manager', id, options);

before(async () => {
  sm = await startGcpFake();
  // Seeded through the real client over gRPC.
  const seed = new SecretManagerServiceClient({
    apiEndpoint: '127.0.0.1',
    port: sm.port,
    sslCreds: grpc.credentials.createInsecure(),
    projectId: 'emulator',
    universeDomain: 'googleapis.com',
  } as never);
  await seed.createSecret({ parent: 'projects/123', secretId: 'api-key', secret: { replication: { automatic: {} } } });
  await seed.addSecretVersion({ parent: 'projects/123/secrets/api-key', payload: { data: Buffer.from(canary('canary-gcp-old-0001')) } });
  await seed.addSecretVersion({ parent: 'projects/123/secrets/api-key', payload: { data: Buffer.from(canary('canary-gcp-new-0002')) } });
  await seed.close();
  sm.addVersion('123', 'db-json', `{"DB_USER": "${canary('canary-gcp-user-31')}", "port": 5432, "tls": false, "cfg": {"x": null}}`);
  sm.addVersion('123', 'dup-json', `{"a.b": "${canary('canary-gcp-dup-1')}", "a-b": "${canary('canary-gcp-dup-2')}"}`);
  sm.addVersion('123', 'not-json', canary('canary-gcp-notjson-77'));
  sm.addVersion('123', 'list-json', `["${canary('canary-gcp-list-88')}"]`);
  sm.addVersion('123', 'latin1', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x21, 0x21, 0x21, 0x21]));
});

after(async () => {
  await sm?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('one variable named after the secret; versions; short ids with the prefix', async () => {
  const latest = await resolveOnce(gcp('projects/123/secrets/api-key'));
  assert.deepEqual(vars(latest), [['api_key', 'canary-gcp-new-0002']]);
  assert.equal(latest.ok && latest.meta.resolvedId, 'projects/123/secrets/api-key/versions/latest');
  assert.equal(latest.ok && latest.meta.project, '123');
  assert.deepEqual(vars(await resolveOnce(gcp('projects/123/secrets/api-key/versions/1'))), [['api_key', 'canary-gcp-old-0001']]);
  const config = fixedConfig({ GCP_SECRET_MANAGER_PREFIX: 'projects/123/secrets/' });
  assert.deepEqual(vars(await resolveOnce(gcp('api-key'), settings(), config)), [['api_key', 'canary-gcp-new-0002']]);
  assert.deepEqual(vars(await resolveOnce(gcp('api-key/versions/1'), settings(), config)), [['api_key', 'canary-gcp-old-0001']]);
  assert.deepEqual(vars(await resolveOnce(gcp('projects/123/secrets/api-key', { env_var_name: 'MY.KEY' }))), [['MY_KEY', 'canary-gcp-new-0002']]);
});

test("json: true expands like AWS, with Python's own error text", async () => {
  assert.deepEqual(vars(await resolveOnce(gcp('projects/123/secrets/db-json', { json: true }))), [
    ['DB_USER', 'canary-gcp-user-31'],
    ['port', '5432'],
    ['tls', 'False'],
    ['cfg', "{'x': None}"],
  ]);
  // json defaults to false on GCP: the whole text is one variable.
  assert.equal(vars(await resolveOnce(gcp('projects/123/secrets/db-json')))[0][0], 'db_json');
  const nj = await resolveOnce(gcp('projects/123/secrets/not-json', { json: true }));
  assert.equal(!nj.ok && nj.message, "Failed to retrieve secret 'projects/123/secrets/not-json': Expecting value: line 1 column 1 (char 0)");
  assert.equal(resolutionFindings(gcp('x'), nj)[0].code, 'MFS034');
  const list = await resolveOnce(gcp('projects/123/secrets/list-json', { json: true }));
  assert.equal(
    !list.ok && list.message,
    "Failed to retrieve secret 'projects/123/secrets/list-json': Secret string is a JSON, but not an object (dict-like) - actual type <class 'list'>.",
  );
  const dup = await resolveOnce(gcp('projects/123/secrets/dup-json', { json: true }));
  assert.ok(!dup.ok && dup.kind === 'duplicate-key');
  assert.equal(!dup.ok && dup.message, "Failed to retrieve secret 'projects/123/secrets/dup-json': Duplicate key in secret: 'a-b' (sanitizes to 'a_b')");
  assert.equal(resolutionFindings(gcp('x'), dup)[0].code, 'MFS035');
});

test('undecodable payloads and the broken binary option fail as in Metaflow, without the value', async () => {
  const bad = await resolveOnce(gcp('projects/123/secrets/latin1'));
  assert.equal(
    !bad.ok && bad.message,
    "Failed to retrieve secret 'projects/123/secrets/latin1': 'utf-8' codec can't decode byte 0xe9 in position 3: invalid continuation byte",
  );
  const bin = await resolveOnce(gcp('projects/123/secrets/api-key', { binary: true }));
  assert.ok(!bin.ok && bin.kind === 'bad-content');
  assert.equal(!bin.ok && bin.message, "Found non string value b'…' (<class 'bytes'>)");
});

test('not found, denied, unauthenticated', async () => {
  const spec = gcp('projects/123/secrets/missing');
  const nf = await resolveOnce(spec);
  assert.ok(!nf.ok && nf.kind === 'not-found');
  assert.equal(
    !nf.ok && nf.message,
    "Failed to retrieve secret 'projects/123/secrets/missing': 404 Secret [projects/123/secrets/missing] not found or has no versions.",
  );
  sm.fault = () => ({
    kind: 'status',
    code: grpc.status.PERMISSION_DENIED,
    details: "Permission 'secretmanager.versions.access' denied for resource 'projects/123/secrets/api-key/versions/latest' (or it may not exist).",
  });
  try {
    const denied = await resolveOnce(gcp('projects/123/secrets/api-key'));
    assert.ok(!denied.ok && denied.kind === 'access-denied');
    const f = resolutionFindings(gcp('projects/123/secrets/api-key'), denied)[0];
    assert.equal(f.code, 'MFS031');
    assert.match(f.message, /403 Permission 'secretmanager\.versions\.access' denied/);
    assert.match(f.message, /tried as Application Default Credentials/);
    sm.fault = () => ({ kind: 'status', code: grpc.status.UNAUTHENTICATED, details: 'Request had invalid authentication credentials.' });
    const unauth = await resolveOnce(gcp('projects/123/secrets/api-key'));
    assert.ok(!unauth.ok && unauth.kind === 'credentials');
    assert.equal(!unauth.ok && unauth.fix, 'gcloud auth application-default login');
  } finally {
    sm.fault = undefined;
  }
});

test('no Application Default Credentials: a credentials finding with the gcloud command, no network probing', async () => {
  const restore = withEnv({
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
    CLOUDSDK_CONFIG: path.join(tmp, 'gcloud'),
    HOME: tmp,
    METADATA_SERVER_DETECTION: 'none',
    GCE_METADATA_HOST: undefined,
  });
  try {
    const before = sm.requests.length;
    const spec = gcp('projects/123/secrets/api-key');
    const t0 = Date.now();
    const res = await resolveOnce(spec, settings({ insecure: false }));
    assert.ok(Date.now() - t0 < 8000);
    assert.ok(!res.ok && res.kind === 'credentials', !res.ok ? `${res.kind} ${res.message}` : '');
    assert.match(!res.ok ? res.message : '', /Could not load the default credentials/);
    assert.equal(resolutionFindings(spec, res)[0].message.endsWith('Fix: gcloud auth application-default login'), true);
    assert.equal(sm.requests.length, before);
  } finally {
    restore();
  }
});

test('throttled and unavailable are informational; no hidden retries; a slow backend times out', async () => {
  const spec = gcp('projects/123/secrets/api-key');
  const before = sm.count();
  sm.fault = () => ({
    kind: 'status',
    code: grpc.status.RESOURCE_EXHAUSTED,
    details: "Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute'.",
  });
  try {
    const t = await resolveOnce(spec);
    assert.ok(!t.ok && t.kind === 'throttled', !t.ok ? `${t.kind} ${t.message}` : '');
    assert.equal(resolutionFindings(spec, t)[0].severity, 'information');
    sm.fault = () => ({ kind: 'status', code: grpc.status.UNAVAILABLE, details: 'The service is currently unavailable.' });
    const u = await resolveOnce(spec);
    assert.ok(!u.ok && u.kind === 'unreachable', !u.ok ? `${u.kind} ${u.message}` : '');
    assert.equal(sm.count() - before, 2, 'one request each');
    sm.fault = () => ({ kind: 'delay', ms: 20_000 });
    const t0 = Date.now();
    const slow = await resolveOnce(spec, settings({}, { timeoutMs: 400 }));
    assert.ok(!slow.ok && slow.kind === 'timeout', !slow.ok ? `${slow.kind} ${slow.message}` : '');
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    sm.fault = undefined;
  }
});

test('concurrent resolves across specs that mean the same source: one request each', async () => {
  const r = new SecretResolver({ settings: settings(), logger });
  try {
    const name = 'projects/123/secrets/api-key/versions/latest';
    const before = sm.count('AccessSecretVersion', name);
    const config = fixedConfig({ GCP_SECRET_MANAGER_PREFIX: 'projects/123/secrets/' });
    const specs = [gcp('projects/123/secrets/api-key'), gcp('api-key')];
    const results = await Promise.all(
      Array.from({ length: 20 }, () => r.resolve(specs[0], config, new AbortController().signal)).concat(r.resolve(specs[1], config)),
    );
    assert.ok(results.every((x) => x.ok));
    // The two specs differ in text, so they are two cache entries; each is asked once.
    assert.equal(sm.count('AccessSecretVersion', name) - before, 2);
  } finally {
    r.dispose();
  }
});

test('listing short names of the prefix project for completion', async () => {
  const r = new SecretResolver({ settings: settings(), logger });
  try {
    const none = await r.listSecretNames('gcp-secret-manager', fixedConfig({}));
    assert.ok(!none.ok && none.kind === 'unsupported');
    const l = await r.listSecretNames('gcp-secret-manager', fixedConfig({ GCP_SECRET_MANAGER_PREFIX: 'projects/123/secrets/' }));
    assert.deepEqual(l.ok && [...l.names].sort(), ['api-key', 'db-json', 'dup-json', 'latin1', 'list-json', 'not-json']);
    assert.equal(l.ok && l.scope, 'projects/123');
    reported.push(JSON.stringify(l));
  } finally {
    r.dispose();
  }
});

test('identity: the emulator needs none; without ADC the answer says how to log in', async () => {
  const r = new SecretResolver({ settings: settings(), logger });
  try {
    const who = await r.identity('gcp-secret-manager', fixedConfig({}));
    assert.equal(who.ok && who.identity, 'no credentials (emulator)');
  } finally {
    r.dispose();
  }
  const restore = withEnv({
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
    CLOUDSDK_CONFIG: path.join(tmp, 'gcloud'),
    HOME: tmp,
    METADATA_SERVER_DETECTION: 'none',
  });
  const r2 = new SecretResolver({ settings: settings({ insecure: false }), logger });
  try {
    const who = await r2.identity('gcp-secret-manager', fixedConfig({}));
    assert.ok(!who.ok && who.kind === 'credentials' && who.fix === 'gcloud auth application-default login', !who.ok ? `${who.kind} ${who.message}` : '');
  } finally {
    r2.dispose();
    restore();
  }
});

test('the HTTP/JSON (REST) transport gives the same answers', async () => {
  const port = sm.restPort || (await sm.startRest());
  const s = backendSettings({ timeoutMs: 5000, gcp: { endpoint: `http://127.0.0.1:${port}`, insecure: true, rest: true } });
  const before = sm.count();
  assert.deepEqual(vars(await resolveOnce(gcp('projects/123/secrets/api-key'), s)), [['api_key', 'canary-gcp-new-0002']]);
  assert.deepEqual(vars(await resolveOnce(gcp('projects/123/secrets/db-json', { json: true }), s))[0], ['DB_USER', 'canary-gcp-user-31']);
  const nf = await resolveOnce(gcp('projects/123/secrets/missing'), s);
  assert.equal(
    !nf.ok && nf.message,
    "Failed to retrieve secret 'projects/123/secrets/missing': 404 Secret [projects/123/secrets/missing] not found or has no versions.",
  );
  sm.fault = () => ({ kind: 'status', code: grpc.status.PERMISSION_DENIED, details: "Permission 'secretmanager.versions.access' denied." });
  try {
    const denied = await resolveOnce(gcp('projects/123/secrets/api-key'), s);
    assert.ok(!denied.ok && denied.kind === 'access-denied', !denied.ok ? `${denied.kind} ${denied.message}` : '');
  } finally {
    sm.fault = undefined;
  }
  assert.equal(sm.count() - before, 4, 'every answer came through the REST listener');
});

test('metadata: which version "latest" is, when it was added, the rotation schedule and expiry', async () => {
  const day = 86_400;
  const nowS = Math.floor(Date.now() / 1000);
  // Created through the real client with a rotation schedule (topics are required for one).
  const seed = new SecretManagerServiceClient({
    apiEndpoint: '127.0.0.1',
    port: sm.port,
    sslCreds: grpc.credentials.createInsecure(),
    projectId: 'emulator',
    universeDomain: 'googleapis.com',
  } as never);
  await seed.createSecret({
    parent: 'projects/123',
    secretId: 'rotated',
    secret: {
      replication: { automatic: {} },
      topics: [{ name: 'projects/123/topics/rotations' }],
      rotation: { nextRotationTime: { seconds: nowS + 29 * day }, rotationPeriod: { seconds: 30 * day } },
      expireTime: { seconds: nowS + 90 * day },
    },
  });
  await seed.addSecretVersion({ parent: 'projects/123/secrets/rotated', payload: { data: Buffer.from(canary('canary-gcp-rot-1')) } });
  await seed.addSecretVersion({ parent: 'projects/123/secrets/rotated', payload: { data: Buffer.from(canary('canary-gcp-rot-2')) } });
  await seed.close();
  sm.addVersion('123', 'yesterday', canary('canary-gcp-yday-3'), { created: nowS - day });

  const check = async (s: BackendSettings) => {
    const r = new SecretResolver({ settings: s, logger, metadata: true });
    try {
      const rotated = await r.resolve(gcp('projects/123/secrets/rotated'), fixedConfig({}));
      reported.push(JSON.stringify({ ...rotated, vars: undefined }));
      const m = rotated.ok ? rotated.meta.metadata! : {};
      assert.equal(m.version, '2', JSON.stringify(m));
      assert.ok(Math.abs((m.valueSetAt ?? 0) - Date.now()) < 120_000, JSON.stringify(m));
      // rotationPeriod is input-only: only the next date comes back.
      assert.deepEqual(m.rotation, { enabled: true, nextAt: (nowS + 29 * day) * 1000 });
      assert.equal(m.expiresAt, (nowS + 90 * day) * 1000);
      const old = await r.resolve(gcp('projects/123/secrets/yesterday'), fixedConfig({}));
      assert.equal(old.ok && old.meta.metadata?.valueSetAt, (nowS - day) * 1000);
      assert.deepEqual(old.ok && old.meta.metadata?.rotation, { enabled: false, nextAt: undefined });
      const pinned = await r.resolve(gcp('projects/123/secrets/rotated/versions/1'), fixedConfig({}));
      assert.equal(pinned.ok && pinned.meta.metadata?.version, '1');
    } finally {
      r.dispose();
    }
  };
  await check(settings());
  const port = sm.restPort || (await sm.startRest());
  await check(backendSettings({ timeoutMs: 5000, gcp: { endpoint: `http://127.0.0.1:${port}`, insecure: true, rest: true } }));
});

test('metadata: denied GetSecret/GetSecretVersion leave the answer ok and the metadata out', async () => {
  sm.fault = (req) =>
    req.method === 'GetSecret' || req.method === 'GetSecretVersion'
      ? { kind: 'status', code: grpc.status.PERMISSION_DENIED, details: "Permission 'secretmanager.secrets.get' denied." }
      : undefined;
  const r = new SecretResolver({ settings: settings(), logger, metadata: true });
  try {
    const res = await r.resolve(gcp('projects/123/secrets/api-key'), fixedConfig({}));
    assert.ok(res.ok, !res.ok ? `${res.kind}: ${res.message}` : '');
    assert.equal(res.ok && res.meta.metadata, undefined);
    assert.ok(logger.lines.some((l) => /gcp: GetSecretVersion projects\/123\/secrets\/api-key\/versions\/latest: no metadata \(code 7\)/.test(l)));
  } finally {
    sm.fault = undefined;
    r.dispose();
  }
  const before = sm.count('GetSecretVersion');
  await resolveOnce(gcp('projects/123/secrets/api-key'));
  assert.equal(sm.count('GetSecretVersion'), before, 'not asked unless the resolver wants metadata');
});

test('canary: no GCP secret value appears in the log, messages or findings', () => {
  assertNoCanary(logger.text() + '\n' + reported.join('\n'), CANARIES);
  assert.ok(logger.lines.length > 5);
});
