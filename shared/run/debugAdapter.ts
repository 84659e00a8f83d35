/**
 * The extension's own debug adapter when the Python Debugger extension is missing:
 * `python -m debugpy.adapter` from the selected interpreter for the root session, and, for
 * each subprocess debugpy reports with `startDebugging` (request 'attach', `subProcessId`,
 * `connect: {host, port}`), a connection to the adapter's own client port — what VS Code
 * expresses as a DebugAdapterExecutable and a DebugAdapterServer.
 */

export function debugAdapterCommand(python: string): { command: string; args: string[] } {
  return { command: python, args: ['-m', 'debugpy.adapter'] };
}

/** The adapter server a child session must connect to, or undefined for a root session. */
export function childSessionServer(configuration: { [k: string]: unknown }): { host: string; port: number } | undefined {
  if (configuration.request !== 'attach' || typeof configuration.subProcessId !== 'number') return undefined;
  const c = configuration.connect as { host?: unknown; port?: unknown } | undefined;
  if (!c || typeof c.port !== 'number') return undefined;
  return { host: typeof c.host === 'string' ? c.host : '127.0.0.1', port: c.port };
}
