import { Finding, finding } from './findings';
import { looksBinary, PythonParser, SyntaxTree } from './parser';
import { Range } from './positions';

/**
 * What one document may cost before it is analysed only in part. A flow file is a few thousand
 * lines; beyond these limits the text is generated data, a paste gone wrong or not Python at all,
 * and parsing it would hold up every other document (one parse runs at a time). A quarter of a
 * million characters is some 6,000 lines. Past it, a broken text's parses (the document's, the
 * repaired and the masked one) take seconds and tens of MB of tree-sitter's heap, which never
 * shrinks again: with half a million, the edit fuzzer's pastes took the server past 250 MB.
 */
export const MAX_ANALYSED_CHARS = 250_000;
/** Per parse, in the editor: typing in other documents waits for it. */
export const EDITOR_PARSE_BUDGET_MS = 2_500;
/** Per parse, on the command line. */
export const CLI_PARSE_BUDGET_MS = 5_000;
/** How long a parse on the command line runs before the event loop (and Ctrl-C) gets a turn. */
const PARSE_SLICE_MS = 50;

const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** How much of the text the binary test samples, and the share of unprintable characters that makes it binary. */
const SAMPLE_CHARS = 65_536;
const BINARY_SHARE = 0.1;

/** Why `text` is not worth parsing at all, or undefined when it is. */
export function unanalysableContent(text: string): string | undefined {
  // Binary first: it says more than the size (and the test only samples the start).
  if (looksBinary(text) || unprintableShare(text) > BINARY_SHARE) return 'it holds binary content, not Python source';
  return tooManyCharacters(text);
}

/** The size part of unanalysableContent(): all an edit needs checking when it typed nothing unprintable. */
export function tooManyCharacters(text: string): string | undefined {
  if (text.length <= MAX_ANALYSED_CHARS) return undefined;
  return `it has ${text.length.toLocaleString('en-US')} characters, more than the ${MAX_ANALYSED_CHARS.toLocaleString('en-US')} analysed`;
}

/** Whether `text` holds a character binary content is recognised by (an edit's inserted text). */
export function hasUnprintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11)) return true;
  }
  return false;
}

/** Characters no Python source has in numbers: C0 controls other than whitespace, and U+FFFD from undecodable bytes. */
function unprintableShare(text: string): number {
  const n = Math.min(text.length, SAMPLE_CHARS);
  if (n === 0) return 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11)) bad++;
  }
  return bad / n;
}

/** The one finding of a document left out (or analysed only in part) for its size, content or parse time. */
export function budgetFinding(reason: string): Finding {
  return finding('MFS091', FILE_START, `File too large / too broken to analyse fully: ${reason}. Its @secrets and leaks are not checked.`);
}

export function parseTimeReason(budgetMs: number): string {
  return `parsing it took longer than ${budgetMs / 1000} s`;
}

/** What `parseInterruptibly` ends with: a tree, or why there is none. */
export type InterruptibleParse = { tree: SyntaxTree } | { tree?: undefined; stopped: 'budget' | 'signal' };

/**
 * Parses `text` within `budgetMs`, in slices between which the event loop runs: tree-sitter
 * parses synchronously, and a SIGINT handler can only run (and set `signal`) between slices. The
 * parse stops at the first slice boundary after the signal, so Ctrl-C is seen within a slice.
 */
export async function parseInterruptibly(parser: PythonParser, text: string, budgetMs: number, signal?: AbortSignal): Promise<InterruptibleParse> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    if (signal?.aborted) {
      parser.abandon();
      return { stopped: 'signal' };
    }
    const tree = parser.parseSlice(text, Math.min(PARSE_SLICE_MS, Math.max(1, deadline - Date.now())));
    if (tree) return { tree };
    if (Date.now() >= deadline) {
      parser.abandon();
      return { stopped: 'budget' };
    }
    await new Promise((r) => setImmediate(r));
  }
}
