import { Range } from './positions';
import { SyntaxNode } from './parser';

/**
 * How deep (counted from the module node) the tree may go before its walkers are kept out of it.
 * CPython itself refuses more than 200 nested brackets; real flows stay far below 100 levels, and
 * the recursive walkers downstream (the leak dataflow among them) stay well inside the JS stack here.
 */
export const MAX_TREE_DEPTH = 400;

/** A part of the document nested too deeply to analyse. */
export interface DeepRegion {
  startIndex: number;
  endIndex: number;
  /** Where to report it: the region's first line. */
  range: Range;
  /** The whole region. */
  extent: Range;
  /**
   * True when the region is an expression that can be replaced by a placeholder (the rest of the
   * file is then analysed as usual); false when it is statements nested too deeply.
   */
  maskable: boolean;
}

interface Visit {
  node: SyntaxNode;
  depth: number;
  parent?: Visit;
}

/** Node types that hold statements or syntax an expression placeholder cannot stand for. */
const STRUCTURAL = new Set([
  'module',
  'block',
  'ERROR',
  'decorated_definition',
  'decorator',
  'function_definition',
  'class_definition',
  'argument_list',
  'keyword_argument',
  'assignment',
  'augmented_assignment',
  'pair',
  'expression_list',
  'parameters',
  'lambda_parameters',
  'default_parameter',
  'typed_parameter',
  'typed_default_parameter',
  'comment',
  'pattern_list',
  'case_pattern',
]);

function isStructural(type: string): boolean {
  return STRUCTURAL.has(type) || type.endsWith('_statement') || type.endsWith('_clause');
}

/**
 * The regions of the tree deeper than `limit`. Iterative, and it only descends into subtrees that
 * have enough descendants to reach the limit, so a normal file costs a few milliseconds.
 */
export function findDeepRegions(root: SyntaxNode, text: string, limit = MAX_TREE_DEPTH): DeepRegion[] {
  const regions: DeepRegion[] = [];
  const stack: Visit[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const v = stack.pop() as Visit;
    const last = regions[regions.length - 1];
    if (last && v.node.startIndex >= last.startIndex && v.node.startIndex < last.endIndex) continue;
    // A subtree's depth is at most its number of descendants.
    if (v.depth + v.node.descendantCount < limit) continue;
    if (v.depth >= limit) {
      regions.push(regionOf(v, text, limit));
      continue;
    }
    const children = v.node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i];
      if (c) stack.push({ node: c, depth: v.depth + 1, parent: v });
    }
  }
  return regions;
}

/** The outermost expression above the deep node (so the statement around it stays), or its top-level statement. */
function regionOf(deep: Visit, text: string, limit: number): DeepRegion {
  const path: Visit[] = [];
  for (let v: Visit | undefined = deep; v; v = v.parent) path.push(v);
  path.reverse();
  let chosen: Visit | undefined;
  for (let i = 1; i < path.length && path[i].depth <= limit / 2; i++) {
    const n = path[i].node;
    if (isStructural(n.type) || path[i - 1].node.type === 'decorator') continue;
    chosen = path[i];
    break;
  }
  const region = chosen ?? path[1] ?? deep;
  const n = region.node;
  const lineEnd = text.indexOf('\n', n.startIndex);
  const firstLineEnd = Math.min(lineEnd < 0 ? n.endIndex : lineEnd, n.endIndex);
  const sameLine = n.startPosition.row === n.endPosition.row;
  return {
    startIndex: n.startIndex,
    endIndex: n.endIndex,
    range: {
      start: { line: n.startPosition.row, character: n.startPosition.column },
      end: sameLine
        ? { line: n.endPosition.row, character: n.endPosition.column }
        : { line: n.startPosition.row, character: n.startPosition.column + (firstLineEnd - n.startIndex) },
    },
    extent: {
      start: { line: n.startPosition.row, character: n.startPosition.column },
      end: { line: n.endPosition.row, character: n.endPosition.column },
    },
    maskable: !!chosen,
  };
}

/**
 * `text` with each maskable region replaced by `(...)` padded to the same length, line breaks kept:
 * every other position in the file is unchanged, and the placeholder evaluates as "dynamic", so
 * no check guesses from it.
 */
export function maskRegions(text: string, regions: readonly DeepRegion[]): string {
  let out = '';
  let at = 0;
  for (const r of regions) {
    if (!r.maskable || r.endIndex - r.startIndex < 5) continue;
    out += text.slice(at, r.startIndex) + placeholder(text.slice(r.startIndex, r.endIndex));
    at = r.endIndex;
  }
  return at === 0 ? text : out + text.slice(at);
}

function placeholder(region: string): string {
  // Code units, not code points: tree-sitter's indices here count UTF-16 units. Built with
  // string operations: an array of one-character strings per unit cost 8 bytes a unit (a huge
  // paste allocated tens of MB per analysis).
  let s = region.replace(/[^\r\n]/g, ' ');
  s = `(${s.slice(1, -1)})`;
  // The ellipsis goes where three columns in a row are free of line breaks (inside the brackets
  // a line break is only a continuation); failing that, a bare name, which is just as dynamic.
  const dots = s.indexOf('   ', 1);
  if (dots >= 1 && dots + 3 < s.length) return s.slice(0, dots) + '...' + s.slice(dots + 3);
  const i = s.indexOf(' ', 1);
  if (i > 0 && i < s.length - 1) s = s.slice(0, i) + '_' + s.slice(i + 1);
  return s;
}
