import { ChildProcess, spawn } from 'child_process';
import * as vscode from 'vscode';

/**
 * A run's terminal that stays after the run ends (a plain terminal whose process is Python
 * closes with it, taking the output along). The process is spawned here with the values in its
 * environment only; a pseudoterminal has no launch configuration for VS Code to persist or revive.
 */
export function openRunTerminal(t: { name: string; shellPath: string; shellArgs: string[]; cwd: string; env: Record<string, string | null> }): {
  terminal: vscode.Terminal;
  /** The exit code, once the process ends (undefined when it was stopped by a signal or never started). */
  exited: Promise<number | undefined>;
} {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let child: ChildProcess | undefined;
  let exitedWith: (code: number | undefined) => void = () => undefined;
  const exited = new Promise<number | undefined>((r) => (exitedWith = r));
  const started = Date.now();
  const out = (chunk: Buffer | string) => write.fire(chunk.toString().replace(/\r?\n/g, '\r\n'));

  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const [k, v] of Object.entries(t.env)) {
        if (v === null) delete env[k];
        else env[k] = v;
      }
      child = spawn(t.shellPath, t.shellArgs, { cwd: t.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout?.on('data', out);
      child.stderr?.on('data', out);
      child.on('error', (e) => {
        out(`\nMetaflow Secrets: could not start ${t.shellPath}: ${e.message}\n`);
        exitedWith(undefined);
      });
      child.on('close', (code, signal) => {
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        const how = signal ? `stopped by ${signal}` : `exited with code ${code}`;
        // The output stays; the process (and its environment) is gone.
        out(`\n\x1b[2m[Metaflow Secrets] the run ${how} after ${secs} s. This terminal keeps its output; close it when done.\x1b[0m\n`);
        child = undefined;
        exitedWith(code ?? undefined);
      });
    },
    handleInput: (data) => {
      if (!child) return;
      if (data === '\x03') child.kill('SIGINT');
      else child.stdin?.write(data === '\r' ? '\n' : data);
      write.fire(data === '\r' ? '\r\n' : data);
    },
    close: () => {
      child?.kill('SIGINT');
      write.dispose();
      close.dispose();
    },
  };
  return { terminal: vscode.window.createTerminal({ name: t.name, pty, isTransient: true }), exited };
}
