import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GcpSecretManagerFake } from '../../scripts/emulators/gcpSecretManagerFake';
import { RunningEmulator, startGcpFake, startMoto } from '../support/emulators';
import { LspClient } from '../support/lspClient';

// Hovers show what the backends say about a secret besides its value — when it was updated and
// rotated, its version or stage, whether rotation is on — and never the value itself.

const CANARIES = ['canary-meta-aws-8c1f2e7d', 'canary-meta-gcp-41b9a0c3'];
const CREDS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
const DAY = 86_400;

const FLOW = `import os
from metaflow import FlowSpec, step, secrets

class MetaFlow(FlowSpec):
    @secrets(sources=["aws-secrets-manager.rotated-creds", {"type": "gcp-secret-manager", "id": "projects/42/secrets/api-token"}])
    @step
    def start(self):
        token = os.environ["TOKEN"]
        self.next(self.end)

    @step
    def end(self):
        pass
`;

type Hover = { contents: { value: string } } | null;

describe('hover metadata from the backends (moto and the GCP fake)', () => {
  let moto: RunningEmulator;
  let gcp: GcpSecretManagerFake;
  let ws: string;
  let client: LspClient;
  const nowS = Math.floor(Date.now() / 1000);

  before(async () => {
    moto = await startMoto();
    const sm = new SecretsManagerClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await sm.send(new CreateSecretCommand({ Name: 'rotated-creds', SecretString: JSON.stringify({ TOKEN: CANARIES[0] }) }));
    await sm.send(new RotateSecretCommand({ SecretId: 'rotated-creds', RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
    sm.destroy();
    gcp = await startGcpFake();
    gcp.addVersion('42', 'api-token', 'old', { created: nowS - 3 * DAY });
    gcp.addVersion('42', 'api-token', CANARIES[1], { created: nowS - DAY });
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-meta-'));
    client = new LspClient({ ...CREDS, METAFLOW_HOME: path.join(ws, 'home'), TMPDIR: ws });
    await client.initialize(ws, {
      trusted: true,
      settings: { backends: { aws: { endpoint: moto.url }, gcp: { endpoint: gcp.endpoint, insecure: true }, timeoutMs: 5000 } },
    });
  });

  after(async () => {
    await client?.stop();
    await gcp?.stop();
    await moto?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('updated, rotated, version and rotation per source; no value anywhere', async () => {
    const uri = client.open(path.join(ws, 'flow.py'), FLOW);
    const hover = (character: number) => client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character } });
    const today = new Date().toISOString().slice(0, 10);
    // Each source is asked in the background once it has settled: poll until its answer is in.
    const answered = async (character: number) => {
      let text = '';
      const deadline = Date.now() + 20_000;
      while (!/\*\*Secret metadata:\*\*/.test(text) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        text = (await hover(character))?.contents.value ?? '';
      }
      return text;
    };
    const aws = await answered(30);
    assert.match(
      aws,
      new RegExp(
        `\\*\\*Secret metadata:\\*\\* updated ${today} \\(today\\) · rotated ${today} \\(today\\) · version \`[0-9a-f]{8}…\` \\(AWSCURRENT\\) · rotation on \\(every 30 days, next \\d{4}-\\d{2}-\\d{2}\\)`,
      ),
      aws,
    );
    assert.match(aws, /\*\*Injects\*\* \(1\): `TOKEN`/);
    const yesterday = new Date((nowS - DAY) * 1000).toISOString().slice(0, 10);
    const google = await answered(100);
    assert.match(google, new RegExp(`\\*\\*Secret metadata:\\*\\* updated ${yesterday} \\(yesterday\\) · version \`2\` · rotation off`), google);
    const all = [aws, google, ...client.traffic, ...client.logs].join('\n');
    for (const c of CANARIES)
      assert.ok(!all.includes(c) && !all.includes(Buffer.from(c).toString('base64')), 'a secret value reached a hover, a message or the log');
  });
});
