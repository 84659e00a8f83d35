import { Range } from './positions';
import type { AnalysisCache } from './analysisCache';
import { nodeRange, SyntaxNode } from './parser';

/** A read of one environment variable by a literal name: `os.environ['K']`, `.get('K')`, `os.getenv('K')`. */
export interface EnvRead {
  name: string;
  nameText: string;
  /** The string literal holding the name (hover and completion work on it). */
  nameRange: Range;
  /** The whole read expression. */
  range: Range;
  node: SyntaxNode;
}

function isEnvironMapping(n: SyntaxNode | null): boolean {
  if (!n) return false;
  if (n.type === 'identifier') return n.text === 'environ';
  return n.type === 'attribute' && n.childForFieldName('attribute')?.text === 'environ' && n.childForFieldName('object')?.text === 'os';
}

function isGetenv(n: SyntaxNode | null): boolean {
  if (!n) return false;
  if (n.type === 'identifier') return n.text === 'getenv';
  return n.type === 'attribute' && n.childForFieldName('attribute')?.text === 'getenv' && n.childForFieldName('object')?.text === 'os';
}

/** The string literal a read names, even while it is being typed (unterminated). */
function literalName(n: SyntaxNode | null | undefined): { name: string; node: SyntaxNode } | undefined {
  if (!n || n.type !== 'string') return undefined;
  if (n.children.some((c) => c?.type === 'interpolation')) return undefined;
  const content = n.children
    .filter((c) => c?.type === 'string_content')
    .map((c) => c!.text)
    .join('');
  return { name: content, node: n };
}

/** The environment expression a node reads, if it is one (used by reads and by completion). */
export function envReadAt(n: SyntaxNode): EnvRead | undefined {
  let lit: { name: string; node: SyntaxNode } | undefined;
  if (n.type === 'subscript' && isEnvironMapping(n.childForFieldName('value'))) {
    lit = literalName(n.childForFieldName('subscript'));
  } else if (n.type === 'call') {
    const fn = n.childForFieldName('function');
    const first = n.childForFieldName('arguments')?.namedChildren.find((c) => c && c.type !== 'comment');
    if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'get' && isEnvironMapping(fn.childForFieldName('object'))) {
      lit = literalName(first);
    } else if (isGetenv(fn)) {
      lit = literalName(first);
    }
  }
  if (!lit) return undefined;
  return { name: lit.name, nameText: lit.node.text, nameRange: nodeRange(lit.node), range: nodeRange(n), node: n };
}

/** Every literal-name environment read under `root` (a step's function body). */
export function findEnvReads(root: SyntaxNode): EnvRead[] {
  const out: EnvRead[] = [];
  for (const n of root.descendantsOfType(['subscript', 'call'])) {
    if (!n) continue;
    const r = envReadAt(n);
    if (r) out.push(r);
  }
  return out;
}

/** A read's name and where it is: what the checks need, free of syntax nodes so it outlives a parse. */
export interface EnvReadName {
  name: string;
  nameRange: Range;
  /** The literal as written (its quotes), so a fix keeps the user's style. */
  nameText: string;
}

/**
 * The names `findEnvReads` would find under `body`. With a cache (keyed by the body's place and
 * text), a keystroke no longer walks every call of every step through the WASM API.
 */
export function envReadNames(body: SyntaxNode, cache?: AnalysisCache): EnvReadName[] {
  const key = `${body.startPosition.row}:${body.startPosition.column}:${body.text}`;
  let names = cache?.envReads.get(key);
  if (!names) {
    names = findEnvReads(body).map((r) => ({ name: r.name, nameRange: r.nameRange, nameText: r.nameText }));
    cache?.envReads.set(key, names);
  }
  return names;
}
