import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openingKey } from '../../shared/sealedBox';
import { PrepareRunResult } from '../../shared/protocol';
import { awsError, FaultProxy } from '../support/emulators';
import { LspClient } from '../support/lspClient';
import { printFigures, record } from './figures';

// Trust is granted only by the boolean true. Every other value a client (or a hand-edited
// settings file) might send leaves the workspace untrusted: no request reaches a backend, and
// run preparation returns nothing. A counting fake on 127.0.0.1 stands for AWS.

const CREDS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
/** Past the 750 ms a source must stay unchanged before the backend is asked, with margin. */
const SETTLE_WAIT_MS = 1500;

const FLOW = `import os
from metaflow import FlowSpec, step, secrets

class TrustFlow(FlowSpec):
    @secrets(sources=["aws-secrets-manager.trust-probe"])
    @step
    def start(self):
        print(len(os.environ["K"]))
        self.next(self.end)

    @step
    def end(self):
        pass
`;

let proxy: FaultProxy;
let endpoint: string;
let untrustedRequests = 0;

before(async () => {
  // Nothing upstream: every request is answered by the fault (a missing secret).
  proxy = new FaultProxy('http://127.0.0.1:9');
  proxy.fault = () => awsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  endpoint = await proxy.start();
});
after(async () => {
  record('requests to the backend from untrusted servers', untrustedRequests);
  printFigures('trust values');
  await proxy?.stop();
});

async function serverWith(initializationOptions: unknown): Promise<{ client: LspClient; ws: string }> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-trust-'));
  const client = new LspClient({ ...CREDS, METAFLOW_HOME: path.join(ws, 'home') });
  await client.initialize(ws, initializationOptions);
  return { client, ws };
}

async function stop(s: { client: LspClient; ws: string }): Promise<void> {
  await s.client.stop();
  fs.rmSync(s.ws, { recursive: true, force: true });
}

const settings = () => ({ backends: { aws: { endpoint }, timeoutMs: 3000 } });

describe('ill-typed trust values', () => {
  test('control: trusted true asks the backend (so the counting works)', async () => {
    const s = await serverWith({ trusted: true, settings: settings() });
    try {
      const before = proxy.requests.length;
      const uri = s.client.open(path.join(s.ws, 'flow.py'), FLOW);
      await s.client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'MFS030'), 20_000);
      assert.ok(proxy.requests.length > before);
    } finally {
      await stop(s);
    }
  });

  const values: [string, unknown][] = [
    ['the string "false"', 'false'],
    ['the string "true"', 'true'],
    ['the number 1', 1],
    ['an object', { value: true }],
    ['an array', [true]],
    ['null', null],
    ['absent', undefined],
  ];
  for (const [what, value] of values) {
    test(`trusted = ${what}: no backend request, no run preparation`, async () => {
      const opts: Record<string, unknown> = { settings: settings() };
      if (value !== undefined) opts.trusted = value;
      const s = await serverWith(opts);
      try {
        const before = proxy.requests.length;
        const uri = s.client.open(path.join(s.ws, 'flow.py'), FLOW);
        await s.client.waitForDiagnostics(uri, () => true, 20_000);
        await new Promise((r) => setTimeout(r, SETTLE_WAIT_MS));
        const key = openingKey();
        const run = await s.client.request<PrepareRunResult>('metaflowSecrets/prepareRun', { uri, flow: 'TrustFlow', clientPublicKey: key.publicKey });
        assert.equal(run.ok, false);
        assert.match((run as { message: string }).message, /Restricted Mode/);
        // A trustChanged with an ill-typed value does not grant trust either.
        s.client.notify('metaflowSecrets/trustChanged', { trusted: 'true' });
        s.client.notify('metaflowSecrets/trustChanged', { trusted: 1 });
        s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: FLOW + '\n' }] });
        await s.client.nextDiagnostics(uri, 20_000);
        await new Promise((r) => setTimeout(r, SETTLE_WAIT_MS));
        const again = await s.client.request<PrepareRunResult>('metaflowSecrets/prepareRun', { uri, flow: 'TrustFlow', clientPublicKey: key.publicKey });
        assert.equal(again.ok, false);
        const asked = proxy.requests.length - before;
        untrustedRequests += asked;
        assert.equal(asked, 0, `requests from an untrusted server: ${JSON.stringify(proxy.requests.slice(before))}`);
        if (value !== undefined && value !== null) {
          assert.ok(
            s.client.logs.some((l) => /initializationOptions\.trusted must be true or false/.test(l)),
            'the ill-typed value is logged',
          );
        }
      } finally {
        await stop(s);
      }
    });
  }

  test('ill-typed settings are logged and ignored, never widening: offline "yes" is offline', async () => {
    const s = await serverWith({ trusted: true, settings: { ...settings(), offline: 'yes', leaks: { severity: 'loud' }, indexMaxFiles: -3, bogus: 1 } });
    try {
      const before = proxy.requests.length;
      const uri = s.client.open(path.join(s.ws, 'flow.py'), FLOW);
      await s.client.waitForDiagnostics(uri, () => true, 20_000);
      await new Promise((r) => setTimeout(r, SETTLE_WAIT_MS));
      assert.equal(proxy.requests.length - before, 0);
      for (const m of [
        /offline must be true or false.*treated as offline/,
        /leaks\.severity must be one of/,
        /index\.maxFiles must be a whole number/,
        /bogus is not a setting/,
      ]) {
        assert.ok(
          s.client.logs.some((l) => m.test(l)),
          `logged: ${m}`,
        );
      }
      // The same schema for didChangeConfiguration.
      s.client.notify('workspace/didChangeConfiguration', { settings: { metaflowSecrets: { ...settings(), offline: 0 } } });
      s.client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: FLOW + '\n' }] });
      await s.client.nextDiagnostics(uri, 20_000);
      await new Promise((r) => setTimeout(r, SETTLE_WAIT_MS));
      assert.equal(proxy.requests.length - before, 0);
    } finally {
      await stop(s);
    }
  });
});
