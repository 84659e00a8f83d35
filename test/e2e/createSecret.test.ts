// "Create secret … in AWS Secrets Manager…" in a real VS Code (code-server + chromium) against moto:
// the quick fix on the "does not exist" diagnostic, the confirmation naming account, region and
// identity, the pre-filled keys, the password boxes, the diagnostic going away — with the
// language client tracing every message verbosely. Afterwards every file written (workspace,
// user data and logs, the isolated home, the browser profile, new temp files) and every process
// command line and environment is searched for the values typed: none may hold them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RunningEmulator, startMoto } from '../support/emulators';
import { withEditor } from './support/editor';
import { repoExtension } from './support/extensionUnderTest';
import { descendantsOf } from './support/processTree';
import { walkFiles } from './support/canaries';

const CANARY_USER = 'canary-e2e-user-7Qm2xV9d';
const CANARY_PASSWORD = 'canary-e2e-pw-Lk4rT8zB';
const CANARIES = [CANARY_USER, CANARY_PASSWORD];

const FLOW = `import os
from metaflow import FlowSpec, step, secrets


class NewFlow(FlowSpec):
    @secrets(sources=["aws-secrets-manager.new-db-creds"])
    @step
    def start(self):
        user = os.environ["DB_USER"]
        password = os.environ["DB_PASSWORD"]
        home = os.environ["HOME"]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    NewFlow()
`;

/** Every regular file under `dir` (symlinks are not followed: the linked extension is the repository). */
const FORMS = CANARIES.flatMap((c) => [c, Buffer.from(c).toString('base64'), Buffer.from(c, 'utf16le').toString('latin1')]);

function holdsCanary(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (st.size > 64 * 1024 * 1024) return false;
    const text = fs.readFileSync(file, 'latin1');
    return FORMS.some((f) => text.includes(f));
  } catch {
    return false; // gone or unreadable meanwhile
  }
}

/** Command line and environment of every process this user can read that holds a canary. */
function processesHolding(pids: number[]): string[] {
  const out: string[] = [];
  for (const pid of pids) {
    for (const what of ['cmdline', 'environ']) {
      try {
        const text = fs.readFileSync(`/proc/${pid}/${what}`, 'latin1');
        if (FORMS.some((f) => text.includes(f))) out.push(`${pid} ${what}`);
      } catch {
        // exited, or not ours
      }
    }
  }
  return out;
}

