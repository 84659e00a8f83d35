import { execFile } from 'child_process';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { InterpreterParams, Messages } from '../../shared/protocol';
import { parseProbeOutput, ProbeResult, probeCommand } from '../../shared/run/spin';
import { notify } from './messages';

/** The interpreter for runs: the setting, else the Python extension's selection, else python3. */
export async function pythonInterpreter(resource?: vscode.Uri): Promise<string> {
  return (await runInterpreter(resource)).python as string;
}

/** The run interpreter and where it came from. */
export async function runInterpreter(resource?: vscode.Uri): Promise<InterpreterParams> {
  const configured = vscode.workspace.getConfiguration('metaflowSecrets', resource).get<string>('run.python', '');
  if (configured) return { python: configured, origin: 'setting' };
  const api = await pythonExtensionApi();
  if (api) {
    try {
      const env = api.environments.getActiveEnvironmentPath(resource);
      const resolved = await api.environments.resolveEnvironment(env);
      if (resolved?.executable.uri) return { python: resolved.executable.uri.fsPath, origin: 'python-extension' };
    } catch {
      // The Python extension is optional: fall through to python3.
    }
  }
  return { python: 'python3', origin: 'default' };
}

async function pythonExtensionApi() {
  if (!vscode.extensions.getExtension('ms-python.python')) return undefined;
  try {
    const { PythonExtension } = await import('@vscode/python-extension');
    return await PythonExtension.api();
  } catch {
    return undefined;
  }
}

/**
 * Tells the server which interpreter runs the flows (it asks that interpreter which Metaflow it
 * has), now and whenever the setting or the Python extension's selection changes.
 */
export async function reportRunInterpreter(client: LanguageClient): Promise<vscode.Disposable> {
  // One per workspace folder: in a multi-root workspace each folder can have its own environment.
  const send = async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) return void notify(client, Messages.interpreter, await runInterpreter());
    for (const f of folders) void notify(client, Messages.interpreter, { ...(await runInterpreter(f.uri)), folder: f.uri.fsPath });
  };
  const subscriptions: vscode.Disposable[] = [
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('metaflowSecrets.run.python')) void send();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void send()),
  ];
  const api = await pythonExtensionApi();
  if (api) subscriptions.push(api.environments.onDidChangeActiveEnvironmentPath(() => void send()));
  await send();
  return vscode.Disposable.from(...subscriptions);
}

/** Asks the interpreter which Metaflow, spin and debugpy it has (no flow is imported, no secret read). */
export function probeInterpreter(python: string): Promise<ProbeResult | undefined> {
  const { command, args } = probeCommand(python);
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000 }, (err, stdout) => resolve(err ? undefined : parseProbeOutput(stdout)));
  });
}
