/**
 * Half-typed code: tree-sitter's recovery can swallow the rest of a class when a bracket is
 * left open (`@secrets(sources=["a"` while typing). When the next statement starts at the same
 * or a shallower indentation, the bracket was clearly meant to close on its line: close it there
 * and parse that text for the model. Only line ends change, so every line keeps its number and
 * every position before the insertion keeps its column.
 */
/** The name appended after a string closed by recovery: unbound, so the string's value is dynamic. */
export const UNTERMINATED = '__unterminated_string__';

const OPEN_PAREN = 40,
  CLOSE_PAREN = 41,
  OPEN_BRACKET = 91,
  CLOSE_BRACKET = 93,
  OPEN_BRACE = 123,
  CLOSE_BRACE = 125;
const HASH = 35,
  BACKSLASH = 92,
  DOUBLE_QUOTE = 34,
  SINGLE_QUOTE = 39;
const STARTS_STATEMENT = /^(@|def |class |async def |return\b|if |for |while |with |try:|self\.)/;

// Runs on every keystroke in a file with a syntax error: a single pass over character codes.
export function closeDanglingBrackets(text: string): string {
  const lines = text.split('\n');
  /** Closers still expected, innermost last (char codes). */
  let stack: number[] = [];
  let openIndent = 0;
  let openLine = -1;
  /** Inside a string: its quote char code and length (1 or 3); 0 when outside. */
  let quote = 0;
  let quoteLen = 0;
  let changed = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (stack.length === 0) {
      openIndent = indentOf(line);
      openLine = i;
    }
    const n = line.length;
    for (let j = 0; j < n; j++) {
      const c = line.charCodeAt(j);
      if (quote) {
        if (c === BACKSLASH) j++;
        else if (c === quote && (quoteLen === 1 || (line.charCodeAt(j + 1) === quote && line.charCodeAt(j + 2) === quote))) {
          j += quoteLen - 1;
          quote = 0;
        }
        continue;
      }
      if (c === HASH) break;
      if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
        quote = c;
        quoteLen = line.charCodeAt(j + 1) === c && line.charCodeAt(j + 2) === c ? 3 : 1;
        j += quoteLen - 1;
      } else if (c === OPEN_PAREN) stack.push(CLOSE_PAREN);
      else if (c === OPEN_BRACKET) stack.push(CLOSE_BRACKET);
      else if (c === OPEN_BRACE) stack.push(CLOSE_BRACE);
      else if (c === CLOSE_PAREN || c === CLOSE_BRACKET || c === CLOSE_BRACE) {
        if (stack[stack.length - 1] === c) stack.pop();
      }
    }
    // A one-line string never spans lines. One left open while typing is closed with its bracket
    // below, followed by an unbound name so that its value stays unknown (never half a name).
    let unterminated = '';
    if (quote && quoteLen === 1) {
      unterminated = `${String.fromCharCode(quote)}+${UNTERMINATED}`;
      quote = 0;
    }
    if (stack.length === 0) continue;
    let k = i + 1;
    while (k < lines.length && lines[k].trim() === '') k++;
    if (k >= lines.length) break;
    const next = lines[k].trimStart();
    if (!quote && STARTS_STATEMENT.test(next) && indentOf(lines[k]) <= openIndent && i >= openLine) {
      lines[i] = line + unterminated + String.fromCharCode(...stack.reverse());
      stack = [];
      changed = true;
    }
  }
  return changed ? lines.join('\n') : text;
}

function indentOf(l: string): number {
  return l.length - l.trimStart().length;
}
