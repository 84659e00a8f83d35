import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Trace } from 'vscode-jsonrpc/node';
import { CREATE_SECRET_COMMAND, CreateSecretPlan, CreateSecretPlanParams, CreateSecretResult, Messages } from '../../shared/protocol';
import { seal } from '../../shared/sealedBox';
import { awsError, FaultProxy, RunningEmulator, startMoto } from '../support/emulators';
import { LspClient, PublishedDiagnostic } from '../support/lspClient';

// "Create secret … in …" through the language server against moto, with the connection traced
// verbosely (what metaflowSecretsServer.trace.server: verbose writes): the values typed in travel
// sealed, so neither the trace, the messages nor the log ever hold them.

const CANARY_USER = 'canary-create-user-5e1d07a2';
const CANARY_PASSWORD = 'canary-create-pw-c93b1f44';
const CANARIES = [CANARY_USER, CANARY_PASSWORD];
const CREDS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };

const FLOW = `import os
from metaflow import FlowSpec, step, secrets

class NewFlow(FlowSpec):
    @secrets(sources=["new-db-creds"])
    @step
    def start(self):
        user = os.environ["DB_USER"]
        password = os.environ.get("DB_PASSWORD")
        home = os.environ["HOME"]
        self.next(self.end)

    @step
    def end(self):
        pass
`;

type Action = { title: string; command?: { command: string; arguments?: unknown[] } };

