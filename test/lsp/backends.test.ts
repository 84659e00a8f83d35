import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FaultProxy, RunningEmulator, startMoto } from '../support/emulators';
import { execFile } from 'node:child_process';
import { LspClient, REPO } from '../support/lspClient';
import { openingKey } from '../../shared/sealedBox';
import { PrepareRunResult } from '../../shared/protocol';
import { buildLaunchPlan, ResolvedSource } from '../../shared/run';

const PYTHON = path.join(REPO, '.venv', 'bin', 'python');

// The language server against the AWS emulator, through the real SDK: diagnostics, hovers and
// request counts while editing, and canary values that must appear nowhere.

const CANARY_PASSWORD = 'canary-pw-7f3a9c1e5b';
const CANARY_USER = 'canary-user-2d8e4f6a0c';
const CREDS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };

function flow(extraRead = 'DB_USER', sources = '"db-credentials", "missing-secret"'): string {
  return `import os
from metaflow import FlowSpec, step, secrets

class DbFlow(FlowSpec):
    @secrets(sources=[${sources}])
    @step
    def start(self):
        user = os.environ["${extraRead}"]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DbFlow()
`;
}

describe('language server with the AWS backend (moto)', () => {
  let moto: RunningEmulator;
  let proxy: FaultProxy;
  let ws: string;
  let client: LspClient;

  before(async () => {
    moto = await startMoto();
    const sm = new SecretsManagerClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await sm.send(
      new CreateSecretCommand({ Name: 'db-credentials', SecretString: JSON.stringify({ DB_USER: CANARY_USER, DB_PASSWORD: CANARY_PASSWORD, DB_PORT: 5432 }) }),
    );
    sm.destroy();
    proxy = new FaultProxy(moto.url);
    const endpoint = await proxy.start();
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-be-'));
    client = new LspClient({ ...CREDS, METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager', TMPDIR: ws });
    await client.initialize(ws, {
      trusted: true,
      settings: { backends: { aws: { endpoint }, timeoutMs: 5000 } },
    });
  });

  after(async () => {
    await client?.stop();
    await proxy?.stop();
    await moto?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('a missing secret is reported and an existing one gives its key names', async () => {
    const uri = client.open(path.join(ws, 'flow.py'), flow());
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS030'));
    const missing = diags.find((x) => x.code === 'MFS030')!;
    assert.equal(missing.range.start.line, 4);
    assert.match(missing.message, /missing-secret/);
    const h = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 25 } });
    assert.match(h.contents.value, /\*\*Injects\*\* \(3\): `DB_USER`, `DB_PASSWORD`, `DB_PORT`/);
  });

  test('the status item says what was resolved and as whom', async () => {
    const statuses = () => client.notifications.filter((n) => n.method === 'metaflowSecrets/status').map((n) => (n.params as { detail: string }).detail);
    const deadline = Date.now() + 10000;
    while (!statuses().some((d) => /aws-secrets-manager: arn:aws:/.test(d)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      statuses().some((d) => /\d+ resolved, \d+ failed, \d+ pending — aws-secrets-manager: arn:aws:/.test(d)),
      JSON.stringify(statuses().slice(-3)),
    );
  });

  test('a read of a name the sources do not provide, with the nearest names', async () => {
    // Only once every source's names are known (a failed source hides its names).
    const uri = client.open(path.join(ws, 'typo.py'), flow('DB_PASWORD', '"db-credentials"'));
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS023'));
    assert.match(diags.find((x) => x.code === 'MFS023')!.message, /Did you mean 'DB_PASSWORD'\?/);
  });

  test('many edits across documents cause one request per distinct source', async () => {
    const before = proxy.count('secretsmanager.GetSecretValue');
    const uris = [0, 1, 2].map((i) => client.open(path.join(ws, `edit${i}.py`), flow()));
    for (const uri of uris) await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS030'));
    for (let v = 2; v < 60; v++) {
      for (const uri of uris) {
        client.notify('textDocument/didChange', {
          textDocument: { uri, version: v },
          contentChanges: [{ range: { start: { line: 7, character: 8 }, end: { line: 7, character: 8 } }, text: v % 2 ? 'x' : '' }],
        });
      }
    }
    await client.waitForDiagnostics(uris[2], (d) => d.some((x) => x.code === 'MFS030'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 0, 'both sources were answered before and are cached');
    assert.equal(proxy.count('secretsmanager.GetSecretValue'), 2, 'exactly one request per distinct source overall');
  });

  test('a misspelt secret name: "did you mean" from the backend\'s listing, with a quick fix', async () => {
    const uri = client.open(path.join(ws, 'misspelt.py'), flow('DB_USER', '"db-credential"'));
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS030' && /Did you mean/.test(x.message)));
    const missing = diags.find((x) => x.code === 'MFS030')!;
    assert.match(missing.message, /Did you mean 'db-credentials'\? \(listed in us-east-1\)/);
    const actions = await client.request<{ title: string; edit?: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: missing.range,
      context: { diagnostics: [missing] },
    });
    const fix = actions.find((a) => a.title === "Change to 'db-credentials'");
    assert.deepEqual(
      fix?.edit?.changes[uri].map((e) => e.newText),
      ['"db-credentials"'],
    );
    assert.ok(!JSON.stringify(diags).includes(CANARY_PASSWORD));
  });

  test('get_secret(): a missing source is reported, an existing one shows the keys it returns', async () => {
    const text = `from metaflow import FlowSpec, step
from metaflow.plugins.secrets import get_secret

class CallFlow(FlowSpec):
    @step
    def start(self):
        creds = get_secret("db-credentials")
        other = get_secret(source="gone-secret")
        self.next(self.end)

    @step
    def end(self):
        pass
`;
    const uri = client.open(path.join(ws, 'calls.py'), text);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS030'));
    assert.deepEqual(
      diags.filter((x) => x.code === 'MFS030').map((x) => x.range.start.line),
      [7],
    );
    const h = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 30 } });
    assert.match(h.contents.value, /\*\*get_secret source\*\*/);
    assert.match(h.contents.value, /\*\*Returns a dict with keys\*\* \(3\): `DB_USER`, `DB_PASSWORD`, `DB_PORT`/);
    assert.ok(!h.contents.value.includes(CANARY_PASSWORD) && !JSON.stringify(diags).includes(CANARY_USER));
  });

  test('the Secrets view: flows → steps → sources with state, resolved id and names, never values', async () => {
    const uri = client.open(path.join(ws, 'view.py'), flow());
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS030'));
    type Tree = { uri: string; name: string; steps: { name: string; sources: { label: string; state: string; resolvedId?: string; names?: string[] }[] }[] }[];
    const tree = await client.request<Tree>('metaflowSecrets/secretsTree', {});
    const mine = tree.find((f) => f.uri === uri);
    assert.ok(mine, JSON.stringify(tree.map((f) => f.uri)));
    assert.deepEqual(
      mine.steps.map((s) => s.name),
      ['start'],
    );
    const [found, missing] = mine.steps[0].sources;
    assert.deepEqual([found.label, found.state, found.names], ['db-credentials (aws-secrets-manager)', 'ok', ['DB_USER', 'DB_PASSWORD', 'DB_PORT']]);
    assert.match(found.resolvedId ?? '', /^arn:aws:secretsmanager:us-east-1:\d+:secret:db-credentials|^db-credentials$/);
    assert.deepEqual([missing.label, missing.state], ['missing-secret (aws-secrets-manager)', 'missing']);
    const text = JSON.stringify(tree);
    assert.ok(!text.includes(CANARY_PASSWORD) && !text.includes(CANARY_USER), 'a value reached the view');
  });

  test("completion inside sources lists the backend's secret names", async () => {
    const text = flow('DB_USER', '"aws-secrets-manager.db"');
    const uri = client.open(path.join(ws, 'names.py'), text);
    await client.waitForDiagnostics(uri);
    const col = text.split('\n')[4].indexOf('.db"') + 3;
    const items = await client.request<{ label: string; textEdit: { newText: string } }[]>('textDocument/completion', {
      textDocument: { uri },
      position: { line: 4, character: col },
    });
    assert.ok(
      items.some((i) => i.label === 'db-credentials'),
      JSON.stringify(items),
    );
  });

  test('completion inside get_secret("...") lists them too', async () => {
    const text =
      'from metaflow import FlowSpec, step\nfrom metaflow.plugins.secrets import get_secret\n\nclass G(FlowSpec):\n    @step\n    def start(self):\n        creds = get_secret("aws-secrets-manager.db")\n';
    const uri = client.open(path.join(ws, 'callnames.py'), text);
    await client.waitForDiagnostics(uri);
    const col = text.split('\n')[6].indexOf('.db"') + 3;
    const items = await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line: 6, character: col } });
    assert.ok(
      items.some((i) => i.label === 'db-credentials'),
      JSON.stringify(items),
    );
  });

  test('a run request resolves every source, sealed: the values cross the connection encrypted', async () => {
    const text = flow('DB_USER', '"db-credentials"');
    const file = path.join(ws, 'runme.py');
    fs.writeFileSync(file, text);
    const uri = client.open(file, text);
    await client.waitForDiagnostics(uri);
    const key = openingKey();
    const r = await client.request<PrepareRunResult>('metaflowSecrets/prepareRun', { uri, flow: 'DbFlow', clientPublicKey: key.publicKey });
    assert.ok(r.ok, JSON.stringify(r));
    if (!r.ok) return;
    const resolved = JSON.parse(key.open(r.sealed)) as ResolvedSource[];
    assert.deepEqual(
      resolved.map((x) => [x.type, x.id]),
      [['aws-secrets-manager', 'db-credentials']],
    );
    assert.equal(resolved[0].env.DB_PASSWORD, CANARY_PASSWORD);
    assert.equal(resolved[0].env.DB_PORT, '5432');

    // The whole chain with real Metaflow: the plan's environment carries the payload, and the
    // in-code @secrets gets exactly these values (no 'already exists in env'). The run has no AWS
    // credentials or endpoint: the values can only have come from the editor.
    const plan = buildLaunchPlan({
      flowFile: file,
      mode: 'run',
      resolved,
      python: PYTHON,
      extensionSite: path.join(REPO, 'python', 'site'),
      cwd: ws,
      baseEnv: process.env,
    });
    const env: Record<string, string> = { ...(process.env as Record<string, string>), USERNAME: 'tester', METAFLOW_HOME: path.join(ws, 'home') };
    for (const [k, v] of Object.entries({ ...plan.env, ...r.configEnv }))
      if (v === null) delete env[k];
      else env[k] = v;
    assert.equal(r.configEnv.METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE, 'aws-secrets-manager');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(plan.python, [plan.program, ...plan.args], { cwd: plan.cwd, env, timeout: 120000 }, (err, stdout, stderr) =>
        err ? reject(new Error(stdout + stderr)) : resolve(stdout + stderr),
      );
    });
    assert.match(out, /Done!/);
  });

  test('a remote pre-flight resolves every source but returns no value', async () => {
    const uri = client.open(path.join(ws, 'preflight.py'), flow('DB_USER', '"db-credentials"'));
    await client.waitForDiagnostics(uri);
    const key = openingKey();
    const r = await client.request<PrepareRunResult>('metaflowSecrets/prepareRun', {
      uri,
      flow: 'DbFlow',
      clientPublicKey: key.publicKey,
      preflightOnly: true,
    });
    assert.ok(r.ok, JSON.stringify(r));
    if (r.ok) {
      assert.equal(r.sourceCount, 1);
      assert.deepEqual(JSON.parse(key.open(r.sealed)), []);
    }
  });

  test('a run whose source fails launches nothing and says which source and why', async () => {
    const uri = client.open(path.join(ws, 'norun.py'), flow());
    await client.waitForDiagnostics(uri);
    const key = openingKey();
    const r = await client.request<PrepareRunResult>('metaflowSecrets/prepareRun', { uri, flow: 'DbFlow', clientPublicKey: key.publicKey });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /^Not started: source 'missing-secret \(aws-secrets-manager\)' \(step start\) could not be resolved: /);
  });

  test('the canary values appear in no log, no LSP message and no file', () => {
    const everything = [...client.logs, ...client.traffic].join('\n');
    for (const c of [CANARY_PASSWORD, CANARY_USER]) {
      assert.ok(!everything.includes(c), 'a value reached the log or the LSP traffic');
      assert.ok(!everything.includes(Buffer.from(c).toString('base64')));
    }
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(ws);
    for (const f of files) {
      const text = fs.readFileSync(f, 'latin1');
      for (const c of [CANARY_PASSWORD, CANARY_USER]) assert.ok(!text.includes(c), `${f} holds a value`);
    }
  });
});
