import { SyntaxNode } from '../parser';

const COMPOUND = new Set([
  'if_statement', 'elif_clause', 'else_clause', 'for_statement', 'while_statement', 'try_statement',
  'except_clause', 'except_group_clause', 'finally_clause', 'with_statement', 'match_statement',
  'case_clause', 'block',
]);

/**
 * Visits the simple statements under `node`, descending into compound statements but not into
 * function or class bodies. Cheaper than `descendantsOfType`, which visits every expression node.
 */
export function forEachStatement(node: SyntaxNode, visit: (stmt: SyntaxNode) => void): void {
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (COMPOUND.has(c.type)) forEachStatement(c, visit);
    else visit(c);
  }
}

/** Like forEachStatement, but also inside function and class bodies (imports in a step count). */
export function forEachStatementDeep(node: SyntaxNode, visit: (stmt: SyntaxNode) => void): void {
  forEachStatement(node, (stmt) => {
    visit(stmt);
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def && (def.type === 'function_definition' || def.type === 'class_definition')) {
      const body = def.childForFieldName('body');
      if (body) forEachStatementDeep(body, visit);
    }
  });
}

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