describe('creating a missing secret in a real VS Code', () => {
  let moto: RunningEmulator;
  let ws: string;
  const started = Date.now();

  before(async () => {
    moto = await startMoto();
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-create-ws-'));
    fs.mkdirSync(path.join(ws, 'flows'));
    fs.writeFileSync(path.join(ws, 'flows', 'new_flow.py'), FLOW);
  });
  after(async () => {
    await moto?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('creates the secret from the quick fix, values only in moto, nothing written or traced', { timeout: 300_000 }, async () => {
    const settings = {
      'metaflowSecrets.backends.aws.endpoint': moto.url,
      'metaflowSecrets.backends.aws.region': 'us-east-1',
      // A verbose message trace of the language-server connection (the client's id), into the output channel.
      'metaflowSecretsServer.trace.server': 'verbose',
      'metaflowSecrets.trace.server': 'verbose',
    };
    await withEditor(
      'create-secret',
      {
        workspaceFolder: ws,
        extensions: [repoExtension()],
        settings,
        machineSettings: settings,
        env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' },
      },
      async (ed) => {
        await ed.openFile('flows/new_flow.py');
        await ed.waitForProblem(/Failed to retrieve secret 'new-db-creds'/, 60_000);
        // The language client traces only when its output channel logs at Trace (the channel is listed once the extension runs).
        await ed.runCommand('Developer: Set Log Level...');
        await ed.pickQuickItem('Metaflow Secrets');
        await ed.pickQuickItem('Trace');
        await ed.applyCodeAction(6, 30, "Create secret 'new-db-creds' in AWS Secrets Manager…", 30_000);

        const confirm = await ed.answerDialog(/Create secret 'new-db-creds' in AWS Secrets Manager\?/, 'Create…', 30_000);
        assert.match(confirm, /Where: account 123456789012, region us-east-1/);
        assert.match(confirm, /As: arn:aws:sts::123456789012:user\/moto/);
        assert.match(confirm, /Keys step start reads: DB_USER, DB_PASSWORD/);

        const keys = await ed.answerInputBox(/new-db-creds: keys of the new secret/, 'DB_USER, DB_PASSWORD');
        assert.equal(keys.value, 'DB_USER, DB_PASSWORD', "pre-filled with what the step reads (HOME is the platform's)");
        assert.equal(keys.password, false);
        const user = await ed.answerInputBox(/new-db-creds: value of DB_USER \(1\/2\)/, CANARY_USER);
        assert.equal(user.password, true, 'values are typed into a password box');
        const pw = await ed.answerInputBox(/new-db-creds: value of DB_PASSWORD \(2\/2\)/, CANARY_PASSWORD);
        assert.equal(pw.password, true);

        await ed.waitForNotification(
          /Created 'new-db-creds' in AWS Secrets Manager \(account 123456789012, region us-east-1\); it resolves now, injecting DB_USER, DB_PASSWORD/,
          60_000,
        );
        await ed.waitFor(
          'the "does not exist" problem to go',
          async () => !(await ed.readProblems()).some((r) => /Failed to retrieve secret 'new-db-creds'/.test(r)) || undefined,
          30_000,
        );
        const hover = await ed.hoverOnText('new-db-creds');
        assert.match(hover, /DB_USER/);
        assert.match(hover, /DB_PASSWORD/);
        await ed.screenshot('create-secret-done');

        // The values are in moto, exactly as typed.
        const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
        const stored = await sm.send(new GetSecretValueCommand({ SecretId: 'new-db-creds' }));
        sm.destroy();
        assert.deepEqual(JSON.parse(stored.SecretString!), { DB_USER: CANARY_USER, DB_PASSWORD: CANARY_PASSWORD });

        // The trace was on and recorded the create request — sealed.
        const channel = await ed.waitFor(
          'the traced create request in the output channel',
          async () => {
            const log = ed.outputChannelLog('Metaflow Secrets');
            return /Sending request 'metaflowSecrets\/createSecret/.test(log) ? log : undefined;
          },
          30_000,
        );
        assert.match(channel, /"ciphertext"/);

        // While everything still runs: no process shows a value on its command line or in its environment.
        const editorProcesses = [ed.server.process.pid!, ...descendantsOf(ed.server.process.pid!)];
        const allPids = fs
          .readdirSync('/proc')
          .filter((n) => /^\d+$/.test(n))
          .map(Number);
        assert.ok(editorProcesses.length > 2, `the editor's processes: ${editorProcesses.length}`);
        assert.deepEqual(processesHolding([...new Set([...editorProcesses, ...allPids])]), [], 'a process command line or environment holds a value');

        // Every file written: the workspace, the editor's dirs (user data, logs, output channels,
        // the isolated home), the browser profile, and anything new in the temp directory.
        const files = [...walkFiles(ws), ...walkFiles(ed.dirs.root), ...walkFiles(ed.dirs.browserProfile)];
        const tmpNew = walkFiles(os.tmpdir()).filter((f) => {
          try {
            return fs.statSync(f).mtimeMs >= started - 1000;
          } catch {
            return false;
          }
        });
        assert.ok(
          files.some((f) => f.endsWith('Metaflow Secrets.log')),
          'the output channel log was searched',
        );
        const leaked = [...new Set([...files, ...tmpNew])].filter(holdsCanary);
        assert.deepEqual(leaked, [], 'secret values were written to files');
      },
    );
  });
});
