import { execFile } from 'child_process';
import { LATEST_RUN_CODE, LatestRun, parseLatestRunOutput } from '../../shared/run';

/**
 * Asks the run's interpreter whether spin/resume has a run to start from (see LATEST_RUN_CODE).
 * Undefined when it cannot tell in time: the step then runs as asked and Metaflow speaks for itself.
 */
export function latestRun(
  python: string,
  flow: string,
  step: string,
  cwd: string | undefined,
  env: Record<string, string | undefined>,
): Promise<LatestRun | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', LATEST_RUN_CODE, flow, step], { cwd, env: env as NodeJS.ProcessEnv, timeout: 60_000 }, (err, stdout) =>
      resolve(err ? undefined : parseLatestRunOutput(stdout)),
    );
  });
}
