import { execFile } from 'child_process';
import * as vscode from 'vscode';
import { parseProbeOutput, ProbeResult, probeCommand } from '../../server/src/run/spin';

/** The interpreter for runs: the setting, else the Python extension's selection, else python3. */
export async function pythonInterpreter(resource?: vscode.Uri): Promise<string> {
  const configured = vscode.workspace.getConfiguration('metaflowSecrets', resource).get<string>('run.python', '');
  if (configured) return configured;
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (ext) {
    try {
      const { PythonExtension } = await import('@vscode/python-extension');
      const api = await PythonExtension.api();
      const env = api.environments.getActiveEnvironmentPath(resource);
      const resolved = await api.environments.resolveEnvironment(env);
      if (resolved?.executable.uri) return resolved.executable.uri.fsPath;
    } catch {
      // The Python extension is optional: fall through to python3.
    }
  }
  return 'python3';
}

/** Asks the interpreter which Metaflow, spin and debugpy it has (no flow is imported, no secret read). */
export function probeInterpreter(python: string): Promise<ProbeResult | undefined> {
  const { command, args } = probeCommand(python);
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000 }, (err, stdout) => resolve(err ? undefined : parseProbeOutput(stdout)));
  });
}
