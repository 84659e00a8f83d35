import { SyntaxNode } from '../parser';

/**
 * Nodes of one of `types` that start where `pattern` matches inside `scope`'s text. A text
 * search plus a lookup per match is much cheaper than walking every node of a big file.
 */
export function nodesMatching(scope: SyntaxNode, pattern: RegExp, types: ReadonlySet<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const text = scope.text;
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = scope.startIndex + m.index + (m[1] !== undefined ? m[0].indexOf(m[1]) : 0);
    for (let n: SyntaxNode | null = scope.descendantForIndex(at); n && n.startIndex === at; n = n.parent) {
      if (types.has(n.type)) {
        out.push(n);
        break;
      }
    }
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}
