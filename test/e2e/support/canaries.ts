// Where secret values must never appear: files a scenario wrote, and the command lines of the
// processes it started. Values are canaries (made-up strings the emulators serve).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every regular file below `dir` (symlinks are not followed). */
export function walkFiles(dir: string, out: string[] = []): string[] {
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files below the dirs that hold any of the values, as "file: value" (binary content included). */
export function filesHolding(dirs: readonly string[], values: readonly string[]): string[] {
  const hits: string[] = [];
  for (const dir of dirs) {
    for (const f of walkFiles(dir)) {
      let text: string;
      try {
        text = fs.readFileSync(f, 'latin1');
      } catch {
        continue; // removed meanwhile
      }
      for (const v of values) if (text.includes(v)) hits.push(`${f}: ${v}`);
    }
  }
  return hits;
}

/**
 * Samples every process's command line (/proc/<pid>/cmdline) while a scenario runs, so a value
 * passed as an argument to any process (a run, a shell, a helper) is caught while it lives.
 */
export class CommandLineWatch {
  private readonly hits = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  samples = 0;

  constructor(private readonly values: readonly string[]) {}

  start(everyMs = 300): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): string[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return [...this.hits];
  }

  private sample(): void {
    this.samples++;
    let pids: string[] = [];
    try {
      pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    for (const pid of pids) {
      let cmd: string;
      try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ');
      } catch {
        continue; // ended meanwhile
      }
      for (const v of this.values) if (cmd.includes(v)) this.hits.add(`pid ${pid}: ${cmd.slice(0, 200)}`);
    }
  }
}
