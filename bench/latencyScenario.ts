// didOpen → diagnostics, didChange → diagnostics, hover and completion on one generated flow.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openDocuments, typeKeystrokes } from './editingSession';
import { generateFlow, GeneratedFlow } from './flowGenerator';
import { keystrokesFor } from './keystrokes';
import { LspProcess } from './lspProcess';
import { startOurServer } from './servers';

export interface LatencyResult {
  lines: number;
  /** didOpen → first diagnostics of the measured document and of four more of the same size. */
  openMs: number[];
  changeMs: number[];
  plannedEdits: number;
  missing: number;
  /** True when the time budget ran out before all planned edits were typed. */
  capped: boolean;
  /** Server CPU (user + system) per edit, ms. */
  cpuPerEditMs?: number;
  hoverMs: number[];
  hoverAnswered: number;
  completionMs: number[];
  completionItems: number;
}

export interface LatencyOptions {
  root: string;
  edits: number;
  budgetMs: number;
  backends?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  progress: (s: string) => void;
  cpuProfileDir?: string;
}

/** Where to hover and complete in a generated step: the source string, and an os.environ name. */
function probes(flow: GeneratedFlow): { hover: { line: number; character: number }[]; completion: { line: number; character: number }[] } {
  const lines = flow.text.split('\n');
  const hover: { line: number; character: number }[] = [];
  const completion: { line: number; character: number }[] = [];
  for (const s of flow.steps) {
    if (s.source) hover.push({ line: s.source.line, character: s.source.character - 2 });
    const readLine = s.bodyLine - 3; // `password = os.environ["DB_PASSWORD"]`
    const col = lines[readLine].indexOf('"DB_PASSWORD"');
    if (col >= 0) {
      hover.push({ line: readLine, character: col + 3 });
      completion.push({ line: readLine, character: col + 1 });
    }
  }
  return { hover, completion };
}

export async function measureLatency(lines: number, o: LatencyOptions): Promise<LatencyResult> {
  const ws = fs.mkdtempSync(path.join(o.root, `latency-${lines}-`));
  const flows = [0, 1, 2, 3, 4].map((i) => generateFlow(lines, i, `PartitionFlow${i}`));
  const docs = flows.map((f, i) => ({ file: path.join(ws, `flow_${i}.py`), text: f.text }));
  for (const d of docs) fs.writeFileSync(d.file, d.text);
  const { server } = await startOurServer({ workspace: ws, backends: o.backends, env: o.env, cpuProfileDir: o.cpuProfileDir });
  try {
    const started = Date.now();
    await server.waitForLog(/^Indexed \d+/, 120_000);
    // The first document always; the other four only while a quarter of the budget lasts (a slow
    // server must not turn the bench into an hour).
    const opened = await openDocuments(server, docs.slice(0, 1), 300_000);
    for (const d of docs.slice(1)) {
      if (Date.now() - started > o.budgetMs / 4) break;
      try {
        const more = await openDocuments(server, [d], o.budgetMs);
        opened.uris.push(...more.uris);
        opened.openMs.push(...more.openMs);
      } catch {
        break; // counted as not measured: the table shows how many opens were
      }
    }
    await settle(server, opened.uris, 300, 10_000);

    const { hover, completion } = probes(flows[0]);
    const hoverMs: number[] = [];
    const completionMs: number[] = [];
    let hoverAnswered = 0;
    let completionItems = 0;
    const uri = opened.uris[0];
    const probeUntil = Date.now() + Math.min(15_000, o.budgetMs / 4);
    for (let i = 0; i < 100 && (i < 5 || Date.now() < probeUntil); i++) {
      const h = await server.timedRequest<{ contents?: unknown } | null>('textDocument/hover', {
        textDocument: { uri },
        position: hover[(i * 7) % hover.length],
      });
      hoverMs.push(h.ms);
      if (h.result) hoverAnswered++;
    }
    for (let i = 0; i < 100 && (i < 5 || Date.now() < probeUntil + 5_000); i++) {
      const c = await server.timedRequest<unknown[] | { items: unknown[] } | null>('textDocument/completion', {
        textDocument: { uri },
        position: completion[(i * 7) % completion.length],
      });
      completionMs.push(c.ms);
      const items = Array.isArray(c.result) ? c.result : (c.result?.items ?? []);
      completionItems = Math.max(completionItems, items.length);
    }

    const keystrokes = keystrokesFor(flows[0], o.edits);
    const cpuBefore = server.cpuMs();
    const deadline = started + o.budgetMs;
    const typed = await typeKeystrokes(server, [uri], keystrokes, {
      timeoutMs: 30_000,
      onEach: (i) => {
        if (i % 50 === 49) o.progress(`  ${lines} lines: ${i + 1}/${keystrokes.length} edits`);
      },
      more: () => Date.now() < deadline,
    });
    const cpuAfter = server.cpuMs();
    const done = typed.changeMs.length + typed.missing;
    return {
      lines: flows[0].lines,
      openMs: opened.openMs,
      changeMs: typed.changeMs,
      plannedEdits: keystrokes.length,
      missing: typed.missing,
      capped: done < keystrokes.length,
      cpuPerEditMs: cpuBefore !== undefined && cpuAfter !== undefined && done > 0 ? (cpuAfter - cpuBefore) / done : undefined,
      hoverMs,
      hoverAnswered,
      completionMs,
      completionItems,
    };
  } finally {
    await server.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

/** Waits until no document has had diagnostics for `quietMs` (background work after opening has landed). */
export async function settle(server: LspProcess, uris: string[], quietMs: number, maxMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    const last = Math.max(0, ...uris.map((u) => server.publicationsOf(u).at(-1)?.at ?? 0));
    if (performance.now() - last >= quietMs || Date.now() - start > maxMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function uriOf(file: string): string {
  return pathToFileURL(file).toString();
}
