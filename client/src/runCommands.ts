import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { Messages } from '../../shared/protocol';
import { openingKey } from '../../shared/sealedBox';
import { remoteCommand, RemoteTarget } from '../../shared/run';
import { pythonInterpreter } from './interpreter';
import { notify, notifyRestricted } from './notify';
import { FlowEditors } from './flowEditors';
import { openRunTerminal } from './runTerminal';
import { planRun, RunTarget } from './runSession';
import { request } from './messages';

/** Run and debug entry points (CodeLens, commands, editor title). Untrusted workspaces run nothing. */
export function registerRunCommands(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.LogOutputChannel, flows: FlowEditors): void {
  const guard =
    (what: string, fn: (t: RunTarget) => Promise<void>, needsStep = false) =>
    async (t?: RunTarget) => {
      if (!vscode.workspace.isTrusted) {
        void notifyRestricted(what);
        return;
      }
      const target = t ?? (await commandTarget(flows, needsStep, output));
      if (!target) return;
      try {
        await fn(target);
      } catch (e) {
        void notify(output, 'error', `${what} failed.`, { detail: (e as Error).message });
      }
    };

  const run = async (t: RunTarget) => {
    const plan = await planRun(client, context, output, t, 'run');
    if (!plan) return;
    // The process is Python itself; the values are in its environment, not its command line.
    openRunTerminal(plan.terminal).terminal.show();
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
    // Pre-flight: every source must be readable with the role the tasks will assume; no value comes back.
    const flow = t.flow ?? (await request(client, Messages.flowOutline, { uri: uri.toString() }))[0]?.name;
    if (!flow) return;
    const check = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Pre-flight: checking the sources of ${flow}…`, cancellable: true },
      (_p, token) =>
        request(
          client,
          Messages.prepareRun,
          { uri: uri.toString(), flow, extraSources: extra, clientPublicKey: openingKey().publicKey, preflightOnly: true },
          token,
        ),
    );
    if (!check.ok) {
      void notify(output, 'error', 'Pre-flight check failed.', { detail: check.message });
      return;
    }
    output.info(`Pre-flight passed: ${check.sourceCount} source(s) readable for ${check.steps.join(', ')}`);
    for (const w of check.warnings) void notify(output, 'warning', w);
    const cmd = remoteCommand({ flowFile: uri.fsPath, python, target: pick.target, extraSources: extra as never });
    const terminal = vscode.window.createTerminal({ name: `Metaflow: ${pick.label}`, cwd: cmd.cwd, env: cmd.env });
    terminal.sendText(cmd.commandLine(), false);
    terminal.show();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(
      'metaflowSecrets.runFlow',
      guard('Run flow', (t) => run({ ...t, step: undefined })),
    ),
    vscode.commands.registerCommand(
      'metaflowSecrets.debugFlow',
      guard('Debug flow', (t) => debug({ ...t, step: undefined })),
    ),
    vscode.commands.registerCommand('metaflowSecrets.runStep', guard('Run step', run, true)),
    vscode.commands.registerCommand('metaflowSecrets.debugStep', guard('Debug step', debug, true)),
    vscode.commands.registerCommand('metaflowSecrets.runRemote', guard('Remote run', remote)),
  );
}

/** The visible flow (see FlowEditors), and for step commands the step, picked when there are several. */
async function commandTarget(flows: FlowEditors, needsStep: boolean, output: vscode.LogOutputChannel): Promise<RunTarget | undefined> {
  const found = await flows.target();
  if (!found) {
    void notify(output, 'info', 'No flow to run: open a file with a FlowSpec.');
    return undefined;
  }
  if (!needsStep) return { uri: found.uri };
  const steps = found.outline.flatMap((f) => f.steps.map((s) => ({ label: s.name, description: found.outline.length > 1 ? f.name : undefined, flow: f.name })));
  const pick = steps.length === 1 ? steps[0] : await vscode.window.showQuickPick(steps, { placeHolder: 'Which step?' });
  return pick ? { uri: found.uri, flow: pick.flow, step: pick.label } : undefined;
}
