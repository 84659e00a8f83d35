import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsError, FaultProxy, ProxyFault, RunningEmulator, startMoto } from '../support/emulators';
import { LspClient, PublishedDiagnostic, wholeMessage } from '../support/lspClient';
import { printFigures, record, recordMax } from './figures';

// The language server against moto through the faulty proxy, with the real AWS SDK: a failure
// that may pass (5xx, throttling, an unreadable answer, a hang, an expired token) is asked again
// by itself and the diagnostics change without an edit, within the first backoff (5 s), showing
// the failure until the answer comes (no flicker); credentials written to the shared credentials
// file are noticed at once, and the status item then says who the editor is.

const REGION = { AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
/** The first retry comes 5 s after a failure; this leaves room for a loaded machine. */
const WITHIN_BACKOFF_MS = 9_000;

after(() => printFigures('backend recovery'));

let moto: RunningEmulator;
let proxy: FaultProxy;
let endpoint: string;

before(async () => {
  moto = await startMoto();
  const sm = new SecretsManagerClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  for (const name of ['db-5xx', 'db-throttled', 'db-html', 'db-hang', 'db-expired', 'db-creds', 'db-ttl']) {
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ DB_USER: 'u', DB_PASSWORD: 'canary-recovery-5c2e' }) }));
  }
  sm.destroy();
  proxy = new FaultProxy(moto.url);
  endpoint = await proxy.start();
});

after(async () => {
  await proxy?.stop();
  await moto?.stop();
});

function flow(source: string, extra = ''): string {
  return `import os
from metaflow import FlowSpec, step, secrets

class RecoveryFlow(FlowSpec):
    @secrets(sources=["${source}"])
    @step
    def start(self):
        user = os.environ["DB_USER"]${extra}
        self.next(self.end)

    @step
    def end(self):
        pass
`;
}

/** Waits for diagnostics of `uri` that satisfy `until`, keeping every publication seen on the way (the current one first). */
async function watchUntil(client: LspClient, uri: string, until: (d: PublishedDiagnostic[]) => boolean, timeoutMs: number): Promise<PublishedDiagnostic[][]> {
  const seen: PublishedDiagnostic[][] = [];
  await client.waitForDiagnostics(uri, (d) => (seen.push(d), until(d)), timeoutMs);
  return seen;
}

const BACKEND_CODES = /^MFS03[0-8]$/;
const backendCodes = (d: PublishedDiagnostic[]) => d.filter((x) => BACKEND_CODES.test(String(x.code))).map((x) => x.code);

async function server(ws: string, env: Record<string, string | undefined>, backends: unknown): Promise<LspClient> {
  const client = new LspClient({
    METAFLOW_HOME: path.join(ws, 'mfhome'),
    METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager',
    HOME: path.join(ws, 'home'),
    ...REGION,
    ...env,
  });
  await client.initialize(ws, { trusted: true, settings: { backends } });
  return client;
}

describe('failures that pass by themselves are asked again without an edit', () => {
  let ws: string;
  let client: LspClient;
  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-recover-'));
    client = await server(ws, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' }, { aws: { endpoint, maxAttempts: 1 }, timeoutMs: 1500 });
  });
  after(async () => {
    proxy.fault = undefined;
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const faults: [string, string, ProxyFault, string][] = [
    ['a 500', 'db-5xx', awsError(500, 'InternalServiceError', 'We encountered an internal error.'), 'MFS033'],
    ['throttling', 'db-throttled', awsError(400, 'ThrottlingException', 'Rate exceeded'), 'MFS033'],
    [
      'an HTML error page (an unreadable answer)',
      'db-html',
      { kind: 'respond', status: 200, body: '<html><body>Proxy error</body></html>', headers: { 'content-type': 'text/html' } },
      'MFS038',
    ],
    ['a backend that hangs (timeout)', 'db-hang', { kind: 'hang' }, 'MFS033'],
    ['an expired token', 'db-expired', awsError(400, 'ExpiredTokenException', 'The security token included in the request is expired'), 'MFS032'],
  ];
  for (const [what, secret, fault, code] of faults) {
    test(`${what}: ${code} until the backend answers, then the names, with no edit and no flicker`, async () => {
      proxy.fault = (r) => (r.operation === 'secretsmanager.GetSecretValue' ? fault : undefined);
      const uri = client.open(path.join(ws, `${secret}.py`), flow(secret));
      await client.waitForDiagnostics(uri, (d) => backendCodes(d).includes(code), 15_000);
      const asked = proxy.count('secretsmanager.GetSecretValue');
      const fixedAt = Date.now();
      proxy.fault = undefined;
      const seen = await watchUntil(client, uri, (d) => backendCodes(d).length === 0, WITHIN_BACKOFF_MS);
      const ms = Date.now() - fixedAt;
      recordMax('lsp: backend fixed to diagnostics changed, no edit (max ms)', ms);
      // Until the answer came, every publication still showed the failure.
      for (const d of seen.slice(0, -1)) assert.deepEqual(backendCodes(d), [code], JSON.stringify(seen.map(backendCodes)));
      assert.ok(proxy.count('secretsmanager.GetSecretValue') - asked <= 2, 'asked again once (or twice), not in a loop');
      const h = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 24 } });
      assert.match(h.contents.value, /\*\*Injects\*\* \(2\): `DB_USER`, `DB_PASSWORD`/);
    });
  }

  test('a failure that stays: asked again after 5 s, then 10 s (backoff), never more often', async () => {
    proxy.fault = (r) => (r.operation === 'secretsmanager.GetSecretValue' ? awsError(503, 'ServiceUnavailable', 'down') : undefined);
    const before = proxy.count('secretsmanager.GetSecretValue');
    const uri = client.open(path.join(ws, 'down.py'), flow('still-down'));
    await client.waitForDiagnostics(uri, (d) => backendCodes(d).includes('MFS033'), 15_000);
    const firstAt = Date.now();
    await new Promise((r) => setTimeout(r, 12_000));
    const asked = proxy.count('secretsmanager.GetSecretValue') - before;
    record('lsp: requests for a source down for 12 s (first + retries)', asked);
    // At 0 s, 5 s and 15 s: two in these 12 s (three with a slow start), never one per analysis.
    assert.ok(asked >= 2 && asked <= 3, `${asked} requests in ${Date.now() - firstAt} ms`);
    proxy.fault = undefined;
  });

  test('the canary value is in no log, message or published diagnostic', () => {
    const everything = [...client.logs, ...client.traffic].join('\n');
    assert.ok(!everything.includes('canary-recovery-5c2e'));
  });
});

