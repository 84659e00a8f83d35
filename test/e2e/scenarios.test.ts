// What a user does in the first ten minutes, in a real VS Code (code-server + chromium) with the
// packaged extension, against local emulators of the three backends (moto for AWS, the wire
// fakes for Azure Key Vault and GCP Secret Manager): hovers with key names, completion, quick
// fixes applied, settings that take effect without a reload, a first-time Run step started with
// a panel focused, run output that stays, and a multi-root workspace. Two editor sessions share
// the checks; after each, no secret value is in any file it wrote or any process command line.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AzureKeyVaultFake } from '../../scripts/emulators/azureKeyVaultFake';
import { DemoEnvironment, demoWorkspace, EXAMPLE_SECRETS, startDemoEnvironment } from '../../scripts/demo/demoEnvironment';
import { azureTlsFiles, startAzureFake } from '../support/emulators';
import { CommandLineWatch, filesHolding } from './support/canaries';
import { makeTempDir } from './support/codeServer';
import { Editor, withEditor } from './support/editor';
import { packageRepoVsix } from './support/extensionUnderTest';
import { ManagedIdentityFake } from './support/managedIdentityFake';
import { repoRoot } from './support/tools';

const perTest = { timeout: 420_000 };
/** Served by the Azure fake; random per run, so a hit anywhere in the temp dir is ours. */
const AZURE_VALUE = `e2e-azure-value-${randomBytes(6).toString('hex')}`;
const CANARIES = [EXAMPLE_SECRETS['db-credentials'].DB_PASSWORD, EXAMPLE_SECRETS['ml-api-key'], AZURE_VALUE];

const BACKENDS_FLOW = `import os

from metaflow import FlowSpec, secrets, step


class BackendsFlow(FlowSpec):
    @secrets(sources=["db-credentials"])
    @step
    def start(self):
        self.next(self.vault)

    @secrets(sources=["az-key-vault.https://mfs-e2e.vault.azure.net/secrets/api-password"])
    @step
    def vault(self):
        self.next(self.gcp)

    @secrets(sources=["gcp-secret-manager.ml-api-key"])
    @step
    def gcp(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    BackendsFlow()
`;

const COMPLETE_FLOW = `import os

from metaflow import FlowSpec, secrets, step


class CompleteFlow(FlowSpec):
    @secrets(sources=["db-credentials"])
    @step
    def start(self):
        user = os.environ[""]
        self.next(self.end)

    @secrets(sources=["db-cred"])
    @step
    def end(self):
        pass
`;

/** A Python file without a flow: no Run button in its title bar. */
const HELPERS = `def shout(text):
    return text.upper()
`;

/** A project of its own for the multi-root workspace: GCP by default, from its own config. */
const BETA_FLOW = `import os

from metaflow import FlowSpec, secrets, step


class BetaFlow(FlowSpec):
    @secrets(sources=["ml-api-key", "db-credentials"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`;

/** Problems rows of one file (the file row, its diagnostics, their related rows), by the file's name. */
function rowsOf(rows: string[], file: string): string[] {
  const out: string[] = [];
  let inFile = false;
  for (const r of rows) {
    if (/^\d+ problems? in file /.test(r)) inFile = r.includes(` in file ${file} `);
    else if (inFile) out.push(r);
  }
  return out;
}

