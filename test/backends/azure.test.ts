import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { TokenCredential } from '@azure/core-auth';
import { CredentialUnavailableError } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { SourceSpec } from '../../server/src/core/sourceSpec';
import { backendSettings, BackendSettings, Resolution, resolutionFindings, SecretResolver } from '../../server/src/backends';
import { AzureKeyVaultFake } from '../../scripts/emulators/azureKeyVaultFake';
import { azureTlsFiles, startAzureFake } from '../support/emulators';
import { assertNoCanary, CapturingLogger, makeSpec, withEnv } from './helpers';

// Azure Key Vault through the unmodified @azure/keyvault-secrets SDK against the REST fake
// (bearer challenge, HTTPS with a self-signed certificate, Key Vault's error bodies).

const CANARIES = new Set<string>();
const canary = (s: string) => (CANARIES.add(s), s);
const logger = new CapturingLogger();
const reported: string[] = [];
let vault: AzureKeyVaultFake;
let oldVersion = '';
const VAULT = 'https://mfs-vault.vault.azure.net';

/** A credential that hands out a fixed token (the fake accepts `test-token`). */
function tokenCredential(token = 'test-token'): TokenCredential {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

function settings(extra: Partial<BackendSettings['azure']> = {}, top: Partial<BackendSettings> = {}): BackendSettings {
  return backendSettings({
    timeoutMs: 5000,
    ...top,
    azure: { endpoint: vault.url, caFile: azureTlsFiles().cert, disableChallengeResourceVerification: true, maxRetries: 0, ...extra },
  });
}

async function resolveOnce(
  spec: SourceSpec,
  opts: { s?: BackendSettings; credential?: TokenCredential | null; config?: ReturnType<typeof fixedConfig> } = {},
): Promise<Resolution> {
  const credential = opts.credential === undefined ? tokenCredential() : opts.credential;
  const r = new SecretResolver({ settings: opts.s ?? settings(), logger, azure: credential ? { credential: () => credential } : {} });
  try {
    const res = await r.resolve(spec, opts.config ?? fixedConfig({}));
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

before(async () => {
  vault = await startAzureFake();
  // Seeded through the real SDK's setSecret (PUT), as a user's tooling would.
  const seed = new SecretClient(vault.url, tokenCredential(), {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: fs.readFileSync(azureTlsFiles().cert) },
  });
  oldVersion = (await seed.setSecret('api-key', canary('canary-az-old-0001'))).properties.version!;
  await seed.setSecret('api-key', canary('canary-az-new-0002'));
  await seed.setSecret('db-password', canary('canary-az-pw-7731'));
  await seed.setSecret('json-blob', `{"a": "${canary('canary-az-json-55')}"}`);
});

after(async () => {
  await vault?.stop();
});

test('one variable: the sanitised secret name and the raw value (no JSON expansion)', async () => {
  const res = await resolveOnce(makeSpec('az-key-vault', `${VAULT}/secrets/db-password`));
  assert.deepEqual(vars(res), [['db_password', 'canary-az-pw-7731']]);
  assert.equal(res.ok && res.meta.vault, VAULT);
  assert.deepEqual(vars(await resolveOnce(makeSpec('az-key-vault', `${VAULT}/secrets/json-blob`))), [['json_blob', '{"a": "canary-az-json-55"}']]);
  assert.deepEqual(vars(await resolveOnce(makeSpec('az-key-vault', `${VAULT}/secrets/db-password`, { env_var_name: 'MY-PW' }))), [
    ['MY_PW', 'canary-az-pw-7731'],
  ]);
});

test('short ids use METAFLOW_AZURE_KEY_VAULT_PREFIX; a version pins the value', async () => {
  const config = fixedConfig({ AZURE_KEY_VAULT_PREFIX: `${VAULT}/` });
  assert.deepEqual(vars(await resolveOnce(makeSpec('az-key-vault', 'api-key'), { config })), [['api_key', 'canary-az-new-0002']]);
  const pinned = await resolveOnce(makeSpec('az-key-vault', `api-key/${oldVersion}`), { config });
  assert.deepEqual(vars(pinned), [['api_key', 'canary-az-old-0001']]);
  assert.equal(pinned.ok && pinned.meta.resolvedId.endsWith(`/secrets/api-key/${oldVersion}`), true);
  // An id Metaflow refuses is reported by the static rules, not again here; no request is made.
  const before = vault.requests.length;
  const bad = await resolveOnce(makeSpec('az-key-vault', 'api-key'));
  assert.ok(!bad.ok && bad.kind === 'invalid-id' && bad.reportedStatically);
  assert.deepEqual(resolutionFindings(makeSpec('az-key-vault', 'api-key'), bad), []);
  assert.equal(vault.requests.length, before);
});

test('not found', async () => {
  const spec = makeSpec('az-key-vault', `${VAULT}/secrets/missing`);
  const res = await resolveOnce(spec);
  assert.ok(!res.ok && res.kind === 'not-found');
  const f = resolutionFindings(spec, res)[0];
  assert.equal(f.code, 'MFS030');
  assert.match(
    f.message,
    /^Failed to retrieve secret 'https:\/\/mfs-vault\.vault\.azure\.net\/secrets\/missing': \(SecretNotFound\) A secret with \(name\/id\) missing was not found in this key vault\./,
  );
});

test('access denied names the identity', async () => {
  vault.fault = () => ({
    kind: 'status',
    status: 403,
    code: 'Forbidden',
    message: "The user, group or application 'appid=04b07795;oid=1f2e' does not have secrets get permission on key vault 'mfs-vault;location=westeurope'.",
  });
  try {
    const spec = makeSpec('az-key-vault', `${VAULT}/secrets/db-password`);
    const res = await resolveOnce(spec);
    assert.ok(!res.ok && res.kind === 'access-denied');
    const f = resolutionFindings(spec, res)[0];
    assert.equal(f.code, 'MFS031');
    assert.match(f.message, /\(Forbidden\) The user, group or application 'appid=04b07795;oid=1f2e' does not have secrets get permission/);
    assert.match(f.message, /tried as a configured Azure credential/);
  } finally {
    vault.fault = undefined;
  }
});

test('an expired token and an unavailable credential both say `az login`', async () => {
  const spec = makeSpec('az-key-vault', `${VAULT}/secrets/db-password`);
  const expired = await resolveOnce(spec, { credential: tokenCredential('expired-token'), s: settings({ tenantId: 'contoso' }) });
  assert.ok(!expired.ok && expired.kind === 'credentials', !expired.ok ? `${expired.kind} ${expired.message}` : '');
  assert.equal(!expired.ok && expired.fix, 'az login --tenant contoso');
  const unavailable: TokenCredential = {
    getToken: async () => {
      throw new CredentialUnavailableError('AzureCliCredential: Azure CLI could not be found.');
    },
  };
  const res = await resolveOnce(spec, { credential: unavailable });
  assert.ok(!res.ok && res.kind === 'credentials');
  assert.equal(resolutionFindings(spec, res)[0].code, 'MFS032');
});

test('the real DefaultAzureCredential with nothing configured: a credentials finding, quickly', async () => {
  const restore = withEnv({
    AZURE_CLIENT_ID: undefined,
    AZURE_TENANT_ID: undefined,
    AZURE_CLIENT_SECRET: undefined,
    AZURE_FEDERATED_TOKEN_FILE: undefined,
    IDENTITY_ENDPOINT: undefined,
    MSI_ENDPOINT: undefined,
  });
  try {
    const spec = makeSpec('az-key-vault', `${VAULT}/secrets/db-password`);
    const t0 = Date.now();
    const res = await resolveOnce(spec, { credential: null });
    assert.ok(Date.now() - t0 < 8000);
    assert.ok(!res.ok && res.kind === 'credentials', !res.ok ? `${res.kind} ${res.message}` : '');
    assert.equal(
      !res.ok && res.message,
      `Failed to retrieve secret '${VAULT}/secrets/db-password': DefaultAzureCredential failed to retrieve a token from the included credentials.`,
    );
    assert.equal(!res.ok && res.fix, 'az login');
  } finally {
    restore();
  }
});

test('throttling and 5xx are informational; a slow vault times out', async () => {
  const spec = makeSpec('az-key-vault', `${VAULT}/secrets/db-password`);
  vault.fault = () => ({
    kind: 'status',
    status: 429,
    code: 'Throttled',
    message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
    headers: { 'retry-after': '0' },
  });
  try {
    const t = await resolveOnce(spec);
    assert.ok(!t.ok && t.kind === 'throttled', !t.ok ? `${t.kind} ${t.message}` : '');
    assert.equal(resolutionFindings(spec, t)[0].severity, 'information');
    vault.fault = () => ({ kind: 'status', status: 503, code: 'ServiceUnavailable', message: 'The service is unavailable.', headers: { 'retry-after': '0' } });
    const u = await resolveOnce(spec);
    assert.ok(!u.ok && u.kind === 'unreachable', !u.ok ? `${u.kind} ${u.message}` : '');
    vault.fault = () => ({ kind: 'delay', ms: 20_000 });
    const t0 = Date.now();
    const slow = await resolveOnce(spec, { s: settings({}, { timeoutMs: 400 }) });
    assert.ok(!slow.ok && slow.kind === 'timeout', !slow.ok ? `${slow.kind} ${slow.message}` : '');
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    vault.fault = undefined;
  }
});

test('concurrent resolves of one secret: one authorised request', async () => {
  const r = new SecretResolver({ settings: settings(), logger, azure: { credential: () => tokenCredential() } });
  try {
    const before = vault.countAuthorized('db-password');
    const spec = makeSpec('az-key-vault', `${VAULT}/secrets/db-password`);
    const results = await Promise.all(Array.from({ length: 25 }, () => r.resolve(spec, fixedConfig({}))));
    assert.ok(results.every((x) => x.ok));
    assert.equal(vault.countAuthorized('db-password') - before, 1);
  } finally {
    r.dispose();
  }
});

test('listing names of the prefix vault for completion (names only)', async () => {
  const r = new SecretResolver({ settings: settings(), logger, azure: { credential: () => tokenCredential() } });
  try {
    const none = await r.listSecretNames('az-key-vault', fixedConfig({}));
    assert.ok(!none.ok && none.kind === 'unsupported');
    const l = await r.listSecretNames('az-key-vault', fixedConfig({ AZURE_KEY_VAULT_PREFIX: `${VAULT}/` }));
    assert.deepEqual(l.ok && [...l.names].sort(), ['api-key', 'db-password', 'json-blob']);
    assert.equal(l.ok && l.scope, VAULT);
    reported.push(JSON.stringify(l));
  } finally {
    r.dispose();
  }
});

test("identity from the token's claims, without the token going anywhere", async () => {
  const payload = Buffer.from(JSON.stringify({ upn: 'dev@contoso.com', tid: 'tenant-1' })).toString('base64url');
  const jwt = `eyJhbGciOiJub25lIn0.${payload}.canary-signature-part-9911`;
  CANARIES.add(jwt);
  const r = new SecretResolver({ settings: settings(), logger, azure: { credential: () => tokenCredential(jwt) } });
  try {
    const who = await r.identity('az-key-vault', fixedConfig({}));
    assert.deepEqual(who.ok && [who.identity, who.detail], ['dev@contoso.com', 'tenant tenant-1']);
    reported.push(JSON.stringify(who));
  } finally {
    r.dispose();
  }
});

test('a malformed vault answer is never quoted back', async () => {
  const leaked = canary('canary-az-truncated-3301');
  vault.fault = () => ({ kind: 'raw', status: 200, body: `{"value": "${leaked}", "id": ` });
  try {
    const res = await resolveOnce(makeSpec('az-key-vault', `${VAULT}/secrets/db-password`));
    assert.ok(!res.ok, 'a truncated answer is a failure');
    assert.ok(!res.ok && !res.message.includes('canary'), !res.ok ? res.message : '');
  } finally {
    vault.fault = undefined;
  }
});

test('metadata: the version read, when it was set, later property changes and expiry, from the same request', async () => {
  const day = 86_400;
  const created = Math.floor(Date.now() / 1000) - day;
  const v = vault.setSecret('rotated-key', canary('canary-az-rot-0003'), { created });
  const seed = new SecretClient(vault.url, tokenCredential(), {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: fs.readFileSync(azureTlsFiles().cert) },
  });
  // updateSecretProperties (PATCH) changes attributes, not the value: `updated` moves, `created` stays.
  const expires = new Date(Date.now() + 30 * day * 1000);
  await seed.updateSecretProperties('rotated-key', v.version, { expiresOn: expires, tags: { owner: 'ml' } });
  const before = vault.countAuthorized('rotated-key');
  const res = await resolveOnce(makeSpec('az-key-vault', `${VAULT}/secrets/rotated-key`));
  assert.equal(vault.countAuthorized('rotated-key') - before, 1, 'no request besides the get');
  const m = res.ok ? res.meta.metadata! : {};
  assert.equal(m.version, v.version);
  assert.equal(m.valueSetAt, created * 1000);
  assert.ok((m.changedAt ?? 0) >= (created + day - 5) * 1000, JSON.stringify(m));
  assert.equal(m.expiresAt, Math.floor(expires.getTime() / 1000) * 1000);
  assert.equal(m.rotation, undefined, 'Key Vault secrets have no rotation of their own');
  // A pinned old version: its own version and date.
  const pinned = await resolveOnce(makeSpec('az-key-vault', `${VAULT}/secrets/api-key/${oldVersion}`));
  assert.equal(pinned.ok && pinned.meta.metadata?.version, oldVersion);
});

test('a disabled secret refuses get as Key Vault does: access denied, with its message', async () => {
  vault.setSecret('switched-off', canary('canary-az-off-0004'), { enabled: false });
  const res = await resolveOnce(makeSpec('az-key-vault', `${VAULT}/secrets/switched-off`));
  assert.ok(!res.ok && res.kind === 'access-denied', !res.ok ? `${res.kind}: ${res.message}` : 'resolved');
  assert.match(!res.ok ? res.message : '', /\(Forbidden\) Operation get is not allowed on a disabled secret\./);
});

test('canary: no Azure secret value appears in the log, messages or findings', () => {
  assertNoCanary(logger.text() + '\n' + reported.join('\n'), CANARIES);
  assert.ok(logger.lines.length > 5);
});
