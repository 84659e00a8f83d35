// Drives an editing session against one server: opens documents, waits for their first
// diagnostics, then sends keystrokes one at a time and times each didChange → publishDiagnostics.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Keystroke } from './keystrokes';
import { LspProcess, Publication } from './lspProcess';

export interface OpenDoc {
  file: string;
  text: string;
}

export interface SessionResult {
  openMs: number[];
  changeMs: number[];
  /** Keystrokes after which no diagnostics came within the timeout. */
  missing: number;
}

/**
 * Whether a publication answers a change sent at `sentAt` with `version`: a server that stamps
 * versions must have reached it; one that does not is credited with its first publication after
 * the send (pyright analyses after every change of an open file).
 */
function answers(p: Publication, version: number, sentAt: number): boolean {
  return p.version !== undefined ? p.version >= version : p.at >= sentAt;
}

export async function openDocuments(server: LspProcess, docs: OpenDoc[], timeoutMs: number): Promise<{ uris: string[]; openMs: number[] }> {
  const uris: string[] = [];
  const openMs: number[] = [];
  for (const d of docs) {
    const uri = pathToFileURL(d.file).toString();
    uris.push(uri);
    const from = server.publicationsOf(uri).length;
    const sentAt = await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: d.text } });
    const p = await server.waitForPublication(uri, from, () => true, timeoutMs);
    openMs.push(p.at - sentAt);
  }
  return { uris, openMs };
}

/** Types keystrokes one at a time, each after the previous one's diagnostics; stops early when `more()` says so. */
export interface TypingOptions {
  timeoutMs: number;
  onEach?: (i: number) => void;
  more?: () => boolean;
}

export async function typeKeystrokes(
  server: LspProcess,
  uris: string[],
  keystrokes: Keystroke[],
  { timeoutMs, onEach, more = () => true }: TypingOptions,
): Promise<{ changeMs: number[]; missing: number; perKeystroke: (number | undefined)[] }> {
  const versions = uris.map(() => 1);
  const changeMs: number[] = [];
  const perKeystroke: (number | undefined)[] = [];
  let missing = 0;
  for (let i = 0; i < keystrokes.length && (i === 0 || more()); i++) {
    const k = keystrokes[i];
    const uri = uris[k.doc];
    const version = ++versions[k.doc];
    const from = server.publicationsOf(uri).length;
    const sentAt = performance.now();
    await server.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: k.range, text: k.text }] });
    try {
      const p = await server.waitForPublication(uri, from, (x) => answers(x, version, sentAt), timeoutMs);
      changeMs.push(p.at - sentAt);
      perKeystroke.push(p.at - sentAt);
    } catch {
      missing++;
      perKeystroke.push(undefined);
    }
    onEach?.(i);
  }
  return { changeMs, missing, perKeystroke };
}
