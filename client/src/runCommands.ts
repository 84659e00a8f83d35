import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { remoteCommand, RemoteTarget } from '../../server/src/run';
import { pythonInterpreter } from './interpreter';
import { planRun, RunTarget } from './runSession';

/** Run and debug entry points (CodeLens, commands, editor title). Untrusted workspaces run nothing. */
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
    try {
      await fn(target);
    } catch (e) {
      output.error(`${what} failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Metaflow Secrets: ${what} failed: ${(e as Error).message}`);
    }
  };

  const run = async (t: RunTarget) => {
    const plan = await planRun(client, context, output, t, 'run');
    if (!plan) return;
    // The terminal's process is Python itself; the values are in its environment, not its command line.
    const terminal = vscode.window.createTerminal({ name: plan.terminal.name, shellPath: plan.terminal.shellPath, shellArgs: plan.terminal.shellArgs, cwd: plan.terminal.cwd, env: plan.terminal.env });
    terminal.show();
  };
  const debug = async (t: RunTarget) => {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(t.uri));
    const config: vscode.DebugConfiguration = {
      type: 'metaflow',
      request: 'launch',
      name: `Metaflow: ${t.flow ?? path.basename(vscode.Uri.parse(t.uri).fsPath)}${t.step ? `.${t.step}` : ''}`,
      flow: vscode.Uri.parse(t.uri).fsPath,
      flowClass: t.flow,
      step: t.step,
    };
    await vscode.debug.startDebugging(folder, config);
  };
  const remote = async (t: RunTarget) => {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Run on Kubernetes', target: 'kubernetes' as RemoteTarget },
        { label: 'Run on AWS Batch', target: 'batch' as RemoteTarget },
        { label: 'Deploy to Argo Workflows', target: 'argo-workflows' as RemoteTarget },
      ],
      { placeHolder: 'Remote tasks fetch their own secrets; nothing is injected from the editor.' },
    );
    if (!pick) return;
    const uri = vscode.Uri.parse(t.uri);
    const python = await pythonInterpreter(uri);
    const extra = vscode.workspace.getConfiguration('metaflowSecrets', uri).get<unknown[]>('run.extraSources', []);
    const cmd = remoteCommand({ flowFile: uri.fsPath, python, target: pick.target, extraSources: extra as never });
    output.info('Role settings (METAFLOW_DEFAULT_SECRETS_ROLE, METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_ROLE) are not forwarded to remote tasks: set them in the remote environment or use @secrets(role=...).');
    const terminal = vscode.window.createTerminal({ name: `Metaflow: ${pick.label}`, cwd: cmd.cwd, env: cmd.env });
    terminal.sendText(cmd.commandLine(), false);
    terminal.show();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('metaflowSecrets.runFlow', guard('Run flow', (t) => run({ ...t, step: undefined }))),
    vscode.commands.registerCommand('metaflowSecrets.debugFlow', guard('Debug flow', (t) => debug({ ...t, step: undefined }))),
    vscode.commands.registerCommand('metaflowSecrets.runStep', guard('Run step', run)),
    vscode.commands.registerCommand('metaflowSecrets.debugStep', guard('Debug step', debug)),
    vscode.commands.registerCommand('metaflowSecrets.runRemote', guard('Remote run', remote)),
  );
}

function activeTarget(): RunTarget | undefined {
  const ed = vscode.window.activeTextEditor;
  if (!ed || ed.document.languageId !== 'python') return undefined;
  return { uri: ed.document.uri.toString() };
}
