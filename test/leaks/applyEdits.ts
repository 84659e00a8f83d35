import { TextEdit } from '../../server/src/core/findings';

/** Applies non-overlapping edits to a text (as an editor applies a quick fix). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const starts: number[] = [];
  let acc = 0;
  for (const l of lines) {
    starts.push(acc);
    acc += l.length + 1;
  }
  const off = (p: { line: number; character: number }) => (p.line >= lines.length ? text.length : starts[p.line] + p.character);
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}
