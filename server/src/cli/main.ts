import * as fs from 'fs';
import * as path from 'path';
import { nonSecretKeys } from '../core/leaks';
import { Severity } from '../core/rules';
import { CheckOptions, parseArgs, SEVERITIES, USAGE } from './cliArgs';
import { BaselineError, baselineStep } from './baseline';
import { checkFiles, CheckResult } from './checkRunner';
import { collectFiles } from './fileCollector';
import { jsonReport } from './jsonReport';
import { packageInfo } from './packageInfo';
import { Progress } from './progress';
import { sarifReport } from './sarifReport';
import { textReport } from './textReport';

/** Exit codes, as documented in --help; 130 is the shell's code for Ctrl-C. */
export const EXIT = { clean: 0, findings: 1, usage: 2, internal: 3, interrupted: 130 } as const;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
  progress?: Progress;
  signal?: AbortSignal;
}

class UsageError extends Error {}

/** `metaflow-secrets ...`: returns the exit code. Never prints a secret value: only names, codes and messages. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv);
  switch (parsed.kind) {
    case 'help':
      io.stdout(USAGE);
      return EXIT.clean;
    case 'version':
      io.stdout(`${packageInfo().version}\n`);
      return EXIT.clean;
    case 'usage-error':
      io.stderr(`metaflow-secrets: ${parsed.message}\n\n${USAGE}`);
      return EXIT.usage;
  }
  try {
    return await check(parsed.options, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof BaselineError) {
      io.stderr(`metaflow-secrets: ${e.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`metaflow-secrets: internal error: ${(e as Error)?.stack ?? e}\n`);
    return EXIT.internal;
  }
}

async function check(o: CheckOptions, io: CliIo): Promise<number> {
  const { files, missing, unusable } = collectFiles(o.paths, io.cwd);
  // A named path that cannot be read in full is a usage error: a check that saw nothing must not pass.
  const bad = [...(missing.length ? [`no such file or directory: ${missing.join(', ')}`] : []), ...unusable.map((u) => `cannot check ${u.path}: ${u.reason}`)];
  if (bad.length) throw new UsageError(bad.join('; '));
  const explicit = new Set(o.paths.map((p) => path.resolve(io.cwd, p)).filter((p) => files.includes(p)));
  const online = o.offline ? undefined : await onlineChecker(o, io);
  const progress = io.progress;
  let result: CheckResult;
  try {
    result = await checkFiles(files, explicit, {
      env: { ...io.env, ...o.sets },
      roots: [io.cwd],
      extraTypes: o.backendTypes,
      python: o.python,
      leakSeverity: o.leakSeverity,
      conservativeLeaks: o.conservativeLeaks,
      nonSecretKeys: o.nonSecretKeys.length ? nonSecretKeys(o.nonSecretKeys, '--non-secret-keys') : undefined,
      ruleLevels: o.ruleLevels,
      online,
      signal: io.signal,
      onProgress: (phase, done, total) =>
        progress?.update(phase === 'analysing' ? `metaflow-secrets: checked ${done}/${total} files` : `metaflow-secrets: resolved ${done}/${total} sources`),
    });
  } finally {
    progress?.done();
    online?.dispose();
  }

  for (const n of result.notes) io.stderr(`metaflow-secrets: ${n}\n`);
  for (const w of result.warnings) io.stderr(`metaflow-secrets: warning: ${w}\n`);
  const baselined = baselineStep(result.reports, o, io.cwd);
  result.reports = baselined.reports;
  if (baselined.note) io.stderr(`metaflow-secrets: ${baselined.note}\n`);
  const silenced = result.reports.reduce((n, r) => n + r.suppressed.length, 0);
  if (silenced) io.stderr(`metaflow-secrets: ${silenced} finding(s) suppressed by comments (kept, marked, in SARIF)\n`);
  const info = packageInfo();
  const report =
    o.format === 'sarif'
      ? sarifReport(result.reports, { cwd: io.cwd, toolVersion: info.version, readmeUri: info.readmeUri, ruleLevels: o.ruleLevels })
      : o.format === 'json'
        ? jsonReport(result.reports, io.cwd, info.version)
        : textReport(result.reports, io.cwd);
  if (o.output) {
    try {
      fs.mkdirSync(path.dirname(path.resolve(io.cwd, o.output)), { recursive: true });
      fs.writeFileSync(path.resolve(io.cwd, o.output), report);
    } catch (e) {
      throw new UsageError(`cannot write ${o.output}: ${(e as Error).message}`);
    }
  } else io.stdout(report);

  io.stderr(summary(result, o));
  if (io.signal?.aborted) return EXIT.interrupted;
  const threshold = SEVERITIES.indexOf(o.failOn);
  const failing = result.reports.some((r) => r.findings.some((f) => SEVERITIES.indexOf(f.severity) <= threshold));
  return failing ? EXIT.findings : EXIT.clean;
}

/** Online checking needs the SDKs: loaded only then, so `--offline` starts fast. */
async function onlineChecker(o: CheckOptions, io: CliIo) {
  const { parseBackendSettings, SecretResolver } = require('../backends') as typeof import('../backends');
  const { OnlineChecker } = require('./onlineChecker') as typeof import('./onlineChecker');
  let raw: unknown = {};
  if (o.backendConfig) {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(io.cwd, o.backendConfig), 'utf8');
    } catch (e) {
      throw new UsageError(`--backend-config: cannot read ${o.backendConfig}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--backend-config: ${o.backendConfig} is not valid JSON: ${(e as Error).message}`);
    }
  }
  // The same settings object as the editor's metaflowSecrets.backends; in CI a value that would be ignored is an error.
  const { settings, problems } = parseBackendSettings(raw, { offline: false, trusted: true });
  if (problems.length) throw new UsageError(`--backend-config: ${problems.join(' ').replace(/metaflowSecrets\.backends\.?/g, '')}`);
  if (o.timeoutSeconds !== undefined) settings.timeoutMs = o.timeoutSeconds * 1000;
  return new OnlineChecker(new SecretResolver({ settings, env: io.env }));
}

function summary(r: CheckResult, o: CheckOptions): string {
  const counts = new Map<Severity, number>();
  for (const rep of r.reports) for (const f of rep.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const parts = SEVERITIES.filter((s) => counts.get(s)).map((s) => `${counts.get(s)} ${s}${counts.get(s) === 1 ? '' : s === 'information' ? '' : 's'}`);
  const mode = o.offline ? 'offline' : `online: ${r.sourcesResolved} source(s) asked, ${r.sourcesFailed} failed`;
  return `metaflow-secrets: ${parts.length ? parts.join(', ') : 'no findings'} in ${r.filesChecked} checked file(s) (${mode})\n`;
}

/** The `bin` entry: real stdio, SIGINT cancels backend calls, then exits once output is flushed. */
function main(): void {
  const controller = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  });
  const parsed = parseArgs(process.argv.slice(2));
  const noProgress = parsed.kind === 'check' && parsed.options.noProgress;
  void runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    progress: Progress.forStderr(noProgress),
    signal: controller.signal,
  }).then((code) => {
    // SDK clients may hold keep-alive sockets: exit explicitly once stdout is flushed.
    process.stdout.write('', () => process.exit(interrupted ? 130 : code));
  });
}

if (require.main === module) main();
