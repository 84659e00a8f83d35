/**
 * Remote runs and deployments (`run --with kubernetes|batch`, `argo-workflows create`):
 * Metaflow's own way; no values are injected (remote tasks fetch their own), only the chosen
 * extra sources are attached with `--with secrets:...`, correctly quoted.
 */
import * as path from 'path';
import { OWNER_ENV, PAYLOAD_ENV } from './payload';
import { ExtraSource, secretsDecoSpec } from './secretsDecoSpec';
import { commandLine, ShellKind } from './shellQuote';

export type RemoteTarget = 'kubernetes' | 'batch' | 'argo-workflows';

export interface RemoteRequest {
  flowFile: string;
  python: string;
  target: RemoteTarget;
  extraSources?: readonly ExtraSource[];
  extraSourcesRole?: string;
  topLevelArgs?: readonly string[];
  extraArgs?: readonly string[];
  cwd?: string;
}

export interface RemoteCommand {
  argv: string[];
  cwd: string;
  /** Never the payload, and never the extension on PYTHONPATH: Metaflow would package it with the code. */
  env: Record<string, string | null>;
  commandLine(shell?: ShellKind): string;
}

export function remoteCommand(req: RemoteRequest): RemoteCommand {
  const argv = [req.python, req.flowFile, ...(req.topLevelArgs ?? [])];
  if (req.extraSources && req.extraSources.length > 0) argv.push('--with', secretsDecoSpec(req.extraSources, req.extraSourcesRole));
  if (req.target === 'argo-workflows') argv.push('argo-workflows', 'create');
  else argv.push('run', '--with', req.target);
  argv.push(...(req.extraArgs ?? []));
  return {
    argv,
    cwd: req.cwd ?? path.dirname(req.flowFile),
    env: { [PAYLOAD_ENV]: null, [OWNER_ENV]: null },
    commandLine: (shell: ShellKind = 'posix') => commandLine(argv, shell),
  };
}
