import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LspClient } from '../support/lspClient';

const FLOW = `from metaflow import FlowSpec, step, secrets, environment

class DbFlow(FlowSpec):
    @secrets(sources="db-creds")
    @step
    def start(self):
        self.next(self.end)

    @secrets(sources=["prod/db.creds"])
    @environment(vars={"A": "1"})
    @step
    def end(self):
        pass
`;

describe('language server over stdio', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-lsp-'));
    client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: undefined });
    await client.initialize(ws);
  });

  after(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('publishes Metaflow-exact diagnostics with codes and ranges for a flow', async () => {
    const file = path.join(ws, 'flow.py');
    fs.writeFileSync(file, FLOW);
    const uri = client.open(file, FLOW);
    const diags = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    const codes = diags.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}`).sort();
    assert.deepEqual(codes, ['MFS001@3:21', 'MFS004@8:22', 'MFS005@3:21']);
    const unknown = diags.find((d) => d.code === 'MFS004')!;
    assert.match(unknown.message, /^Unknown secrets backend type prod\/db \(available types: aws-secrets-manager, gcp-secret-manager, az-key-vault\)/);
  });

  test('follows incremental edits and reparses', async () => {
    const file = path.join(ws, 'edit.py');
    const uri = client.open(file, FLOW);
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS004'));
    // Replace "prod/db.creds" (line 8) with "aws-secrets-manager.prod/db.creds".
    const line = FLOW.split('\n')[8];
    const col = line.indexOf('"prod/db.creds"') + 1;
    client.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 8, character: col }, end: { line: 8, character: col } }, text: 'aws-secrets-manager.' }],
    });
    const diags = await client.waitForDiagnostics(uri, (d) => !d.some((x) => x.code === 'MFS004'));
    assert.deepEqual(diags.map((d) => d.code).sort(), ['MFS001', 'MFS005']);
  });
});
