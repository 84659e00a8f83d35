import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { childAttachConfiguration, childSessionServer, debugAdapterCommand } from '../../shared/run';
import { pythonInterpreter } from './interpreter';
import { notify, notifyRestricted } from './notify';
import { planRun } from './runSession';

/**
 * The `metaflow` debug type. A launch configuration (flow, step, secrets, maxWorkers...) is turned
 * into a debugpy launch in memory, with the resolved values in its `env`; launch.json never
 * holds a value. Child sessions (one per Metaflow task) pass through without the payload.
 */
export class MetaflowDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(
    private readonly client: LanguageClient,
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (config.request === 'attach') return childAttachConfiguration(config);
    if (typeof config.flow !== 'string') {
      if (typeof config.program === 'string') return config; // already a planned debugpy launch
      void notify(this.output, 'error', 'The launch configuration needs "flow".', {
        detail: 'A metaflow launch configuration names the flow file in "flow", e.g. "${file}".',
      });
      return undefined;
    }
    if (!vscode.workspace.isTrusted) {
      void notifyRestricted('Debugging');
      return undefined;
    }
    const plan = await planRun(
      this.client,
      this.context,
      this.output,
      {
        uri: vscode.Uri.file(config.flow).toString(),
        flow: typeof config.flowClass === 'string' ? config.flowClass : undefined,
        step: typeof config.step === 'string' && config.step ? config.step : undefined,
        extraSources: Array.isArray(config.secrets) ? config.secrets : undefined,
        maxWorkers: typeof config.maxWorkers === 'number' ? config.maxWorkers : undefined,
        args: Array.isArray(config.args) ? config.args : undefined,
        python: typeof config.python === 'string' && config.python ? config.python : undefined,
        justMyCode: typeof config.justMyCode === 'boolean' ? config.justMyCode : undefined,
      },
      'debug',
    );
    if (!plan?.debugConfiguration) return undefined; // nothing launches; the reason was shown
    return { ...plan.debugConfiguration, name: config.name ?? plan.debugConfiguration.name, noDebug: config.noDebug === true };
  }
}

/** When the Python Debugger extension is absent: debugpy's own adapter from the selected interpreter. */
export class DebugpyAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  async createDebugAdapterDescriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor> {
    const c = session.configuration;
    // debugpy's child sessions (one per Metaflow task) connect back to the adapter already running.
    const child = childSessionServer(c);
    if (child) return new vscode.DebugAdapterServer(child.port, child.host);
    const python = typeof c.python === 'string' && c.python ? c.python : await pythonInterpreter(session.workspaceFolder?.uri);
    const cmd = debugAdapterCommand(python);
    return new vscode.DebugAdapterExecutable(cmd.command, cmd.args);
  }
}

/**
 * With the Python Debugger's `debugpy` type, debugpy copies the whole launch `env` (the payload)
 * into every child session's configuration: drop it before VS Code starts the child.
 */
export class DebugpyChildSessionProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    return config.request === 'attach' && typeof config.subProcessId === 'number' ? childAttachConfiguration(config) : config;
  }
}
