// The suite's figures (crashes, latencies, memory), printed once at the end of each test file so
// the closing note of a run can quote them.

const figures = new Map<string, string | number>();

export function record(name: string, value: string | number): void {
  figures.set(name, value);
}

/** Keeps the largest value seen under `name`. */
export function recordMax(name: string, value: number): void {
  const old = figures.get(name);
  if (typeof old !== 'number' || value > old) figures.set(name, value);
}

export function printFigures(title: string): void {
  const lines = [...figures.entries()].map(([k, v]) => `#   ${k}: ${v}`);
  process.stdout.write(`# robustness figures (${title})\n${lines.join('\n')}\n`);
}

/** Peak resident memory of a live process, in MB (Linux), or undefined elsewhere. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = require('fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Current resident memory of a live process, in MB (Linux), or undefined elsewhere. */
export function currentRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = require('fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
