import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TokenCredential } from '@azure/core-auth';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { grpc } from 'google-gax';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { backendSettings, BackendSettings, SecretResolver } from '../../server/src/backends';
import { AzureKeyVaultFake } from '../../scripts/emulators/azureKeyVaultFake';
import { GcpSecretManagerFake } from '../../scripts/emulators/gcpSecretManagerFake';
import { azureTlsFiles, FaultProxy, repoRoot, RunningEmulator, startAzureFake, startGcpFake, startMoto } from '../support/emulators';
import { assertNoCanary, CapturingLogger, makeSpec, withEnv, isolatedAwsEnv } from './helpers';

// Creating a missing secret through the real SDKs, with the clients and credentials that resolve
// it: the values end up in the emulator and nowhere else (log, messages, answers).

const CANARIES = new Set<string>();
const canary = (s: string) => (CANARIES.add(s), s);
const logger = new CapturingLogger();
const reported: string[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-create-'));
const noFile = path.join(tmp, 'absent');
const config = fixedConfig({});

withEnv(isolatedAwsEnv(noFile));

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('AWS Secrets Manager (moto)', () => {
  let moto: RunningEmulator;
  let proxy: FaultProxy;
  let endpoint = '';
  const settings = (top: Partial<BackendSettings> = {}) => backendSettings({ timeoutMs: 5000, ...top, aws: { endpoint, region: 'us-east-1', maxAttempts: 1 } });

  before(async () => {
    moto = await startMoto();
    proxy = new FaultProxy(moto.url);
    endpoint = await proxy.start();
  });
  after(async () => {
    await proxy?.stop();
    await moto?.stop();
  });

  test('the target names account, region and the caller; the JSON secret is created and then resolves', async () => {
    const r = new SecretResolver({ settings: settings(), logger });
    try {
      const spec = makeSpec('aws-secrets-manager', 'new-db-creds');
      const before = await r.resolve(spec, config);
      assert.ok(!before.ok && before.kind === 'not-found');
      const target = await r.creationTarget(spec, config);
      assert.deepEqual(target, { ok: true, where: 'account 123456789012, region us-east-1', identity: 'arn:aws:sts::123456789012:user/moto' });
      const created = await r.createSecret(spec, config, {
        kind: 'json',
        entries: [
          ['DB_USER', canary('canary-create-user-71ac')],
          ['DB_PASSWORD', canary('canary-create-pw-9f2e!"\\')],
        ],
      });
      reported.push(JSON.stringify(created));
      assert.ok(created.ok, !created.ok ? created.message : '');
      assert.match(created.ok ? created.resolvedId : '', /^arn:aws:secretsmanager:us-east-1:123456789012:secret:new-db-creds-\w{6}$/);
      // What the emulator holds, read back with its own client.
      const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.url });
      const stored = await sm.send(new GetSecretValueCommand({ SecretId: 'new-db-creds' }));
      sm.destroy();
      assert.deepEqual(JSON.parse(stored.SecretString!), { DB_USER: 'canary-create-user-71ac', DB_PASSWORD: 'canary-create-pw-9f2e!"\\' });
      // The cached "not found" is gone: the next resolution asks and finds the keys.
      const after = await r.resolve(spec, config);
      assert.deepEqual(after.ok && after.names, ['DB_USER', 'DB_PASSWORD']);
      const plain = await r.createSecret(makeSpec('aws-secrets-manager', 'plain-token', { json: false }), config, {
        kind: 'text',
        value: canary('canary-create-plain-55d1'),
      });
      assert.ok(plain.ok);
      const again = await r.createSecret(spec, config, { kind: 'json', entries: [['X', canary('canary-create-dup-0a0a')]] });
      assert.ok(!again.ok && again.kind === 'other' && /ResourceExistsException/.test(again.message), !again.ok ? `${again.kind}: ${again.message}` : '');
      assert.ok(!again.ok && !again.message.startsWith('Failed to retrieve'), 'worded for creating, not reading');
    } finally {
      r.dispose();
    }
  });

  test('an ARN cannot be created; offline creates nothing', async () => {
    const r = new SecretResolver({ settings: settings(), logger });
    const off = new SecretResolver({ settings: settings({ offline: true }), logger });
    try {
      const arn = makeSpec('aws-secrets-manager', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf');
      const t = await r.creationTarget(arn, config);
      assert.ok(!t.ok && t.kind === 'unsupported' && /write the source by name/.test(t.message));
      const before = proxy.requests.length;
      const o = await off.createSecret(makeSpec('aws-secrets-manager', 'offline-one'), config, { kind: 'text', value: canary('canary-create-off-7777') });
      assert.ok(!o.ok && o.kind === 'offline');
      assert.equal(proxy.requests.length, before);
    } finally {
      r.dispose();
      off.dispose();
    }
  });

  test('an identity that may not create secrets: access denied, worded with the operation', async () => {
    proxy.fault = (req) =>
      req.operation === 'secretsmanager.CreateSecret'
        ? {
            kind: 'respond',
            status: 400,
            body: JSON.stringify({
              __type: 'AccessDeniedException',
              message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: secretsmanager:CreateSecret',
            }),
            headers: { 'x-amzn-errortype': 'AccessDeniedException' },
          }
        : undefined;
    const r = new SecretResolver({ settings: settings(), logger });
    try {
      const res = await r.createSecret(makeSpec('aws-secrets-manager', 'denied-one'), config, {
        kind: 'json',
        entries: [['K', canary('canary-create-denied-3b3b')]],
      });
      reported.push(JSON.stringify(res));
      assert.ok(!res.ok && res.kind === 'access-denied', !res.ok ? `${res.kind}: ${res.message}` : '');
      assert.equal(
        !res.ok && res.message,
        'An error occurred (AccessDeniedException) when calling the CreateSecret operation: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: secretsmanager:CreateSecret',
      );
    } finally {
      proxy.fault = undefined;
      r.dispose();
    }
  });

  test('denied by real IAM policy evaluation in moto (a user without policies)', async () => {
    const iamMoto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '3' } });
    const root = repoRoot();
    const key = JSON.parse(
      execFileSync(path.join(root, '.venv', 'bin', 'python'), [path.join(root, 'test', 'backends', 'oracles', 'moto_iam_setup.py'), iamMoto.url], {
        input: '{}',
        encoding: 'utf8',
        timeout: 60_000,
      }),
    ) as { id: string; secret: string };
    const restore = withEnv({ AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret });
    const r = new SecretResolver({
      settings: backendSettings({ timeoutMs: 5000, aws: { endpoint: iamMoto.url, region: 'us-east-1', maxAttempts: 1 } }),
      logger,
    });
    try {
      const spec = makeSpec('aws-secrets-manager', 'not-allowed');
      const target = await r.creationTarget(spec, config);
      assert.equal(target.ok && target.identity, 'arn:aws:iam::123456789012:user/dev');
      const res = await r.createSecret(spec, config, { kind: 'json', entries: [['K', canary('canary-create-iam-4c4c')]] });
      reported.push(JSON.stringify(res));
      assert.ok(!res.ok && res.kind === 'access-denied', !res.ok ? `${res.kind}: ${res.message}` : 'created');
      // moto's IAM denial body is not the JSON protocol's: the SDK cannot read it, so only the status counts.
      assert.match(!res.ok ? res.message : '', /HTTP 403/);
    } finally {
      restore();
      r.dispose();
      await iamMoto.stop();
    }
  });
});

