// Realistic editing as VS Code sends it: one incremental change per keystroke. Typing a new
// statement inside a step body (Enter inserts the newline and indentation in one change; an
// opening bracket or quote inserts its closing partner too, and typing that closer later only
// moves the cursor, as with VS Code's default auto-closing) and typing into, then backspacing
// out of, an @secrets source string.
import { GeneratedFlow } from './flowGenerator';

export interface Position {
  line: number;
  character: number;
}

export interface Keystroke {
  /** Index of the document (in a multi-document session) the keystroke goes to. */
  doc: number;
  range: { start: Position; end: Position };
  text: string;
}

/** The statement typed into step bodies: reads a secret's variable, as users do. */
export const TYPED_STATEMENT = 'token = os.environ["API_KEY"]';
/** Typed before a source string's closing quote, then deleted again. */
export const TYPED_SUFFIX = '-v2';

/**
 * Keystrokes for one document, spread over its steps (front, middle, back), until `count` are
 * produced. Positions account for the lines the earlier keystrokes added.
 */
export function keystrokesFor(flow: GeneratedFlow, count: number, doc = 0): Keystroke[] {
  return interleave([flow], count, [doc]);
}

/** Round-robin over several documents: each round types a statement and edits a source string. */
export function interleave(flows: GeneratedFlow[], count: number, docIds = flows.map((_, i) => i)): Keystroke[] {
  const out: Keystroke[] = [];
  // Lines inserted so far per document, by the line they were inserted after.
  const inserted = flows.map(() => [] as number[]);
  const shift = (d: number, line: number) => inserted[d].filter((l) => l < line).length;
  let round = 0;
  while (out.length < count) {
    const d = round % flows.length;
    const flow = flows[d];
    const withSource = flow.steps.filter((s) => s.source);
    // Spread rounds over the file: stride through the steps from a per-round offset.
    const nth = Math.floor(round / flows.length);
    const site = withSource[(nth * 7 + Math.floor(withSource.length / 2)) % withSource.length];
    const body = site.bodyLine + shift(d, site.bodyLine);
    const indent = '        ';
    // Enter at the end of the body line, then the statement one character at a time.
    const endCol = bodyLineLength(flow, site.bodyLine);
    out.push({ doc: docIds[d], range: at(body, endCol), text: '\n' + indent });
    for (const k of typeWithAutoClose(body + 1, indent.length, TYPED_STATEMENT)) out.push({ doc: docIds[d], ...k });
    inserted[d].push(site.bodyLine);
    // Into the source string (its line is above the body, so no shift from this round's line).
    const src = site.source!;
    const srcLine = src.line + shift(d, src.line);
    for (let i = 0; i < TYPED_SUFFIX.length; i++) out.push({ doc: docIds[d], range: at(srcLine, src.character + i), text: TYPED_SUFFIX[i] });
    for (let i = TYPED_SUFFIX.length; i > 0; i--) {
      out.push({
        doc: docIds[d],
        range: { start: { line: srcLine, character: src.character + i - 1 }, end: { line: srcLine, character: src.character + i } },
        text: '',
      });
    }
    round++;
  }
  return out.slice(0, count);
}

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}', '"': '"', "'": "'" };

/** The changes VS Code sends while `text` is typed at (line, col) with auto-closing brackets and quotes. */
export function typeWithAutoClose(line: number, col: number, text: string): Omit<Keystroke, 'doc'>[] {
  const out: Omit<Keystroke, 'doc'>[] = [];
  const pending: string[] = [];
  for (const ch of text) {
    if (pending[pending.length - 1] === ch) {
      pending.pop(); // types over the auto-inserted closer: the cursor moves, the text does not change
    } else if (CLOSER[ch]) {
      out.push({ range: at(line, col), text: ch + CLOSER[ch] });
      pending.push(CLOSER[ch]);
    } else {
      out.push({ range: at(line, col), text: ch });
    }
    col++;
  }
  return out;
}

function at(line: number, character: number): { start: Position; end: Position } {
  return { start: { line, character }, end: { line, character } };
}

function bodyLineLength(flow: GeneratedFlow, line: number): number {
  let start = 0;
  for (let i = 0; i < line; i++) start = flow.text.indexOf('\n', start) + 1;
  const end = flow.text.indexOf('\n', start);
  return (end < 0 ? flow.text.length : end) - start;
}

/** Applies a keystroke to a text (for checking the script against what the server holds). */
export function applyKeystroke(text: string, k: Keystroke): string {
  const lines = text.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(k.range.start)) + k.text + text.slice(offset(k.range.end));
}
