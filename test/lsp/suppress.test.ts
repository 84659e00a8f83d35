import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LspClient, PublishedDiagnostic } from '../support/lspClient';

// Suppressions in the editor: the quick fix writes a comment the server then honours, unused
// suppressions are marked, and metaflowSecrets.rules takes effect without a restart.

const INLINE = '{"type": "inline", "id": "creds", "options": {"env_vars": {"DB_PASSWORD": "p"}}}';
const FLOW = `import os\nfrom metaflow import FlowSpec, step, secrets\n\nclass F(FlowSpec):\n    @secrets(sources=[${INLINE}])  # noqa: MFS018, MFS058\n    @step\n    def start(self):\n        pw = os.environ["DB_PASSWORD"]\n        print(pw)\n`;

type Action = { title: string; edit?: { changes: Record<string, { range: PublishedDiagnostic['range']; newText: string }[]> } };

/** Applies one action's edits (single-line positions are enough here). */
function apply(text: string, uri: string, a: Action): string {
  const lines = text.split('\n');
  const edits = [...(a.edit?.changes[uri] ?? [])].sort((x, y) => y.range.start.line - x.range.start.line || y.range.start.character - x.range.start.character);
  for (const e of edits) {
    assert.equal(e.range.start.line, e.range.end.line);
    const l = lines[e.range.start.line];
    lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  return lines.join('\n');
}

describe('suppressions in the editor', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-supp-'));
    client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: undefined });
    await client.initialize(ws);
  });

  after(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('"Suppress MFS050 on this line" adds a comment that silences the leak', async () => {
    const uri = client.open(path.join(ws, 'fix.py'), FLOW);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS050'));
    assert.ok(!diags.some((x) => x.code === 'MFS018'), 'the noqa comment on the decorator holds');
    const leak = diags.find((x) => x.code === 'MFS050')!;
    const actions = await client.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: leak.range, context: { diagnostics: [leak] } });
    const fix = actions.find((a) => a.title === 'Suppress MFS050 on this line');
    assert.ok(fix, actions.map((a) => a.title).join(', '));
    const fixed = apply(FLOW, uri, fix);
    assert.match(fixed.split('\n')[8], /^ {8}print\(pw\) {2}# metaflow-secrets: ignore\[MFS050\]$/);
    client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    await client.waitForDiagnostics(uri, (d) => d.length === 0);
  });

  test('an unused suppression is marked unnecessary, with a fix that removes it', async () => {
    const text = FLOW.replace('        print(pw)\n', '        print(len(pw))  # noqa: E501, MFS050\n');
    const uri = client.open(path.join(ws, 'unused.py'), text);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS080'));
    const d = diags.find((x) => x.code === 'MFS080') as PublishedDiagnostic & { tags?: number[] };
    assert.equal(d.severity, 3);
    assert.deepEqual(d.tags, [1]);
    const actions = await client.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    assert.equal(actions[0].title, 'Remove MFS050 from the suppression');
    assert.match(apply(text, uri, actions[0]).split('\n')[8], /print\(len\(pw\)\) {2}# noqa: E501$/);
  });

  test('metaflowSecrets.rules changes a severity, or turns a rule off, without a restart', async () => {
    const uri = client.open(path.join(ws, 'levels.py'), FLOW);
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS050' && x.severity === 2));
    client.notify('workspace/didChangeConfiguration', { settings: { metaflowSecrets: { rules: { 'secret-in-log': 'error' } } } });
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS050' && x.severity === 1));
    client.notify('workspace/didChangeConfiguration', { settings: { metaflowSecrets: { rules: { MFS050: 'off', MFS999: 'off' } } } });
    await client.waitForDiagnostics(uri, (d) => d.length === 0);
    assert.ok(
      client.logs.some((l) => /metaflowSecrets\.rules: unknown rule 'MFS999'; ignored/.test(l)),
      client.logs.join('\n'),
    );
    client.notify('workspace/didChangeConfiguration', { settings: { metaflowSecrets: {} } });
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS050' && x.severity === 2));
  });
});