describe('credentials written to the shared credentials file are noticed without a refresh', () => {
  let ws: string;
  let client: LspClient;
  let credentials: string;
  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-creds-'));
    // Nothing there yet, not even the directory: the first `aws configure` or login creates it.
    credentials = path.join(ws, 'aws', 'credentials');
    client = await server(
      ws,
      {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        AWS_CONFIG_FILE: path.join(ws, 'aws', 'config'),
      },
      { aws: { endpoint, maxAttempts: 1 }, timeoutMs: 3000 },
    );
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('MFS032 until the file is written, then resolved at once (well before the 5 s retry), and the status says as whom', async () => {
    const status = () => client.notifications.filter((n) => n.method === 'metaflowSecrets/status').map((n) => (n.params as { detail: string }).detail);
    const uri = client.open(path.join(ws, 'creds.py'), flow('db-creds'));
    const failed = await client.waitForDiagnostics(uri, (d) => backendCodes(d).includes('MFS032'), 15_000);
    const failedAt = Date.now();
    assert.match(wholeMessage(failed.find((d) => d.code === 'MFS032')!), /Unable to locate credentials/);
    const deadline = Date.now() + 3000;
    while (!status().some((s) => /aws-secrets-manager: unknown/.test(s)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      status().some((s) => /aws-secrets-manager: unknown/.test(s)),
      JSON.stringify(status().slice(-3)),
    );

    fs.mkdirSync(path.dirname(credentials), { recursive: true });
    fs.writeFileSync(credentials, '[default]\naws_access_key_id = AKIDRECOVERED\naws_secret_access_key = testing\n');
    const writtenAt = Date.now();
    const seen = await watchUntil(client, uri, (d) => backendCodes(d).length === 0, WITHIN_BACKOFF_MS);
    const ms = Date.now() - writtenAt;
    record('lsp: credentials file written to diagnostics changed (ms)', ms);
    // The automatic retry comes 5 s after the failure: this came sooner, from the watch.
    assert.ok(Date.now() - failedAt < 4500, `${Date.now() - failedAt} ms after the failure (${ms} ms after the write)`);
    assert.ok(
      client.logs.some((l) => /aws-secrets-manager: its credential files changed/.test(l)),
      'the change was noticed by the watch',
    );
    for (const d of seen.slice(0, -1)) assert.deepEqual(backendCodes(d), ['MFS032'], 'the failure showed until the answer came');
    assert.ok(
      proxy.requests.some((r) => r.accessKeyId === 'AKIDRECOVERED'),
      'the new credentials were used',
    );

    // The identity (STS GetCallerIdentity through the same endpoint) follows.
    const until = Date.now() + 5000;
    while (!/aws-secrets-manager: arn:aws:/.test(status().at(-1) ?? '') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.match(status().at(-1) ?? '', /1 resolved, 0 failed, 0 pending — aws-secrets-manager: arn:aws:/);
  });
});

describe('a short cache TTL does not make diagnostics flicker', () => {
  let ws: string;
  let client: LspClient;
  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-ttl-'));
    client = await server(ws, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' }, { aws: { endpoint, maxAttempts: 1 }, cacheTtlSeconds: 1 });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('a missing secret stays reported through edits while its expired answer is asked again', async () => {
    const uri = client.open(path.join(ws, 'ttl.py'), flow('no-such-secret'));
    await client.waitForDiagnostics(uri, (d) => backendCodes(d).includes('MFS030'), 15_000);
    const seen: PublishedDiagnostic[][] = [];
    const watching = client.waitForDiagnostics(uri, (d) => (seen.push(d), false), 5600).catch(() => undefined);
    const before = proxy.count('secretsmanager.GetSecretValue');
    for (let v = 2; v < 16; v++) {
      client.notify('textDocument/didChange', {
        textDocument: { uri, version: v },
        contentChanges: [{ range: { start: { line: 7, character: 34 }, end: { line: 7, character: 34 } }, text: v % 2 ? '  # x' : '' }],
      });
      await new Promise((r) => setTimeout(r, 300));
    }
    await watching;
    assert.ok(seen.length >= 10, `${seen.length} publications`);
    for (const d of seen) assert.deepEqual(backendCodes(d), ['MFS030'], JSON.stringify(seen.map(backendCodes)));
    assert.ok(proxy.count('secretsmanager.GetSecretValue') - before >= 2, 'the expired answer was asked again');
  });
});
