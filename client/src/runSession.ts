import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { Messages, PrepareRunParams } from '../../shared/protocol';
import { openingKey } from '../../shared/sealedBox';
import { buildLaunchPlan, LaunchMode, LaunchPlan, ResolvedSource, RunPlanError } from '../../shared/run';
import { probeInterpreter, pythonInterpreter } from './interpreter';
import { latestRun } from './latestRun';
import { notify } from './notify';
import { openRunTerminal } from './runTerminal';
import { request } from './messages';

export interface RunTarget {
  /** The flow file. */
  uri: string;
  /** The flow class; the first flow of the file when absent. */
  flow?: string;
  step?: string;
  extraSources?: unknown[];
  maxWorkers?: number;
  args?: string[];
  python?: string;
  justMyCode?: boolean;
}

/** The debug adapter type: the Python Debugger's when installed, else ours (python -m debugpy.adapter). */
export function debugAdapterType(): string {
  return vscode.extensions.getExtension('ms-python.debugpy') ? 'debugpy' : 'metaflow';
}

/**
 * Everything a run needs, in memory: the server resolves the sources (sealed to a one-time key),
 * the plan puts the values into the launched process's environment only.
 */
export async function planRun(
  client: LanguageClient,
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  target: RunTarget,
  mode: LaunchMode,
): Promise<LaunchPlan | undefined> {
  const uri = vscode.Uri.parse(target.uri);
  // The server analyses open documents: make sure this one is.
  await vscode.workspace.openTextDocument(uri);
  let flow = target.flow;
  if (!flow) {
    const outline = await request(client, Messages.flowOutline, { uri: uri.toString() });
    flow = outline[0]?.name;
    if (!flow) {
      void notify(output, 'info', `No flow class in ${path.basename(uri.fsPath)}: nothing to run.`);
      return undefined;
    }
  }
  const extra = target.extraSources ?? vscode.workspace.getConfiguration('metaflowSecrets', uri).get<unknown[]>('run.extraSources', []);
  const key = openingKey();
  const params: PrepareRunParams = { uri: uri.toString(), flow, step: target.step, extraSources: extra, clientPublicKey: key.publicKey };
  const prepared = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Resolving secrets for ${flow}${target.step ? `.${target.step}` : ''}…`, cancellable: true },
    (_p, token) => request(client, Messages.prepareRun, params, token),
  );
  if (!prepared.ok) {
    void notify(output, 'error', prepared.message);
    return undefined;
  }
  const resolved = JSON.parse(key.open(prepared.sealed)) as ResolvedSource[];

  const python = target.python ?? (await pythonInterpreter(uri));
  let stepCommand: 'spin' | 'resume' = 'spin';
  if (target.step || mode === 'debug') {
    const probe = await probeInterpreter(python);
    if (!probe?.metaflowVersion) {
      void notify(output, 'error', 'Metaflow is not installed in the run interpreter.', {
        detail: `Install it with \`${python} -m pip install metaflow\` or pick another interpreter (metaflowSecrets.run.python).`,
      });
      return undefined;
    }
    if (mode === 'debug' && !probe.debugpyVersion) {
      void notify(output, 'error', 'debugpy is not installed in the run interpreter.', { detail: `Install it with \`${python} -m pip install debugpy\`.` });
      return undefined;
    }
    if (target.step && !probe.hasSpin) {
      const choice = await vscode.window.showWarningMessage(
        `Metaflow ${probe.metaflowVersion} has no 'spin'.`,
        { modal: true, detail: `'spin' needs Metaflow 2.19+. Run '${target.step}' with 'resume' from the latest run instead?` },
        'Use resume',
      );
      if (choice !== 'Use resume') return undefined;
      stepCommand = 'resume';
    }
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const step = target.step && {
    target: { ...target, flow, step: target.step },
    mode,
    stepCommand,
    python,
    cwd: folder?.uri.fsPath,
    configEnv: prepared.configEnv,
  };
  if (step && !(await hasRunToStartFrom({ client, context, output }, step))) {
    return undefined;
  }
  const dotenvPath = folder ? path.join(folder.uri.fsPath, '.env') : undefined;
  let dotenvText: string | undefined;
  try {
    dotenvText = dotenvPath ? fs.readFileSync(dotenvPath, 'utf8') : undefined;
  } catch {
    dotenvText = undefined;
  }
  const configuredWorkers = vscode.workspace.getConfiguration('metaflowSecrets', uri).get<number>('run.maxWorkers', 0);
  try {
    const plan = buildLaunchPlan({
      flowFile: uri.fsPath,
      step: target.step,
      mode,
      stepCommand,
      resolved,
      extraSources: extra as never,
      python,
      extensionSite: context.asAbsolutePath(path.join('python', 'site')),
      maxWorkers: target.maxWorkers ?? (configuredWorkers || (mode === 'debug' ? 1 : undefined)),
      extraArgs: target.args,
      cwd: folder?.uri.fsPath,
      baseEnv: process.env,
      dotenvText,
      dotenvLabel: dotenvPath,
      debug: mode === 'debug' ? { type: debugAdapterType(), justMyCode: target.justMyCode } : undefined,
    });
    // The run reads Metaflow's configuration exactly as the editor did (settings included).
    for (const env of [plan.env, plan.terminal.env, plan.debugConfiguration?.env]) if (env) Object.assign(env, prepared.configEnv);
    for (const w of plan.warnings) void notify(output, 'warning', w);
    output.info(`Starting: ${plan.display} (${prepared.sourceCount} source(s) injected in memory for ${prepared.steps.join(', ')})`);
    return plan;
  } catch (e) {
    const message = e instanceof RunPlanError ? e.message : `Could not plan the run: ${(e as Error).message}`;
    void notify(output, 'error', message);
    return undefined;
  }
}

