import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LspClient, PublishedDiagnostic, wholeMessage } from '../support/lspClient';
import { fakeInterpreter, OUTERBOUNDS_FLOW, pythonWithoutMetaflow, venvPython } from '../support/interpreters';

// The server asks the run interpreter the client reports which Metaflow it has: the same
// Outerbounds source is an Error with open-source Metaflow and clean with ob-metaflow.

const FLOW = OUTERBOUNDS_FLOW;
const SOURCE_AT = { line: 4, character: 25 };

const codes = (d: PublishedDiagnostic[]) => d.map((x) => x.code).sort();
const sortedTypes = (m: string) => m.replace(/\(available types: ([^)]*)\)/, (_, l: string) => `(available types: ${l.split(', ').sort().join(', ')})`);

describe("language server: the user's Metaflow from the run interpreter", () => {
  let ws: string;
  let env: Record<string, string | undefined>;
  const clients: LspClient[] = [];

  before(() => {
    ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-lsp-probe-')));
    fs.mkdirSync(path.join(ws, 'home'));
    fs.writeFileSync(path.join(ws, 'ob_flow.py'), FLOW);
    env = { METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: undefined, METAFLOW_PROFILE: undefined, PYTHONPATH: undefined };
  });
  after(async () => {
    for (const c of clients) await c.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  async function start(trusted: boolean): Promise<{ client: LspClient; uri: string }> {
    const client = new LspClient(env);
    clients.push(client);
    await client.initialize(ws, { trusted });
    const uri = client.open(path.join(ws, 'ob_flow.py'), FLOW);
    return { client, uri };
  }

  const logged = (c: LspClient, re: RegExp, timeoutMs = 20000) =>
    new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const look = () => {
        const hit = c.logs.find((l) => re.test(l));
        if (hit) return resolve(hit);
        if (Date.now() - started > timeoutMs) return reject(new Error(`no log line matching ${re}; logs:\n${c.logs.join('\n')}`));
        setTimeout(look, 50);
      };
      look();
    });

  const until = async <T>(what: string, get: () => T | undefined, timeoutMs = 20000): Promise<T> => {
    const started = Date.now();
    for (;;) {
      const v = get();
      if (v !== undefined) return v;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const metaflowStatus = (c: LspClient, pred: (p: { probed: boolean; text: string; detail: string }) => boolean) =>
    until('a metaflowSecrets/metaflow status', () =>
      c.notifications
        .map((n) => (n.method === 'metaflowSecrets/metaflow' ? (n.params as { probed: boolean; text: string; detail: string }) : undefined))
        .find((p) => p && pred(p)),
    );

  test('open-source Metaflow: Unknown secrets backend type, then ob-metaflow: clean, without an assumption', async () => {
    const { client, uri } = await start(true);
    // Typing never waits for the probe: the static model answers first.
    const first = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.deepEqual(codes(first), ['MFS024']);

    client.notify('metaflowSecrets/interpreter', { python: venvPython('.venv'), origin: 'setting' });
    const oss = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS004'), 20000);
    assert.deepEqual(codes(oss), ['MFS004']);
    assert.equal(oss[0].severity, 1);
    assert.match(
      sortedTypes(wholeMessage(oss[0])),
      /^Unknown secrets backend type outerbounds \(available types: aws-secrets-manager, az-key-vault, gcp-secret-manager\)\. Your Metaflow \(metaflow 2\.19\.39\) does not register 'outerbounds'/,
    );
    await logged(client, /^Metaflow 2\.19\.39 \(metaflow\) · backends: aws-secrets-manager, az-key-vault, gcp-secret-manager — from /);

    client.notify('metaflowSecrets/interpreter', { python: venvPython('.venv-ob'), origin: 'python-extension' });
    // Until the new interpreter answers, the static model (MFS024) stands in.
    const ob = await client.waitForDiagnostics(uri, (d) => d.length === 0, 20000);
    assert.deepEqual(ob, [], 'no Error and no MFS024 assumption with ob-metaflow');
    await logged(client, /^Metaflow 2\.19\.39\.1 \(ob-metaflow\) · backends: aws-secrets-manager, az-key-vault, gcp-secret-manager, outerbounds — from /);
    const status = await metaflowStatus(client, (p) => p.text.includes('ob-metaflow'));
    assert.deepEqual(status, {
      probed: true,
      text: 'Metaflow 2.19.39.1 (ob-metaflow)',
      detail: `backends: aws-secrets-manager, az-key-vault, gcp-secret-manager, outerbounds · ${venvPython('.venv-ob')}`,
    });

    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: SOURCE_AT });
    assert.match(
      hover.contents.value,
      /'outerbounds' is registered by your Metaflow \(ob-metaflow 2\.19\.39\.1\) and managed by the Outerbounds platform; its keys are known only there/,
    );
  });

  test('multi-root: each folder is checked against its own interpreter', async () => {
    const a = path.join(ws, 'oss-folder');
    const b = path.join(ws, 'ob-folder');
    for (const d of [a, b]) {
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'ob_flow.py'), FLOW);
    }
    const client = new LspClient(env);
    clients.push(client);
    await client.initialize([a, b], { trusted: true });
    const inA = client.open(path.join(a, 'ob_flow.py'), FLOW);
    const inB = client.open(path.join(b, 'ob_flow.py'), FLOW);
    client.notify('metaflowSecrets/interpreter', { python: venvPython('.venv'), origin: 'setting', folder: a });
    client.notify('metaflowSecrets/interpreter', { python: venvPython('.venv-ob'), origin: 'python-extension', folder: b });
    assert.deepEqual(codes(await client.waitForDiagnostics(inA, (d) => d.some((x) => x.code === 'MFS004'), 30000)), ['MFS004']);
    assert.deepEqual(await client.waitForDiagnostics(inB, (d) => d.length === 0, 30000), []);
  });

  test('Restricted Mode: no probe process is started; trusting the workspace starts it', async () => {
    const record = path.join(ws, 'interpreter-ran');
    const recording = fakeInterpreter(ws, 'recording-python', `echo ran >> '${record}'\nexec '${venvPython('.venv')}' "$@"`);
    const { client, uri } = await start(false);
    client.notify('metaflowSecrets/interpreter', { python: recording, origin: 'setting' });
    await logged(
      client,
      /Metaflow: Restricted Mode: not asking .*recording-python which Metaflow it has; checking against open-source Metaflow's backend types/,
    );
    const d = await client.waitForDiagnostics(uri, (x) => x.length > 0);
    assert.deepEqual(codes(d), ['MFS024']);
    // Edits and hovers analyse again: still nothing may start.
    await client.request('textDocument/hover', { textDocument: { uri }, position: SOURCE_AT });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(fs.existsSync(record), false, 'the interpreter was run in Restricted Mode');

    // The recorder is live: once trusted, the same interpreter is asked.
    client.notify('metaflowSecrets/trustChanged', { trusted: true });
    await client.waitForDiagnostics(uri, (x) => x.some((y) => y.code === 'MFS004'), 20000);
    assert.equal(fs.readFileSync(record, 'utf8').trim(), 'ran');
  });

  for (const [name, python, reason] of [
    ['a missing interpreter', () => path.join(ws, 'no-such-python'), /interpreter .*no-such-python not found/],
    ['an interpreter without Metaflow', () => pythonWithoutMetaflow(), /no Metaflow in .* \(ModuleNotFoundError: No module named 'metaflow'\)/],
  ] as const) {
    test(`${name}: the static model, and a log line saying why`, async () => {
      const { client, uri } = await start(true);
      client.notify('metaflowSecrets/interpreter', { python: python(), origin: 'setting' });
      const line = await logged(client, /Metaflow: the Metaflow probe of .* failed: /);
      assert.match(line, reason);
      assert.match(line, /; checking against open-source Metaflow's backend types and the configuration files the editor reads itself$/);
      const d = await client.waitForDiagnostics(uri, (x) => x.length > 0);
      assert.deepEqual(codes(d), ['MFS024']);
      const status = await metaflowStatus(client, (p) => p.detail.includes('probe'));
      assert.equal(status.probed, false);
      assert.match(status.detail, reason);
    });
  }
});
