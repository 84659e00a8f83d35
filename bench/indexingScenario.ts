// Workspace indexing: from `initialized` to the server's "Indexed N Metaflow module(s) of M
// Python file(s) in T ms" log line, and the server's peak resident set afterwards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateFlow } from './flowGenerator';
import { startOurServer } from './servers';

export interface IndexingResult {
  files: number;
  /** initialized → log line, as the client sees it. */
  wallMs: number;
  /** The figures the server logged. */
  modules?: number;
  pythonFiles?: number;
  reportedMs?: number;
  peakRssMiB?: number;
  /** Server CPU (user + system) from start to the log line, ms: less sensitive to a loaded machine than wall time. */
  cpuMs?: number;
  /** Total lines in the workspace. */
  lines: number;
}

/** A workspace of `count` flow files of about 120 lines, 100 to a package. */
export function writeWorkspace(dir: string, count: number): number {
  let lines = 0;
  for (let i = 0; i < count; i++) {
    const pkg = path.join(dir, `pipelines_${Math.floor(i / 100)}`);
    if (i % 100 === 0) fs.mkdirSync(pkg, { recursive: true });
    const f = generateFlow(120, i, `Pipeline${i}Flow`);
    fs.writeFileSync(path.join(pkg, `flow_${i}.py`), f.text);
    lines += f.lines;
  }
  return lines;
}

export async function measureIndexing(count: number, root: string, cpuProfileDir?: string): Promise<IndexingResult> {
  const ws = fs.mkdtempSync(path.join(root, `index-${count}-`));
  const lines = writeWorkspace(ws, count);
  const { server, initializedAt } = await startOurServer({ workspace: ws, cpuProfileDir });
  try {
    const line = await server.waitForLog(/^Indexed \d+ Metaflow module/, 300_000);
    const cpuMs = server.cpuMs();
    const m = /^Indexed (\d+) Metaflow module\(s\) of (\d+) Python file\(s\) in (\d+) ms/.exec(line.message);
    return {
      files: count,
      wallMs: line.at - initializedAt,
      modules: m ? Number(m[1]) : undefined,
      pythonFiles: m ? Number(m[2]) : undefined,
      reportedMs: m ? Number(m[3]) : undefined,
      peakRssMiB: server.peakRssMiB(),
      cpuMs,
      lines,
    };
  } finally {
    await server.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
