import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LspClient } from '../support/lspClient';

// Which documents an edit re-analyses: the edited one, and the ones that import what it defines;
// an unrelated open document is neither analysed nor published again.
describe('analysis scheduling', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-sched-'));
    client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' });
    await client.initialize(ws, { trusted: false });
  });

  after(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const flow = (name: string, imports: string, sources: string) =>
    `from metaflow import FlowSpec, secrets, step\n${imports}\n\nclass ${name}(FlowSpec):\n    @secrets(sources=${sources})\n    @step\n    def start(self):\n        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n`;

  test('an edit to a module re-analyses its importers only, and unchanged results are not sent again', async () => {
    const consts = path.join(ws, 'consts.py');
    const constsText = `import metaflow\nSOURCES = ["db-creds"]\n`;
    fs.writeFileSync(consts, constsText);
    const constsUri = client.open(consts, constsText);
    const importer = client.open(path.join(ws, 'importer.py'), flow('ImporterFlow', 'from consts import SOURCES', 'SOURCES'));
    const unrelated = client.open(path.join(ws, 'unrelated.py'), flow('UnrelatedFlow', '', '["other-creds"]'));
    await client.waitForDiagnostics(constsUri);
    await client.waitForDiagnostics(importer, (d) => d.every((x) => x.code !== 'MFS004'));
    await client.waitForDiagnostics(unrelated);
    // Settle: nothing else is on its way.
    await new Promise((r) => setTimeout(r, 500));
    const before = client.publications.get(unrelated);

    // The constant becomes a source with an unknown type: the importer says so.
    client.notify('textDocument/didChange', {
      textDocument: { uri: constsUri, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 12 }, end: { line: 1, character: 12 } }, text: 'nope.' }],
    });
    await client.waitForDiagnostics(importer, (d) => d.some((x) => x.code === 'MFS004'));
    client.notify('textDocument/didChange', {
      textDocument: { uri: constsUri, version: 3 },
      contentChanges: [{ range: { start: { line: 1, character: 12 }, end: { line: 1, character: 17 } }, text: '' }],
    });
    await client.waitForDiagnostics(importer, (d) => d.every((x) => x.code !== 'MFS004'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(client.publications.get(unrelated), before, 'the unrelated document was published again');
  });
});