describe('creating a missing secret from the editor (moto)', () => {
  let moto: RunningEmulator;
  let proxy: FaultProxy;
  let ws: string;
  let client: LspClient;
  const trace: string[] = [];

  before(async () => {
    moto = await startMoto();
    proxy = new FaultProxy(moto.url);
    const endpoint = await proxy.start();
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-create-lsp-'));
    client = new LspClient({ ...CREDS, METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager', TMPDIR: ws });
    // The client side of a verbose message trace, as vscode-languageclient writes it to its output channel.
    await client.conn.trace(Trace.Verbose, { log: (m: string, data?: string) => void trace.push(`${m}\n${data ?? ''}`) });
    await client.initialize(ws, { trusted: true, settings: { backends: { aws: { endpoint }, timeoutMs: 5000 } } });
    client.notify('$/setTrace', { value: 'verbose' });
  });

  after(async () => {
    await client?.stop();
    await proxy?.stop();
    await moto?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const missing = async (uri: string) => (await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS030'))).find((x) => x.code === 'MFS030')!;
  const actionsFor = (uri: string, d: PublishedDiagnostic) =>
    client.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });

  test('quick fix → plan (where, as whom, keys the step reads) → sealed values → created, and the diagnostic goes', async () => {
    const uri = client.open(path.join(ws, 'flow.py'), FLOW);
    const diag = await missing(uri);
    const action = (await actionsFor(uri, diag)).find((a) => a.title === "Create secret 'new-db-creds' in AWS Secrets Manager…");
    assert.ok(action, 'the quick fix is offered');
    assert.equal(action.command?.command, CREATE_SECRET_COMMAND);
    const at = action.command!.arguments![0] as CreateSecretPlanParams;
    const plan = await client.request<CreateSecretPlan>(Messages.createSecretPlan.method, at);
    assert.ok(plan.ok, !plan.ok ? plan.message : '');
    assert.equal(plan.where, 'account 123456789012, region us-east-1');
    assert.equal(plan.identity, 'arn:aws:sts::123456789012:user/moto');
    assert.equal(plan.shape, 'json');
    assert.deepEqual(plan.keys, ['DB_USER', 'DB_PASSWORD'], "HOME is the platform's");
    assert.equal(plan.readBy, 'step start');

    const sealed = seal(
      JSON.stringify({
        entries: [
          ['DB_USER', CANARY_USER],
          ['DB_PASSWORD', CANARY_PASSWORD],
        ],
      }),
      plan.publicKey,
    );
    const result = await client.request<CreateSecretResult>(Messages.createSecret.method, { token: plan.token, sealed });
    assert.ok(result.ok, !result.ok ? result.message : '');
    assert.match(
      result.message,
      /^Created 'new-db-creds' in AWS Secrets Manager \(account 123456789012, region us-east-1\); it resolves now, injecting DB_USER, DB_PASSWORD\.$/,
    );
    await client.waitForDiagnostics(uri, (d) => !d.some((x) => x.code === 'MFS030'));
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 25 } });
    assert.match(hover.contents.value, /\*\*Injects\*\* \(2\): `DB_USER`, `DB_PASSWORD`/);
    // In the emulator, exactly as typed.
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const stored = await sm.send(new GetSecretValueCommand({ SecretId: 'new-db-creds' }));
    sm.destroy();
    assert.deepEqual(JSON.parse(stored.SecretString!), { DB_USER: CANARY_USER, DB_PASSWORD: CANARY_PASSWORD });

    // A plan is good for one creation.
    const replay = await client.request<CreateSecretResult>(Messages.createSecret.method, { token: plan.token, sealed });
    assert.ok(!replay.ok && replay.kind === 'expired');
  });

  test('an identity that may not create secrets gets a clear error naming who, where and the permission', async () => {
    proxy.fault = (r) =>
      r.operation === 'secretsmanager.CreateSecret'
        ? awsError(400, 'AccessDeniedException', 'User: arn:aws:sts::123456789012:user/moto is not authorized to perform: secretsmanager:CreateSecret')
        : undefined;
    try {
      const uri = client.open(path.join(ws, 'denied.py'), FLOW.replace('new-db-creds', 'forbidden-creds'));
      const diag = await missing(uri);
      const plan = await client.request<CreateSecretPlan>(Messages.createSecretPlan.method, { uri, position: diag.range.start });
      assert.ok(plan.ok);
      const result = await client.request<CreateSecretResult>(Messages.createSecret.method, {
        token: plan.token,
        sealed: seal(JSON.stringify({ entries: [['DB_USER', CANARY_USER]] }), plan.publicKey),
      });
      assert.ok(!result.ok && result.kind === 'access-denied');
      assert.equal(
        !result.ok && result.message,
        'arn:aws:sts::123456789012:user/moto in account 123456789012, region us-east-1 may not create this secret (it needs secretsmanager:CreateSecret): An error occurred (AccessDeniedException) when calling the CreateSecret operation: User: arn:aws:sts::123456789012:user/moto is not authorized to perform: secretsmanager:CreateSecret',
      );
    } finally {
      proxy.fault = undefined;
    }
  });

  test('values that are not sealed to the plan, or keys Metaflow would refuse, are turned away', async () => {
    const uri = client.open(path.join(ws, 'bad.py'), FLOW.replace('new-db-creds', 'other-creds'));
    const diag = await missing(uri);
    const plan = await client.request<CreateSecretPlan>(Messages.createSecretPlan.method, { uri, position: diag.range.start });
    const other = await client.request<CreateSecretPlan>(Messages.createSecretPlan.method, { uri, position: diag.range.start });
    assert.ok(plan.ok && other.ok);
    const wrongKey = await client.request<CreateSecretResult>(Messages.createSecret.method, {
      token: plan.token,
      sealed: seal(JSON.stringify({ entries: [['K', CANARY_USER]] }), other.publicKey),
    });
    assert.ok(!wrongKey.ok && /could not be opened/.test(wrongKey.message));
    const badName = await client.request<CreateSecretResult>(Messages.createSecret.method, {
      token: other.token,
      sealed: seal(JSON.stringify({ entries: [['METAFLOW_X', CANARY_USER]] }), other.publicKey),
    });
    assert.ok(!badName.ok && /Found disallowed env var name 'METAFLOW_X'/.test(badName.message));
    assert.equal(proxy.count('secretsmanager.CreateSecret'), 2, 'only the two real attempts reached the backend');
  });

  test('canary: no value in the verbose trace, any message or the server log', () => {
    assert.ok(
      trace.some((t) => /Sending request 'metaflowSecrets\/createSecret/.test(t) && /"ciphertext"/.test(t)),
      'the trace recorded the create request (sealed)',
    );
    const everything = [...trace, ...client.traffic, ...client.logs].join('\n');
    for (const c of CANARIES) {
      assert.ok(!everything.includes(c), `a value (${c.length} chars) reached the trace, a message or the log`);
      assert.ok(!everything.includes(Buffer.from(c).toString('base64')));
    }
    assert.ok(
      client.logs.some((l) =>
        /Create new-db-creds \(aws-secrets-manager\) in account 123456789012, region us-east-1 as arn:aws:sts::123456789012:user\/moto: keys DB_USER, DB_PASSWORD/.test(
          l,
        ),
      ),
      client.logs.join('\n'),
    );
  });
});

describe('in Restricted Mode', () => {
  test('no quick fix, and no plan', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-create-untrusted-'));
    const client = new LspClient({ ...CREDS, METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' });
    try {
      await client.initialize(ws, { trusted: false });
      const uri = client.open(path.join(ws, 'flow.py'), FLOW);
      await client.waitForDiagnostics(uri);
      const fake: PublishedDiagnostic = { range: { start: { line: 4, character: 22 }, end: { line: 4, character: 36 } }, code: 'MFS030', message: 'x' };
      const actions = await client.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: fake.range, context: { diagnostics: [fake] } });
      assert.ok(!actions.some((a) => a.command?.command === CREATE_SECRET_COMMAND));
      const plan = await client.request<CreateSecretPlan>(Messages.createSecretPlan.method, { uri, position: { line: 4, character: 25 } });
      assert.ok(!plan.ok && /Restricted Mode/.test(plan.message));
    } finally {
      await client.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
