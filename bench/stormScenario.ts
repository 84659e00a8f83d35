// An edit storm: many open documents, edits arriving faster than they can be analysed one by one
// (a search-and-replace, a formatter, several people in a shared session), hovers during it.
// Measures how long after the last edit each document's final version is published, and hover
// latency while the storm lasts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDocuments } from './editingSession';
import { generateFlow } from './flowGenerator';
import { Keystroke, keystrokesFor } from './keystrokes';
import { settle } from './latencyScenario';
import { startOurServer } from './servers';

export interface StormOptions {
  root: string;
  docs: number;
  linesPerDoc: number;
  editsPerSecond: number;
  seconds: number;
  progress: (s: string) => void;
}

export interface StormResult {
  docs: number;
  linesPerDoc: number;
  editsSent: number;
  seconds: number;
  /** Per document: its last edit sent → its final version published (ms); Infinity when it never was. */
  finalDelayMs: number[];
  hoverMs: number[];
  hoversUnanswered: number;
  /** Publications during and after the storm, across all documents. */
  publications: number;
  peakRssMiB?: number;
}

/** Edits go out in ticks of this length (a timer cannot fire every few ms reliably). */
const TICK_MS = 10;
/** A hover is asked this often during the storm. */
const HOVER_EVERY_MS = 100;

export async function measureStorm(o: StormOptions): Promise<StormResult> {
  const ws = fs.mkdtempSync(path.join(o.root, 'storm-'));
  const flows = Array.from({ length: o.docs }, (_, i) => generateFlow(o.linesPerDoc, i, `StormFlow${i}`));
  const docs = flows.map((f, i) => ({ file: path.join(ws, `storm_${i}.py`), text: f.text }));
  for (const d of docs) fs.writeFileSync(d.file, d.text);
  const { server } = await startOurServer({ workspace: ws });
  try {
    await server.waitForLog(/^Indexed \d+/, 120_000);
    o.progress(`  storm: opening ${o.docs} documents of ${o.linesPerDoc} lines`);
    const { uris } = await openDocuments(server, docs, 120_000);
    await settle(server, uris, 300, 20_000);
    const before = uris.reduce((n, u) => n + server.publicationsOf(u).length, 0);

    const total = Math.round(o.editsPerSecond * o.seconds);
    // Every document edited at once: one keystroke to each in turn, each document's own typing in order.
    const perDoc = flows.map((f, d) => keystrokesFor(f, Math.ceil(total / o.docs), d));
    const edits: Keystroke[] = [];
    for (let i = 0; edits.length < total; i++) for (const seq of perDoc) if (edits.length < total) edits.push(seq[i]);
    const versions = uris.map(() => 1);
    const hoverAt = flows.map((f) => f.steps.find((s) => s.source)?.source);
    const hoverMs: number[] = [];
    let hoversUnanswered = 0;
    const hovers: Promise<void>[] = [];
    o.progress(`  storm: ${total} edits over ${o.seconds} s (${o.editsPerSecond}/s) across ${o.docs} documents`);

    const start = performance.now();
    let sent = 0;
    let nextHover = start;
    const lastEditAt = uris.map(() => start);
    while (sent < total) {
      const now = performance.now();
      // Catch up to the rate: every edit due by now goes out (as a burst would).
      const due = Math.min(total, Math.floor(((now - start) / 1000) * o.editsPerSecond) + 1);
      for (; sent < due; sent++) {
        const k = edits[sent];
        versions[k.doc]++;
        lastEditAt[k.doc] = await server.notify('textDocument/didChange', {
          textDocument: { uri: uris[k.doc], version: versions[k.doc] },
          contentChanges: [{ range: k.range, text: k.text }],
        });
      }
      if (now >= nextHover) {
        nextHover += HOVER_EVERY_MS;
        const d = Math.floor(Math.random() * uris.length);
        const pos = hoverAt[d];
        if (pos) {
          hovers.push(
            server.timedRequest('textDocument/hover', { textDocument: { uri: uris[d] }, position: { line: pos.line, character: pos.character - 2 } }).then(
              (h) => void hoverMs.push(h.ms),
              () => void hoversUnanswered++,
            ),
          );
        }
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const seconds = (performance.now() - start) / 1000;

    // Every document's final version, however long it takes (bounded so a stuck server ends the bench).
    const finalDelayMs: number[] = [];
    for (let d = 0; d < uris.length; d++) {
      const want = versions[d];
      try {
        const p = await server.waitForPublication(uris[d], 0, (x) => (x.version ?? 0) >= want, 120_000);
        finalDelayMs.push(p.at - lastEditAt[d]);
      } catch {
        finalDelayMs.push(Infinity);
      }
    }
    await Promise.all(hovers);
    const after = uris.reduce((n, u) => n + server.publicationsOf(u).length, 0);
    return {
      docs: o.docs,
      linesPerDoc: o.linesPerDoc,
      editsSent: sent,
      seconds,
      finalDelayMs,
      hoverMs,
      hoversUnanswered,
      publications: after - before,
      peakRssMiB: server.peakRssMiB(),
    };
  } finally {
    await server.stop();
  }
}
