// How the benchmark starts the two servers it compares.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspProcess } from './lspProcess';

export const REPO = path.resolve(__dirname, '..', '..');

/** The built server (node scripts/build.mjs); BENCH_SERVER points elsewhere for experiments. */
export function ourServerPath(): string {
  return process.env.BENCH_SERVER ?? path.join(REPO, 'dist', 'server.js');
}

export interface OurServerOptions {
  workspace: string;
  /** `metaflowSecrets.backends` as the client would send it; absent: offline. */
  backends?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  /** Directory for a --cpu-prof profile of the server. */
  cpuProfileDir?: string;
}

/** Starts our server, initialised as the client does for a trusted workspace. */
export async function startOurServer(o: OurServerOptions): Promise<{ server: LspProcess; initializedAt: number }> {
  const server = new LspProcess({
    command: process.execPath,
    args: [...(o.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfileDir] : []), ourServerPath(), '--stdio'],
    env: {
      // Metaflow configuration comes from the workspace only, not from the machine running the bench.
      METAFLOW_HOME: path.join(o.workspace, '.metaflow-home'),
      METAFLOW_PROFILE: undefined,
      METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager',
      METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION: 'us-east-1',
      ...o.env,
    },
  });
  const settings = {
    metaflowConfig: {},
    extraBackendTypes: [],
    indexMaxFiles: 20000,
    offline: !o.backends,
    leaks: { severity: 'warning', conservative: false },
    backends: o.backends ?? {},
  };
  const initializedAt = await server.initialize(
    pathToFileURL(o.workspace).toString(),
    { trusted: true, settings },
    {
      textDocument: { publishDiagnostics: { versionSupport: true, relatedInformation: true }, hover: { contentFormat: ['markdown'] }, completion: {} },
      workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      window: { workDoneProgress: true },
    },
  );
  return { server, initializedAt };
}

export function pyrightPath(): string {
  return path.join(REPO, 'node_modules', 'pyright', 'langserver.index.js');
}

/**
 * Starts pyright-langserver as a user with Metaflow installed would run it: the project's
 * interpreter (so `from metaflow import ...` resolves), diagnostics for open files only.
 */
export async function startPyright(workspace: string): Promise<LspProcess> {
  const python = path.join(REPO, '.venv', 'bin', 'python');
  const server = new LspProcess({
    command: process.execPath,
    args: [pyrightPath(), '--stdio'],
    configuration: (section) => {
      if (section === 'python') return fs.existsSync(python) ? { pythonPath: python } : {};
      if (section === 'python.analysis') return { diagnosticMode: 'openFilesOnly', typeCheckingMode: 'standard' };
      return null;
    },
  });
  await server.initialize(pathToFileURL(workspace).toString(), undefined, {
    textDocument: { publishDiagnostics: { versionSupport: true, relatedInformation: true } },
    workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
  });
  return server;
}
