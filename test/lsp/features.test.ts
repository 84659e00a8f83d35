import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LspClient, wholeMessage } from '../support/lspClient';

const INLINE = '{"type": "inline", "id": "creds", "options": {"env_vars": {"DB_USER": "u", "DB_PASSWORD": "p"}}}';

describe('language server features', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-feat-'));
    // A sibling module with a constant list and a base flow: known through the workspace index.
    fs.writeFileSync(path.join(ws, 'common.py'), `import metaflow\nSOURCES = ["prod/db.creds"]\n`);
    fs.writeFileSync(path.join(ws, 'base.py'), `from metaflow import FlowSpec\nclass BaseFlow(FlowSpec):\n    pass\n`);
    client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: undefined });
    await client.initialize(ws);
  });

  after(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('hover on a source shows the names it injects, never values', async () => {
    const text = `import os\nfrom metaflow import FlowSpec, step, secrets\n\nclass F(FlowSpec):\n    @secrets(sources=[${INLINE}])\n    @step\n    def start(self):\n        x = os.environ["DB_USER"]\n`;
    const file = path.join(ws, 'hover.py');
    const uri = client.open(file, text);
    await client.waitForDiagnostics(uri);
    const h = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 25 } });
    assert.match(h.contents.value, /\*\*Injects\*\* \(2\): `DB_USER`, `DB_PASSWORD`/);
    assert.doesNotMatch(h.contents.value, /"u"|"p"/);
    const read = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 24 } });
    assert.match(read.contents.value, /`DB_USER` is set by @secrets source `creds \(inline\)` on step `start`/);
  });

  test('a secret printed to the log is a leak warning with its path', async () => {
    const text = `import os\nfrom metaflow import FlowSpec, step, secrets\n\nclass F(FlowSpec):\n    @secrets(sources=[${INLINE}])\n    @step\n    def start(self):\n        pw = os.environ["DB_PASSWORD"]\n        msg = f"connecting with {pw}"\n        print(msg)\n        print("DB_PASSWORD")\n`;
    const uri = client.open(path.join(ws, 'leak.py'), text);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS050'));
    const leaks = diags.filter((x) => x.code === 'MFS050');
    assert.equal(leaks.length, 1, 'the name alone is not a leak');
    assert.equal(leaks[0].range.start.line, 9);
    assert.match(leaks[0].message, /DB_PASSWORD/);
    assert.equal(leaks[0].severity, 2);
    const related = (leaks[0] as unknown as { relatedInformation: { location: { range: { start: { line: number } } } }[] }).relatedInformation;
    assert.ok(
      related.some((r) => r.location.range.start.line === 7),
      'the path starts at the read',
    );
  });

  test("completion offers the step's variable names inside os.environ[...]", async () => {
    const text = `import os\nfrom metaflow import FlowSpec, step, secrets\n\nclass F(FlowSpec):\n    @secrets(sources=[${INLINE}])\n    @step\n    def start(self):\n        x = os.environ["DB"]\n`;
    const uri = client.open(path.join(ws, 'complete.py'), text);
    await client.waitForDiagnostics(uri);
    const items = await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line: 7, character: 26 } });
    assert.deepEqual(items.map((i) => i.label).sort(), ['DB_PASSWORD', 'DB_USER']);
  });

  test('quick fix wraps a string source in a list', async () => {
    const text = `from metaflow import FlowSpec, step, secrets\n\nclass F(FlowSpec):\n    @secrets(sources="aws-secrets-manager.db")\n    @step\n    def start(self):\n        pass\n`;
    const uri = client.open(path.join(ws, 'fix.py'), text);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS001'));
    const d = diags.find((x) => x.code === 'MFS001')!;
    const actions = await client.request<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d] },
    });
    assert.equal(actions[0].title, 'Wrap the source in a list');
    assert.equal(actions[0].edit.changes[uri][0].newText, '["aws-secrets-manager.db"]');
  });

  test('constants and base flows imported from sibling modules are followed', async () => {
    const text = `from metaflow import step, secrets\nfrom common import SOURCES\nfrom base import BaseFlow\n\nclass F(BaseFlow):\n    @secrets(sources=SOURCES)\n    @step\n    def start(self):\n        pass\n`;
    const uri = client.open(path.join(ws, 'cross.py'), text);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS004'));
    const d = diags.find((x) => x.code === 'MFS004')!;
    assert.equal(d.range.start.line, 5);
    const outline = await client.request<{ name: string; steps: { name: string }[] }[]>('metaflowSecrets/flowOutline', { uri });
    assert.deepEqual(
      outline.map((f) => f.name),
      ['F'],
      'F derives from FlowSpec through base.py',
    );
  });

  test("a change to Metaflow's config file is picked up without a restart", async () => {
    const text = `from metaflow import FlowSpec, step, secrets\n\nclass F(FlowSpec):\n    @secrets(sources=["db"])\n    @step\n    def start(self):\n        pass\n`;
    const uri = client.open(path.join(ws, 'config.py'), text);
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS005'));
    fs.mkdirSync(path.join(ws, '.metaflow'), { recursive: true });
    const cfg = path.join(ws, '.metaflow', 'config.json');
    fs.writeFileSync(cfg, JSON.stringify({ METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' }));
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(cfg).toString(), type: 1 }] });
    await client.waitForDiagnostics(uri, (d) => !d.some((x) => x.code === 'MFS005'));
    fs.rmSync(path.join(ws, '.metaflow'), { recursive: true });
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(cfg).toString(), type: 3 }] });
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS005'));
  });

  test('a misnamed key in .metaflow/config.json is marked in the config file and named in the flow', async () => {
    const dir = path.join(ws, 'cfgtypo');
    fs.mkdirSync(path.join(dir, '.metaflow'), { recursive: true });
    const cfg = path.join(dir, '.metaflow', 'config.json');
    fs.writeFileSync(cfg, '{\n    "METAFLOW_SECRETS_BACKEND_TYPE": "aws-secrets-manager"\n}\n');
    const text = `from metaflow import FlowSpec, step, secrets\n\nclass F(FlowSpec):\n    @secrets(sources=["db"])\n    @step\n    def start(self):\n        pass\n`;
    const uri = client.open(path.join(dir, 'flow.py'), text);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS005'));
    assert.match(
      wholeMessage(diags.find((x) => x.code === 'MFS005')!),
      /METAFLOW_SECRETS_BACKEND_TYPE is set \(in .*config\.json\) but Metaflow does not read that name; it reads METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE/,
    );
    assert.ok(diags.some((x) => x.code === 'MFS041'));
    const cfgUri = pathToFileURL(cfg).toString();
    const inFile = await client.waitForDiagnostics(cfgUri, (d) => d.some((x) => x.code === 'MFS041'));
    assert.deepEqual(
      inFile.map((x) => [x.range.start.line, x.range.start.character]),
      [[1, 4]],
    );
    const actions = await client.request<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri: cfgUri },
      range: inFile[0].range,
      context: { diagnostics: inFile },
    });
    assert.deepEqual(
      actions.map((a) => a.edit.changes[cfgUri][0].newText),
      ['"METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"'],
    );
    // Fixed on disk: the flow is clean and the config file's diagnostic goes away.
    fs.writeFileSync(cfg, '{"METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "aws-secrets-manager"}');
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: cfgUri, type: 2 }] });
    await client.waitForDiagnostics(uri, (d) => d.length === 0);
    await client.waitForDiagnostics(cfgUri, (d) => d.length === 0);
  });

  test('launch.json --with secrets traps are diagnosed', async () => {
    const file = path.join(ws, '.vscode', 'launch.json');
    const text = `{"configurations": [{"type": "debugpy", "request": "launch", "args": ["run", "--with", "secrets:sources=['db']"]}]}`;
    const uri = client.open(file, text);
    const diags = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.deepEqual(
      diags.map((d) => d.code),
      ['MFS020'],
    );
  });

  test('a binary file and garbage do not crash the server', async () => {
    const uri = client.open(path.join(ws, 'blob.py'), 'PK\u0003\u0004\u0000\u0000binary');
    const garbage = client.open(path.join(ws, 'garbage.py'), '@secrets(sources=[{"type": ' + '('.repeat(2000));
    await client.waitForDiagnostics(garbage);
    const h = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 1 } });
    assert.equal(h, null);
    assert.equal(client.proc.exitCode, null, 'server still running');
  });
});
