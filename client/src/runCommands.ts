import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';

interface RunTarget {
  uri: string;
  flow: string;
  step?: string;
}

/** Run and debug entry points. Untrusted workspaces run nothing. */
export function registerRunCommands(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.LogOutputChannel): void {
  const guard = (what: string, fn: (t: RunTarget) => Promise<void>) => async (t?: RunTarget) => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(`Metaflow Secrets: ${what} is disabled in Restricted Mode. Trust this workspace to run flows with resolved secrets.`);
      return;
    }
    const target = t ?? activeTarget();
    if (!target) {
      void vscode.window.showInformationMessage('Metaflow Secrets: open a flow file first.');
      return;
    }
    await fn(target);
  };
  const notYet = async (t: RunTarget) => {
    output.info(`Run requested for ${t.flow}${t.step ? `.${t.step}` : ''}`);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('metaflowSecrets.runFlow', guard('Run flow', notYet)),
    vscode.commands.registerCommand('metaflowSecrets.debugFlow', guard('Debug flow', notYet)),
    vscode.commands.registerCommand('metaflowSecrets.runStep', guard('Run step', notYet)),
    vscode.commands.registerCommand('metaflowSecrets.debugStep', guard('Debug step', notYet)),
  );
  void client;
}

function activeTarget(): RunTarget | undefined {
  const ed = vscode.window.activeTextEditor;
  if (!ed || ed.document.languageId !== 'python') return undefined;
  return { uri: ed.document.uri.toString(), flow: '' };
}
