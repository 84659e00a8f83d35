import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LspClient } from '../support/lspClient';

// metaflowSecrets.nonSecretKeys in the editor: declared keys are no leak, hovers say why, and a
// change of the setting takes effect without a restart.

const INLINE = '{"type": "inline", "id": "db", "options": {"env_vars": {"DB_USER": "u", "DB_PASSWORD": "p", "DB_HOST": "h"}}}';
const FLOW = `import os
from metaflow import FlowSpec, step, secrets

class F(FlowSpec):
    @secrets(sources=[${INLINE}])  # noqa: MFS018, MFS058
    @step
    def start(self):
        print(os.environ["DB_USER"])
        print(os.environ["DB_PASSWORD"])
        print(os.environ["DB_HOST"])
`;

const leakLines = (d: { code?: string; range: { start: { line: number } } }[]) => d.filter((x) => x.code === 'MFS050').map((x) => x.range.start.line);

describe('non-secret keys in the editor', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-nsk-'));
    client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home'), METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: undefined });
    await client.initialize(ws, { trusted: true, settings: { nonSecretKeys: ['DB_USER', '*_HOST', 'no-good'] } });
  });

  after(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('declared keys are no leak; the hover names the pattern and the setting', async () => {
    const uri = client.open(path.join(ws, 'flow.py'), FLOW);
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS050'));
    assert.deepEqual(leakLines(diags), [8]);
    assert.ok(
      client.logs.some((l) => /metaflowSecrets\.nonSecretKeys\[2\]: 'no-good' is not a key name or pattern/.test(l)),
      client.logs.join('\n'),
    );
    const host = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 9, character: 27 } });
    assert.match(host.contents.value, /Not a secret value: it matches `\*_HOST` in `metaflowSecrets\.nonSecretKeys`/);
    const source = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 30 } });
    assert.match(source.contents.value, /`DB_USER` \(not secret: listed\), `DB_PASSWORD`, `DB_HOST` \(not secret: `\*_HOST`\)/);
  });

  test('changing the setting re-analyses without a restart', async () => {
    const uri = client.open(path.join(ws, 'change.py'), FLOW);
    await client.waitForDiagnostics(uri, (d) => leakLines(d).join() === '8');
    client.notify('workspace/didChangeConfiguration', { settings: { metaflowSecrets: { nonSecretKeys: [] } } });
    await client.waitForDiagnostics(uri, (d) => leakLines(d).join() === '7,8,9');
    client.notify('workspace/didChangeConfiguration', { settings: { metaflowSecrets: { nonSecretKeys: ['DB_*'] } } });
    // DB_PASSWORD looks like a credential: a wildcard does not make it non-secret.
    await client.waitForDiagnostics(uri, (d) => leakLines(d).join() === '8');
    const pw = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 8, character: 27 } });
    assert.match(pw.contents.value, /matches `DB_\*` in `metaflowSecrets\.nonSecretKeys` but looks like a credential/);
  });
});