/**
 * spin and resume start from the latest run (spin from the step's task in it). On a first use
 * there is none, and Metaflow would stop with "Flow ... does not exist": offer, as the default,
 * to run the whole flow first with the same secrets, then go on with the step.
 */
/** The extension's parts a run needs. */
interface RunHost {
  client: LanguageClient;
  context: vscode.ExtensionContext;
  output: vscode.LogOutputChannel;
}

/** The step about to run, and how: the command, the interpreter, where, with which Metaflow configuration. */
interface StepRun {
  target: RunTarget & { flow: string; step: string };
  mode: LaunchMode;
  stepCommand: 'spin' | 'resume';
  python: string;
  cwd: string | undefined;
  configEnv: Record<string, string>;
}

async function hasRunToStartFrom(host: RunHost, s: StepRun): Promise<boolean> {
  const { client, context, output } = host;
  const { target, mode, stepCommand, python, cwd, configEnv } = s;
  const found = await latestRun(python, target.flow, target.step, cwd, { ...process.env, ...configEnv });
  if (!found || found.state === 'ready' || (stepCommand === 'resume' && found.state === 'no-task')) return true;
  const why = found.state === 'no-run' ? `${target.flow} has no run yet` : `the latest run of ${target.flow} (${found.runId}) has no task for '${target.step}'`;
  const choice = await vscode.window.showInformationMessage(
    `${mode === 'debug' ? 'Debug' : 'Run'} step '${target.step}' uses '${stepCommand}', which takes the step's inputs from the latest run, and ${why}. Run the whole flow first (with the same secrets), then ${mode === 'debug' ? 'debug' : 'run'} the step?`,
    { modal: true },
    'Run flow first',
  );
  if (choice !== 'Run flow first') return false;
  const whole = await planRun(client, context, output, { ...target, step: undefined }, 'run');
  if (!whole) return false;
  const run = openRunTerminal(whole.terminal);
  run.terminal.show();
  const code = await run.exited;
  if (code !== 0) {
    void notify(output, 'error', `The run of ${target.flow} ${code === undefined ? 'was stopped' : `failed (exit code ${code})`}.`, {
      detail: `Its terminal has the output; step '${target.step}' was not started.`,
    });
    return false;
  }
  output.info(`The run of ${target.flow} succeeded; starting step '${target.step}'.`);
  return true;
}
