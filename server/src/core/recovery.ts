/**
 * Half-typed code: tree-sitter's recovery can swallow the rest of a class when a bracket is
 * left open (`@secrets(sources=["a"` while typing). When the next statement starts at the same
 * or a shallower indentation, the bracket was clearly meant to close on its line: close it there
 * and parse that text for the model. Only line ends change, so every line keeps its number and
 * every position before the insertion keeps its column.
 */
/** The name appended after a string closed by recovery: unbound, so the string's value is dynamic. */
export const UNTERMINATED = '__unterminated_string__';

export function closeDanglingBrackets(text: string): string {
  const lines = text.split('\n');
  const closers: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  let stack: string[] = [];
  let openIndent = 0;
  let openLine = -1;
  let quote: string | undefined;
  let changed = false;
  const indentOf = (l: string) => l.length - l.trimStart().length;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (stack.length === 0) {
      openIndent = indentOf(line);
      openLine = i;
    }
    for (let j = 0; j < line.length; j++) {
      const c = line[j];
      if (quote) {
        if (c === '\\') j++;
        else if (line.startsWith(quote, j)) {
          j += quote.length - 1;
          quote = undefined;
        }
        continue;
      }
      if (c === '#') break;
      if (c === '"' || c === "'") {
        quote = line.startsWith(c.repeat(3), j) ? c.repeat(3) : c;
        j += quote.length - 1;
      } else if (c in closers) stack.push(closers[c]);
      else if (c === ')' || c === ']' || c === '}') {
        if (stack[stack.length - 1] === c) stack.pop();
      }
    }
    // A one-line string never spans lines. One left open while typing is closed with its bracket
    // below, followed by an unbound name so that its value stays unknown (never half a name).
    let unterminated = '';
    if (quote && quote.length === 1) {
      unterminated = `${quote}+${UNTERMINATED}`;
      quote = undefined;
    }
    if (stack.length === 0) continue;
    let k = i + 1;
    while (k < lines.length && lines[k].trim() === '') k++;
    if (k >= lines.length) break;
    const next = lines[k].trimStart();
    const startsStatement = /^(@|def |class |async def |return\b|if |for |while |with |try:|self\.)/.test(next);
    if (!quote && startsStatement && indentOf(lines[k]) <= openIndent && i >= openLine) {
      lines[i] = line + unterminated + stack.reverse().join('');
      stack = [];
      changed = true;
    }
  }
  return changed ? lines.join('\n') : text;
}
