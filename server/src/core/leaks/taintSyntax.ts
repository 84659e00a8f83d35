import { SyntaxNode } from '../parser';
import { ModuleIndex } from './moduleIndex';

// Syntax questions the interpreter asks of tree-sitter nodes; no taint here.

export interface ArgumentNode {
  value: SyntaxNode;
  keyword?: string;
  splat?: boolean;
}

export function argumentNodes(call: SyntaxNode): ArgumentNode[] {
  const args = call.childForFieldName('arguments');
  if (!args) return [];
  if (args.type === 'generator_expression') return [{ value: args }];
  const out: ArgumentNode[] = [];
  for (const a of args.namedChildren) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const v = a.childForFieldName('value');
      if (v) out.push({ value: v, keyword: a.childForFieldName('name')?.text });
    } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
      const v = a.namedChildren[0];
      if (v) out.push({ value: a.type === 'dictionary_splat' ? a : v, splat: true });
    } else out.push({ value: a });
  }
  return out;
}

/** `x`, `x.y`, `self.a.b`: the name a value is tracked under; undefined for anything computed. */
export function keyOf(n: SyntaxNode): string | undefined {
  if (n.type === 'identifier') return n.text;
  if (n.type === 'attribute') {
    const obj = n.childForFieldName('object');
    const attr = n.childForFieldName('attribute')?.text;
    const base = obj ? keyOf(obj) : undefined;
    return base && attr ? `${base}.${attr}` : undefined;
  }
  return undefined;
}

/** `self.x` → `x` (an artifact of the flow). */
export function selfAttr(n: SyntaxNode): string | undefined {
  if (n.type !== 'attribute') return undefined;
  if (n.childForFieldName('object')?.text !== 'self') return undefined;
  return n.childForFieldName('attribute')?.text;
}

/** The artifact an expression like `self.cfg['k']` or `self.cfg.items` lives in. */
export function rootSelfAttr(n: SyntaxNode): { attr: string; node: SyntaxNode } | undefined {
  let cur: SyntaxNode | null = n;
  while (cur) {
    const a = selfAttr(cur);
    if (a) return { attr: a, node: cur };
    if (cur.type === 'attribute') cur = cur.childForFieldName('object');
    else if (cur.type === 'subscript') cur = cur.childForFieldName('value');
    else return undefined;
  }
  return undefined;
}

export function isPattern(n: SyntaxNode): boolean {
  return ['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list'].includes(n.type);
}

export function isSequenceLiteral(n: SyntaxNode): boolean {
  return n.type === 'expression_list' || n.type === 'tuple' || n.type === 'list';
}

/** The named children that are not comments. */
export function parts(n: SyntaxNode): SyntaxNode[] {
  return n.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
}

/** The text of a string literal without interpolations; undefined for an f-string with fields. */
export function plainString(n: SyntaxNode): string | undefined {
  if (n.type !== 'string' || n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  return n.namedChildren
    .filter((c) => c?.type === 'string_content')
    .map((c) => c!.text)
    .join('');
}

/** The string a key expression certainly is: a literal, or a module-level constant. */
export function literalString(n: SyntaxNode | null | undefined, index: ModuleIndex): string | undefined {
  if (!n) return undefined;
  if (n.type === 'string') return plainString(n);
  if (n.type === 'identifier') {
    const v = index.constant(n.text);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
