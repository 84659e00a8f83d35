import * as path from 'path';
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { InitializationOptions } from '../../shared/protocol';
import { readSettings, SECTION } from './settings';

/** Starts the language server bundled next to this file, for Python files on disk. */
export async function startLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): Promise<LanguageClient> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const init: InitializationOptions = {
    settings: readSettings(),
    trusted: vscode.workspace.isTrusted,
    wasmDir: context.asAbsolutePath('dist'),
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      // --with secrets:... specs in shared launch configurations are checked too.
      { scheme: 'file', pattern: '**/.vscode/launch.json' },
    ],
    outputChannel: output,
    initializationOptions: init,
  };
  // The id has no `.trace.server` setting on purpose: a message trace could record a run request.
  const client = new LanguageClient('metaflowSecretsServer', 'Metaflow Secrets', serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) {
        void client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: readSettings() } });
      }
    }),
  );
  return client;
}