describe('Azure Key Vault (REST fake)', () => {
  let vault: AzureKeyVaultFake;
  const VAULT = 'https://mfs-vault.vault.azure.net';
  const claims = Buffer.from(JSON.stringify({ upn: 'dev@example.com', tid: 'tenant-1' })).toString('base64url');
  const credential: TokenCredential = { getToken: async () => ({ token: `h.${claims}.s`, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const resolver = () =>
    new SecretResolver({
      settings: backendSettings({
        timeoutMs: 5000,
        azure: { endpoint: vault.url, caFile: azureTlsFiles().cert, disableChallengeResourceVerification: true, maxRetries: 0 },
      }),
      logger,
      azure: { credential: () => credential },
    });

  before(async () => {
    vault = await startAzureFake();
    vault.acceptedTokens.add(`h.${claims}.s`);
  });
  after(async () => {
    await vault?.stop();
  });

  test("the vault and the token's user; setSecret stores the value; then it resolves", async () => {
    const r = resolver();
    try {
      const spec = makeSpec('az-key-vault', `${VAULT}/secrets/new-api-key`);
      assert.ok(!(await r.resolve(spec, config)).ok);
      const target = await r.creationTarget(spec, config);
      assert.deepEqual(target, { ok: true, where: `vault ${VAULT} (via ${vault.url})`, identity: 'dev@example.com (tenant tenant-1)' });
      const created = await r.createSecret(spec, config, { kind: 'text', value: canary('canary-create-az-6d6d') });
      reported.push(JSON.stringify(created));
      assert.ok(created.ok, !created.ok ? created.message : '');
      assert.equal(vault.latestValue('new-api-key'), 'canary-create-az-6d6d');
      const after = await r.resolve(spec, config);
      assert.deepEqual(after.ok && after.names, ['new_api_key']);
      const versioned = await r.creationTarget(makeSpec('az-key-vault', `${VAULT}/secrets/x/${'a'.repeat(32)}`), config);
      assert.ok(!versioned.ok && versioned.kind === 'unsupported');
    } finally {
      r.dispose();
    }
  });

  test("a vault that forbids setting secrets: access denied with Key Vault's own words", async () => {
    vault.fault = (req) =>
      req.method === 'PUT'
        ? {
            kind: 'status',
            status: 403,
            code: 'Forbidden',
            message: "The user, group or application 'upn=dev@example.com' does not have secrets set permission on key vault 'mfs-vault'.",
          }
        : undefined;
    const r = resolver();
    try {
      const res = await r.createSecret(makeSpec('az-key-vault', `${VAULT}/secrets/forbidden`), config, {
        kind: 'text',
        value: canary('canary-create-az-deny-1e1e'),
      });
      reported.push(JSON.stringify(res));
      assert.ok(!res.ok && res.kind === 'access-denied', !res.ok ? `${res.kind}: ${res.message}` : '');
      assert.match(!res.ok ? res.message : '', /^\(Forbidden\) The user, group or application 'upn=dev@example\.com' does not have secrets set permission/);
      assert.equal(vault.latestValue('forbidden'), undefined);
    } finally {
      vault.fault = undefined;
      r.dispose();
    }
  });
});

describe('GCP Secret Manager (gRPC fake)', () => {
  let sm: GcpSecretManagerFake;
  const resolver = () => new SecretResolver({ settings: backendSettings({ timeoutMs: 5000, gcp: { endpoint: sm.endpoint, insecure: true } }), logger });

  before(async () => {
    sm = await startGcpFake();
  });
  after(async () => {
    await sm?.stop();
  });

  test('createSecret + addSecretVersion; a secret without versions gets its first; then it resolves', async () => {
    const r = resolver();
    try {
      const spec = makeSpec('gcp-secret-manager', 'projects/77/secrets/new-token');
      const target = await r.creationTarget(spec, config);
      assert.deepEqual(target, { ok: true, where: 'project 77', identity: 'no credentials (emulator) (' + sm.endpoint + ')' });
      const created = await r.createSecret(spec, config, { kind: 'text', value: canary('canary-create-gcp-8e8e') });
      reported.push(JSON.stringify(created));
      assert.deepEqual(created, { ok: true, resolvedId: 'projects/77/secrets/new-token/versions/1' });
      assert.equal(sm.latestPayload('77', 'new-token'), 'canary-create-gcp-8e8e');
      const after = await r.resolve(spec, config);
      assert.deepEqual(after.ok && after.names, ['new_token']);
      // A JSON object when the source reads JSON.
      const json = await r.createSecret(makeSpec('gcp-secret-manager', 'projects/77/secrets/new-json', { json: true }), config, {
        kind: 'json',
        entries: [['A', canary('canary-create-gcp-json-9f9f')]],
      });
      assert.ok(json.ok);
      assert.deepEqual(JSON.parse(sm.latestPayload('77', 'new-json')!), { A: 'canary-create-gcp-json-9f9f' });
      // A secret that exists without versions ("not found or has no versions") gets its first one.
      const seed = await r.createSecret(makeSpec('gcp-secret-manager', 'projects/77/secrets/empty'), config, {
        kind: 'text',
        value: canary('canary-create-gcp-e1-3a3a'),
      });
      assert.ok(seed.ok);
      sm.removeVersions('77', 'empty');
      const refill = await r.createSecret(makeSpec('gcp-secret-manager', 'projects/77/secrets/empty'), config, {
        kind: 'text',
        value: canary('canary-create-gcp-e2-4b4b'),
      });
      assert.deepEqual(refill, { ok: true, resolvedId: 'projects/77/secrets/empty/versions/1' });
      assert.equal(sm.count('CreateSecret', 'projects/77/secrets/empty'), 2);
      const pinned = await r.creationTarget(makeSpec('gcp-secret-manager', 'projects/77/secrets/x/versions/3'), config);
      assert.ok(!pinned.ok && pinned.kind === 'unsupported');
    } finally {
      r.dispose();
    }
  });

  test('permission denied on CreateSecret: access denied, nothing stored', async () => {
    sm.fault = (req) =>
      req.method === 'CreateSecret'
        ? {
            kind: 'status',
            code: grpc.status.PERMISSION_DENIED,
            details: "Permission 'secretmanager.secrets.create' denied for resource 'projects/77' (or it may not exist).",
          }
        : undefined;
    const r = resolver();
    try {
      const res = await r.createSecret(makeSpec('gcp-secret-manager', 'projects/77/secrets/denied'), config, {
        kind: 'text',
        value: canary('canary-create-gcp-deny-2f2f'),
      });
      reported.push(JSON.stringify(res));
      assert.ok(!res.ok && res.kind === 'access-denied', !res.ok ? `${res.kind}: ${res.message}` : '');
      assert.equal(!res.ok && res.message, "403 Permission 'secretmanager.secrets.create' denied for resource 'projects/77' (or it may not exist).");
      assert.equal(sm.latestPayload('77', 'denied'), undefined);
    } finally {
      sm.fault = undefined;
      r.dispose();
    }
  });
});

test('canary: no value created appears in the log or in any answer', () => {
  assert.ok(
    logger.lines.some((l) => /aws: CreateSecret new-db-creds with keys DB_USER, DB_PASSWORD/.test(l)),
    logger.text(),
  );
  assertNoCanary(logger.text() + '\n' + reported.join('\n'), CANARIES);
});
