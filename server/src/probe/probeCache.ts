import * as fs from 'fs';
import * as path from 'path';
import { ProbeOutcome, runMetaflowProbe } from './metaflowProbe';

// One answer per interpreter and set of Metaflow configuration files, refreshed when the
// interpreter, its import path (a pip install) or those files change. Callers that must not
// wait (the language server) peek and are told when an answer settles; the CLI awaits it.

export interface ProbeCacheOptions {
  env: Record<string, string | undefined>;
  /** Checked before every probe process is started: false in Restricted Mode. */
  allowed: () => boolean;
  /** An answer arrived that differs from the one before (or is the first). */
  onSettled?: (interpreter: string, outcome: ProbeOutcome) => void;
  timeoutMs?: number;
  /** How often a cached answer's files are looked at again (a few stat calls). */
  recheckMs?: number;
  run?: typeof runMetaflowProbe;
}

interface Entry {
  outcome?: ProbeOutcome;
  fingerprint?: string;
  checkedAt: number;
  running?: Promise<ProbeOutcome>;
}

export class MetaflowProbeCache {
  private readonly entries = new Map<string, Entry>();
  /** Probe processes started, for tests and the log. */
  started = 0;

  constructor(private readonly o: ProbeCacheOptions) {}

  /**
   * The answer known for this interpreter and configuration, never waiting: undefined until the
   * first probe settles. A stale answer is kept while the new probe runs.
   */
  peek(interpreter: string, cwd: string, configFiles: readonly string[]): ProbeOutcome | undefined {
    const e = this.entry(interpreter, configFiles);
    if (!e.running && (!e.outcome || this.changed(e, interpreter, configFiles))) void this.start(e, interpreter, cwd, configFiles);
    return e.outcome;
  }

  /** Waits for a current answer (the CLI). */
  async get(interpreter: string, cwd: string, configFiles: readonly string[]): Promise<ProbeOutcome> {
    const e = this.entry(interpreter, configFiles);
    if (e.running) return e.running;
    if (e.outcome && !this.changed(e, interpreter, configFiles)) return e.outcome;
    return this.start(e, interpreter, cwd, configFiles);
  }

  /** Something may have changed (a config file event, Refresh): look at the files again on next use. */
  recheck(): void {
    for (const e of this.entries.values()) e.checkedAt = 0;
  }

  /** Forget every answer: the next use probes again. */
  clear(): void {
    this.entries.clear();
  }

  private entry(interpreter: string, configFiles: readonly string[]): Entry {
    const key = JSON.stringify([interpreter, ...configFiles]);
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { checkedAt: 0 }));
    return e;
  }

  private changed(e: Entry, interpreter: string, configFiles: readonly string[]): boolean {
    const now = Date.now();
    if (now - e.checkedAt < (this.o.recheckMs ?? 2000)) return false;
    e.checkedAt = now;
    return this.fingerprint(interpreter, configFiles, e.outcome) !== e.fingerprint;
  }

  private start(e: Entry, interpreter: string, cwd: string, configFiles: readonly string[]): Promise<ProbeOutcome> {
    if (!this.o.allowed()) return Promise.resolve({ ok: false, reason: 'Restricted Mode: the interpreter is not run in an untrusted workspace' });
    this.started++;
    const run = this.o.run ?? runMetaflowProbe;
    const p = run(interpreter, { cwd, env: this.o.env, timeoutMs: this.o.timeoutMs }).then((outcome) => {
      const before = e.outcome;
      e.outcome = outcome;
      e.running = undefined;
      e.checkedAt = Date.now();
      e.fingerprint = this.fingerprint(interpreter, configFiles, outcome);
      if (!before || JSON.stringify(before) !== JSON.stringify(outcome)) this.o.onSettled?.(interpreter, outcome);
      return outcome;
    });
    e.running = p;
    return p;
  }

  /** Modification times of the interpreter, its import path directories and the config files. */
  private fingerprint(interpreter: string, configFiles: readonly string[], outcome: ProbeOutcome | undefined): string {
    const exe = resolveOnPath(interpreter, this.o.env);
    const dirs = outcome?.ok ? outcome.metaflow.paths : [];
    return [exe, ...configFiles, ...dirs].map((f) => (f ? `${f}@${mtime(f)}` : '?')).join('|');
  }
}

function mtime(p: string): string {
  try {
    // The link itself and what it points to: a venv's python is a link that a new venv replaces.
    return `${fs.lstatSync(p).mtimeMs}/${fs.statSync(p).mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** A bare command name (`python3`) as the PATH lookup would find it; a path as given. */
export function resolveOnPath(command: string, env: Record<string, string | undefined>): string | undefined {
  if (command.includes('/') || command.includes(path.sep)) return path.resolve(command);
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}
