import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { Messages } from '../../shared/protocol';
import { FlowCodeLensProvider } from './codeLens';
import { DebugpyAdapterFactory, DebugpyChildSessionProvider, MetaflowDebugConfigurationProvider } from './debugProvider';
import { reportRunInterpreter } from './interpreter';
import { startLanguageClient } from './languageClient';
import { registerCreateSecretCommand } from './createSecret';
import { registerDefaultBackendTypeCommand } from './defaultBackendType';
import { FlowEditors } from './flowEditors';
import { registerRunCommands } from './runCommands';
import { SecretsView } from './secretsView';
import { SecretsStatus } from './status';
import { notify, onNotification, request } from './messages';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Metaflow Secrets', { log: true });
  const status = new SecretsStatus();
  context.subscriptions.push(output, status);
  context.subscriptions.push(vscode.commands.registerCommand('metaflowSecrets.showLog', () => output.show()));

  client = await startLanguageClient(context, output);
  context.subscriptions.push(onNotification(client, Messages.status, (p) => status.update(p)));
  context.subscriptions.push(onNotification(client, Messages.metaflow, (p) => status.updateMetaflow(p)));
  // After the handlers: the server answers with the Metaflow it found. Not awaited: the Python
  // extension may take a while to activate, and nothing else waits for the answer.
  void reportRunInterpreter(client).then(
    (d) => context.subscriptions.push(d),
    (e) => output.warn(`Run interpreter not reported: ${(e as Error).message}`),
  );
  if (!vscode.workspace.isTrusted) status.update({ state: 'untrusted', detail: 'Restricted Mode: no backend calls, nothing runs.' });
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (client) void notify(client, Messages.trustChanged, { trusted: true });
      status.update({ state: 'idle', detail: '' });
    }),
  );

  context.subscriptions.push(watchGlobalMetaflowConfig(client));

  const lenses = new FlowCodeLensProvider(client);
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider({ scheme: 'file', language: 'python' }, lenses),
    vscode.commands.registerCommand('metaflowSecrets.refresh', async () => {
      if (client) await request(client, Messages.refresh, {});
      lenses.refresh();
      // The answers arrive in the background; say that the refresh happened.
      vscode.window.setStatusBarMessage('$(sync) Metaflow Secrets: cache cleared, asking the backends again…', 4000);
    }),
  );
  const flows = new FlowEditors(client);
  context.subscriptions.push(flows);
  registerRunCommands(context, client, output, flows);
  context.subscriptions.push(registerDefaultBackendTypeCommand(), registerCreateSecretCommand(client, output), new SecretsView(client));
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('metaflow', new MetaflowDebugConfigurationProvider(client, context, output)),
    vscode.debug.registerDebugAdapterDescriptorFactory('metaflow', new DebugpyAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider('debugpy', new DebugpyChildSessionProvider()),
  );
}

/**
 * Metaflow's global configuration ($METAFLOW_HOME or ~/.metaflowconfig) lives outside the
 * workspace, where the server's file watchers do not reach: watch it here.
 */
function watchGlobalMetaflowConfig(client: LanguageClient): vscode.Disposable {
  const home = process.env.METAFLOW_HOME ?? path.join(os.homedir(), '.metaflowconfig');
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(home), '*.json'));
  const changed = () => void notify(client, Messages.configChanged, {});
  watcher.onDidChange(changed);
  watcher.onDidCreate(changed);
  watcher.onDidDelete(changed);
  return watcher;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
