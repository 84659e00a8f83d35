// Runs inside VS Code (electron) through @vscode/test-cli: the same scenarios as test/e2e, through
// the vscode API instead of the DOM. Not part of `npm test` (no VS Code download on CI machines).
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { DemoEnvironment, EXAMPLE_SECRETS, startDemoEnvironment } from '../../scripts/demo/demoEnvironment';

declare function suite(name: string, fn: () => void): void;
declare function suiteSetup(fn: () => Promise<void>): void;
declare function suiteTeardown(fn: () => Promise<void>): void;
declare function test(name: string, fn: () => Promise<void>): void;

const repo = path.resolve(__dirname, '..', '..', '..');

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

suite('Metaflow Secrets (VS Code electron)', () => {
  let env: DemoEnvironment;
  const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  suiteSetup(async () => {
    env = await startDemoEnvironment(repo);
    for (const [k, v] of Object.entries(env.env)) process.env[k] = v;
    const config = vscode.workspace.getConfiguration();
    for (const [k, v] of Object.entries(env.settings)) await config.update(k, v, vscode.ConfigurationTarget.Global);
    await vscode.extensions.getExtension('metaflow-secrets.metaflow-secrets')!.activate();
  });
  suiteTeardown(async () => env?.stop());

  test("diagnostics carry Metaflow's messages", async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'flows', 'common_mistakes.py'));
    await vscode.window.showTextDocument(uri);
    const diags = await waitFor('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.some((x) => x.code === 'MFS004') && d;
    });
    assert.ok(diags.some((d) => /sources is a str, not a list/.test(d.message)));
  });

  test('hover lists key names from the backend, never values', async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'flows', 'db_flow.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('"db-credentials"'));
    const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('db-credentials') + 3);
    let text = '';
    for (let i = 0; i < 120 && !text.includes('DB_PASSWORD'); i++) {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos);
      text = hovers.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)).join('\n')).join('\n');
      if (!text.includes('DB_PASSWORD')) await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(text, /DB_PASSWORD/);
    assert.ok(!text.includes(EXAMPLE_SECRETS['db-credentials'].DB_PASSWORD));
  });

  test('CodeLens offers Run and Debug on flows and steps', async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'flows', 'debug_me.py'));
    await vscode.window.showTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes('Debug step') && titles.includes('▶ Run flow'), JSON.stringify(titles));
  });

  test('Debug step stops in the step with its secret set', async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'flows', 'debug_me.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('print("api key length:"'));
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(line, 8)))]);
    await vscode.commands.executeCommand('metaflowSecrets.runFlow', { uri: uri.toString(), flow: 'TrainFlow' });
    await new Promise((r) => setTimeout(r, 60000)); // the run in the terminal gives spin a previous run
    const stopped = new Promise<vscode.DebugSession>((resolve) => {
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (s) => ({ onDidSendMessage: (m) => m.type === 'event' && m.event === 'stopped' && resolve(s) }),
      });
    });
    await vscode.commands.executeCommand('metaflowSecrets.debugStep', { uri: uri.toString(), flow: 'TrainFlow', step: 'train' });
    const session = await stopped;
    const threads = await session.customRequest('threads');
    const stack = await session.customRequest('stackTrace', { threadId: threads.threads[0].id });
    const r = await session.customRequest('evaluate', { expression: 'len(os.environ["ml_api_key"])', frameId: stack.stackFrames[0].id, context: 'repl' });
    assert.equal(r.result, String(EXAMPLE_SECRETS['ml-api-key'].length));
    await vscode.debug.stopDebugging();
  });
});