describe('Metaflow Secrets scenarios in a real VS Code', () => {
  let demo: DemoEnvironment;
  let vault: AzureKeyVaultFake;
  let identity: ManagedIdentityFake;
  let vsix: string;
  let settings: Record<string, unknown>;
  let env: Record<string, string>;

  before(async () => {
    const [packaged, started] = await Promise.all([packageRepoVsix(), startDemoEnvironment(repoRoot)]);
    vsix = packaged;
    demo = started;
    vault = await startAzureFake();
    vault.setSecret('api-password', AZURE_VALUE);
    identity = new ManagedIdentityFake();
    await identity.start();
    settings = {
      ...demo.settings,
      'metaflowSecrets.backends.azure.endpoint': vault.url,
      'metaflowSecrets.backends.azure.caFile': azureTlsFiles().cert,
      'metaflowSecrets.backends.azure.disableChallengeResourceVerification': true,
    };
    // DefaultAzureCredential finds the managed-identity endpoint as on an Azure host.
    env = { ...demo.env, ...identity.env };
  });

  after(async () => {
    await identity?.stop();
    await vault?.stop();
    await demo?.stop();
  });

  /** A fresh copy of examples/ plus the scenario's files; TMPDIR inside it, so every temp file is scanned. */
  function workspace(extra: Record<string, string>): { ws: string; tmp: string } {
    const root = makeTempDir('e2e-scenarios-');
    const ws = demoWorkspace(repoRoot, path.join(root, 'ws'));
    for (const [rel, text] of Object.entries(extra)) {
      fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
      fs.writeFileSync(path.join(ws, rel), text);
    }
    const tmp = path.join(root, 'tmp');
    fs.mkdirSync(tmp);
    return { ws, tmp };
  }

  function assertNoValueWritten(ed: Editor, dirs: string[], commandLines: CommandLineWatch): void {
    const inFiles = filesHolding([...dirs, ed.dirs.root], CANARIES);
    assert.deepEqual(inFiles, [], 'secret values were written to files');
    assert.deepEqual(commandLines.stop(), [], 'a secret value was on a command line');
    assert.ok(commandLines.samples > 10, `command lines were sampled ${commandLines.samples} times`);
  }

  it('one folder, three backends: hovers, completion, quick fixes, a settings change and a first-time Run step from the Problems panel', perTest, async () => {
    const { ws, tmp } = workspace({ 'flows/backends_flow.py': BACKENDS_FLOW, 'flows/complete_me.py': COMPLETE_FLOW, 'flows/helpers.py': HELPERS });
    const commandLines = new CommandLineWatch(CANARIES);
    commandLines.start();
    try {
      await withEditor(
        'scenarios-one-folder',
        { workspaceFolder: ws, extensions: [{ vsix }], settings, machineSettings: settings, env: { ...env, TMPDIR: tmp } },
        async (ed) => {
          // Hover on a source of each backend type: the key names, never a value.
          await ed.openFile('flows/backends_flow.py');
          const hovers: string[] = [];
          for (const [source, key] of [
            ['"db-credentials"', 'DB_PASSWORD'],
            ['mfs-e2e.vault', 'api_password'],
            ['ml-api-key', 'ml_api_key'],
          ] as const) {
            const hover = await ed.waitFor(
              `the key ${key} in the hover of ${source}`,
              async () => {
                const h = await ed.hoverOnText(source);
                return h.includes(key) ? h : undefined;
              },
              60_000,
            );
            hovers.push(hover);
          }
          assert.match(hovers[0], /DB_USER/);
          for (const h of hovers) for (const c of CANARIES) assert.ok(!h.includes(c), `a hover showed a value: ${h}`);
          assert.ok(
            identity.requests.some((r) => r.headerOk),
            'the Azure token came from DefaultAzureCredential (managed identity)',
          );

          // Its own status bar entry, short, with the details in its tooltip.
          const status = (await ed.statusBarItems()).find((s) => s.id.endsWith('metaflowSecrets.status'));
          assert.ok(status, `no status entry: ${JSON.stringify(await ed.statusBarItems())}`);
          assert.ok(status.text.length <= 12, `status text "${status.text}"`);
          assert.match(await ed.statusBarTooltip('metaflowSecrets.status'), /Metaflow Secrets[\s\S]*Metaflow\s2\.19/);

          // Completion: the step's variable names inside os.environ[""], the backend's secret names inside sources.
          await ed.openFile('flows/complete_me.py');
          const read = await ed.findText('os.environ[""]');
          const names = await ed.completionsAt(read.line, read.column + 'os.environ["'.length);
          for (const n of ['DB_HOST', 'DB_PASSWORD', 'DB_PORT', 'DB_USER']) assert.ok(names.includes(n), `${n} not offered: ${JSON.stringify(names)}`);
          const id = await ed.findText('"db-cred"');
          assert.ok((await ed.completionsAt(id.line, id.column + '"db-cred'.length)).includes('db-credentials'));

          // The title-bar Run button only where the file has a flow.
          await ed.openFile('flows/helpers.py');
          await ed.waitFor(
            'no Run button on a file without a flow',
            async () => !(await ed.editorTitleActions()).some((a) => /Run flow with resolved secrets|Run or Debug/.test(a)) || undefined,
            15_000,
          );
          await ed.openFile('flows/db_flow.py');
          await ed.waitFor(
            'the Run button on a flow',
            async () => (await ed.editorTitleActions()).some((a) => /Run flow with resolved secrets|Run or Debug/.test(a)) || undefined,
            30_000,
          );

          // A key-name typo fixed with the quick fix keeps the user's double quotes.
          await ed.waitForProblem(/Did you mean 'DB_PASSWORD'\?/, 60_000);
          const typo = await ed.findText('"DB_PASWORD"');
          await ed.applyCodeAction(typo.line, typo.column + 3, "Change to 'DB_PASSWORD'");
          await ed.save();
          const file = path.join(ws, 'flows', 'db_flow.py');
          await ed.waitFor(
            'the fixed line on disk',
            async () => fs.readFileSync(file, 'utf8').split('\n')[typo.line - 1].includes('os.environ.get("DB_PASSWORD")') || undefined,
            10_000,
          );

          // A settings change applies without a reload: MFS050 raised to an error for this folder.
          const leak = /^Warning: Secret `DB_USER` reaches print\(\) at line 17 /;
          await ed.waitForProblem(leak, 30_000);
          fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
          fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'metaflowSecrets.rules': { MFS050: 'error' } }, null, 2));
          await ed.waitForProblem(/^Error: Secret `DB_USER` reaches print\(\) at line 17 /, 30_000);

          // "Suppress MFS050 on this line" writes the comment, and the finding is gone.
          const printed = await ed.findText('{user}');
          await ed.applyCodeAction(printed.line, printed.column + 2, 'Suppress MFS050 on this line');
          await ed.save();
          await ed.waitFor(
            'the suppression comment on disk',
            async () =>
              /print\(f"connecting as \{user\}"\)\s+# metaflow-secrets: ignore\[MFS050\]$/.test(fs.readFileSync(file, 'utf8').split('\n')[16]) || undefined,
            10_000,
          );
          await ed.waitFor(
            'the MFS050 row to disappear',
            async () => !(await ed.readProblems()).some((r) => /Secret `DB_USER` reaches print\(\) at line 17 /.test(r)) || undefined,
            30_000,
          );

          // A first-time Run step with the Problems panel focused: the command finds the visible flow,
          // asks for the step, and since spin needs an earlier run, offers to run the flow first.
          await ed.openFile('flows/debug_me.py');
          await ed.waitForCodeLens('▶ Run step');
          await ed.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
          await ed.runCommand('Metaflow Secrets: Run step with resolved secrets');
          await ed.pickQuickItem('train');
          const asked = await ed.answerDialog(/TrainFlow has no run yet/, 'Run flow first', 120_000);
          assert.match(asked, /Run step 'train' uses 'spin'/);
          await ed.waitForTerminalText(/Done![\s\S]*the run exited with code 0 after/, 180_000);
          // Then the step itself, with spin, from that run.
          await ed.waitForTerminalText(
            /Spinning up step train locally for flow TrainFlow[\s\S]*api key length: \d+[\s\S]*the run exited with code 0 after/,
            180_000,
          );
          // Both runs ended successfully and their terminals still hold their output, read from the
          // live terminals, not from the transcript: the step's (shown), then the flow's (its tab).
          const exited = /the run exited with code 0 after [\d.]+ s/;
          await ed.waitFor(
            'the finished step run in its terminal',
            async () => {
              const t = await ed.terminalText();
              return (/api key length: \d+/.test(t) && exited.test(t)) || undefined;
            },
            30_000,
          );
          const flowRun = await ed.waitFor(
            'the finished flow run in the first terminal',
            async () => {
              const t = await ed.showTerminal(0);
              return /Done!/.test(t) && exited.test(t) ? t : undefined;
            },
            30_000,
          );
          assert.ok(!/Spinning up/.test(flowRun), 'the first terminal is the flow run');
          const transcript = await ed.terminalTranscript();
          for (const c of CANARIES) assert.ok(!transcript.includes(c), 'a terminal showed a value');
          await ed.screenshot('scenarios-run-step');

          assertNoValueWritten(ed, [ws, tmp], commandLines);
        },
      );
    } finally {
      commandLines.stop();
    }
  });

  it('a multi-root workspace: each folder with its own flow and Metaflow config, diagnostics in both, a settings change without reload', perTest, async () => {
    const { ws: alpha, tmp } = workspace({});
    const root = path.dirname(alpha);
    const beta = path.join(root, 'beta');
    fs.mkdirSync(path.join(beta, 'flows'), { recursive: true });
    fs.mkdirSync(path.join(beta, '.metaflow'));
    fs.writeFileSync(path.join(beta, 'flows', 'beta_flow.py'), BETA_FLOW);
    fs.writeFileSync(
      path.join(beta, '.metaflow', 'config.json'),
      JSON.stringify(
        { METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'gcp-secret-manager', METAFLOW_GCP_SECRET_MANAGER_PREFIX: 'projects/123456789/secrets/' },
        null,
        2,
      ),
    );
    const wsFile = path.join(root, 'two.code-workspace');
    fs.writeFileSync(wsFile, JSON.stringify({ folders: [{ path: 'ws', name: 'alpha' }, { path: 'beta' }], settings: {} }, null, 2));
    const commandLines = new CommandLineWatch(CANARIES);
    commandLines.start();
    try {
      await withEditor(
        'scenarios-multi-root',
        { workspaceFolder: root, workspaceFile: wsFile, extensions: [{ vsix }], settings, machineSettings: settings, env: { ...env, TMPDIR: tmp } },
        async (ed) => {
          await ed.openFile('alpha/flows/db_flow.py');
          await ed.openFile('beta/flows/beta_flow.py');
          // alpha reads its .metaflow config (AWS by default); beta reads its own (GCP by default):
          // 'db-credentials' exists in AWS only, 'ml-api-key' in GCP only.
          const notFound = (id: string) => new RegExp(`^Error: Failed to retrieve secret '${id}'`);
          const rows = await ed.waitFor(
            'diagnostics of both folders',
            async () => {
              const all = await ed.readProblems();
              const a = rowsOf(all, 'db_flow.py');
              const b = rowsOf(all, 'beta_flow.py');
              return a.some((r) => notFound('api-token').test(r)) && b.some((r) => notFound('db-credentials').test(r)) ? { all, a, b } : undefined;
            },
            90_000,
          );
          assert.ok(!rows.b.some((r) => notFound('ml-api-key').test(r)), `beta asked AWS for ml-api-key: ${JSON.stringify(rows.b)}`);
          assert.ok(!rows.a.some((r) => notFound('db-credentials').test(r)), `alpha asked GCP for db-credentials: ${JSON.stringify(rows.a)}`);
          assert.ok(
            rows.all.some((r) => /problems? in file db_flow\.py of folder alpha • flows/.test(r)),
            JSON.stringify(rows.all),
          );
          assert.ok(
            rows.all.some((r) => /problems? in file beta_flow\.py of folder beta • flows/.test(r)),
            JSON.stringify(rows.all),
          );
          // Each Problems row leads with the short message; the explanation is the row below it.
          const messages = [...rows.a, ...rows.b]
            .map((r) => /^(?:Error|Warning|Info|Hint): (.*?) at line \d+ and character \d+\./.exec(r)?.[1])
            .filter((m): m is string => m !== undefined);
          assert.ok(messages.length >= 3, JSON.stringify(rows.all));
          const longest = messages.reduce((x, y) => (y.length > x.length ? y : x));
          assert.ok(longest.length <= 150, `a Problems row of ${longest.length} characters: ${longest}`);

          // metaflowSecrets.metaflowConfig in the workspace settings wins over the config files, at once:
          // beta's sources are now AWS secrets ('db-credentials' found, 'ml-api-key' missing).
          fs.writeFileSync(
            wsFile,
            JSON.stringify(
              {
                folders: [{ path: 'ws', name: 'alpha' }, { path: 'beta' }],
                settings: { 'metaflowSecrets.metaflowConfig': { DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' } },
              },
              null,
              2,
            ),
          );
          await ed.waitFor(
            'beta checked against AWS',
            async () => {
              const b = rowsOf(await ed.readProblems(), 'beta_flow.py');
              return (b.some((r) => notFound('ml-api-key').test(r)) && !b.some((r) => notFound('db-credentials').test(r))) || undefined;
            },
            60_000,
          );
          await ed.screenshot('scenarios-multi-root');
          assertNoValueWritten(ed, [root], commandLines);
        },
      );
    } finally {
      commandLines.stop();
    }
  });
});
