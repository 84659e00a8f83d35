import { QuickFix, TextEdit } from '../findings';
import { nodeRange, SyntaxNode } from '../parser';
import { FlowClassModel, StepModel } from '../flowModel';
import { SinkHit } from './stepContext';
import { selfAttr } from './taintSyntax';

/** What the fixes need to know besides the hit. */
export interface FixContext {
  step: StepModel;
  flow: FlowClassModel;
  /** Node ids whose value was found tainted: masking replaces exactly the tainted parts. */
  tainted: ReadonlySet<number>;
}

export function leakFixes(code: string, hit: SinkHit, fx: FixContext): QuickFix[] {
  const out: QuickFix[] = [];
  if (code === 'MFS054' || code === 'MFS057') {
    const env = /^(os\.)?environ(\.copy\(\))?$|^dict\((os\.)?environ\)$/.test(hit.argNode.text.replace(/\s+/g, ''));
    if (env && hit.kind !== 'artifact') {
      out.push({
        title: `Show only the variable names: sorted(${hit.argNode.text})`,
        edits: [{ range: nodeRange(hit.argNode), newText: `sorted(${hit.argNode.text})` }],
        isPreferred: true,
      });
    }
  } else if (hit.kind !== 'artifact' && hit.kind !== 'cmdline' && hit.argNode.id !== hit.sinkNode.id) {
    const mask = maskFix(hit, fx);
    if (mask) out.push(mask);
  }
  if (hit.kind === 'log' && !hit.relocated) {
    const remove = removeStatementFix(hit.sinkNode, `Remove this ${hit.display} call`);
    if (remove) out.push(remove);
  }
  if (hit.kind === 'artifact' && hit.attr && !hit.foreach) {
    const local = keepLocalFix(hit.attr, fx);
    if (local) out.push(local);
  }
  return out;
}

/** Replaces each tainted leaf at the sink with asterisks of the same length. */
function maskFix(hit: SinkHit, fx: FixContext): QuickFix | undefined {
  const leaves = maskTargets(hit.argNode, fx.tainted);
  if (!leaves.length) return undefined;
  const edits: TextEdit[] = leaves.map((leaf) => {
    const q = quoteFor(leaf, hit.argNode);
    return { range: nodeRange(leaf), newText: `${q}*${q} * len(str(${leaf.text}))` };
  });
  const what = leaves.length === 1 ? `\`${short(leaves[0].text)}\`` : 'the secret values';
  return { title: `Mask ${what} (print asterisks instead)`, edits, isPreferred: true };
}

const WRAPPERS = new Set(['str', 'repr', 'format', 'f']);

/** The smallest expressions inside `n` that carry the secret (the interpolation in an f-string, the operand of +). */
export function maskTargets(n: SyntaxNode, tainted: ReadonlySet<number>): SyntaxNode[] {
  if (!tainted.has(n.id)) return [];
  let kids: SyntaxNode[] = [];
  switch (n.type) {
    case 'string':
      kids = n.namedChildren
        .filter((c): c is SyntaxNode => c?.type === 'interpolation')
        .map((c) => c.childForFieldName('expression'))
        .filter((c): c is SyntaxNode => !!c);
      break;
    case 'concatenated_string':
    case 'binary_operator':
    case 'tuple':
    case 'list':
    case 'expression_list':
    case 'parenthesized_expression':
    case 'conditional_expression':
    case 'boolean_operator':
      kids = n.namedChildren.filter((c): c is SyntaxNode => !!c);
      break;
    case 'call': {
      const fn = n.childForFieldName('function');
      const isWrapper = fn?.type === 'identifier' ? WRAPPERS.has(fn.text) : fn?.childForFieldName('attribute')?.text === 'format';
      if (isWrapper) kids = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is SyntaxNode => !!c);
      break;
    }
    default:
      break;
  }
  if (!kids.length) return [n];
  const inner = kids.flatMap((k) => maskTargets(k.type === 'keyword_argument' ? (k.childForFieldName('value') ?? k) : k, tainted));
  return inner.length ? inner : [n];
}

/** Inside an f-string before Python 3.12 the replacement must not reuse the string's quote. */
function quoteFor(leaf: SyntaxNode, stop: SyntaxNode): string {
  for (let p = leaf.parent; p; p = p.parent) {
    if (p.type === 'string') {
      const m = /^[a-zA-Z]*(['"])/.exec(p.text);
      return m && m[1] === "'" ? '"' : "'";
    }
    if (p.id === stop.id) break;
  }
  return "'";
}

/** Deletes the statement holding the call (or leaves `pass` when it is the block's only statement). */
function removeStatementFix(call: SyntaxNode, title: string): QuickFix | undefined {
  const stmt = call.parent;
  if (!stmt || stmt.type !== 'expression_statement' || stmt.namedChildren.length !== 1) return undefined;
  const block = stmt.parent;
  const siblings = (block?.namedChildren ?? []).filter((c) => c && c.type !== 'comment');
  if (block?.type === 'block' && siblings.length === 1) {
    return { title, edits: [{ range: nodeRange(stmt), newText: 'pass' }] };
  }
  const next = stmt.nextSibling;
  const sameLineAfter = next && next.startPosition.row === stmt.endPosition.row && next.type !== 'comment';
  const prev = stmt.previousSibling;
  const sameLineBefore = prev && prev.endPosition.row === stmt.startPosition.row;
  if (sameLineAfter || sameLineBefore) return { title, edits: [{ range: nodeRange(stmt), newText: 'pass' }] };
  // Whole lines: from the start of the statement's line to the start of the next one.
  return {
    title,
    edits: [
      {
        range: { start: { line: stmt.startPosition.row, character: 0 }, end: { line: stmt.endPosition.row + 1, character: 0 } },
        newText: '',
      },
    ],
  };
}

/** `self.x` → a local `x` in this step, offered only when no other step or method reads `self.x`. */
function keepLocalFix(attr: string, fx: FixContext): QuickFix | undefined {
  // Text search, then a check on the tree: walking every node of a big flow per finding is too slow.
  const fn = fx.step.functionNode;
  const flowNode = fx.flow.node;
  const pattern = new RegExp(`\\bself\\s*\\.\\s*${escapeRe(attr)}\\b`, 'g');
  const uses: SyntaxNode[] = [];
  const text = flowNode.text;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const at = flowNode.startIndex + m.index;
    const node = attributeAt(flowNode, at, attr);
    if (!node) continue; // in a string or a comment
    if (at < fn.startIndex || at >= fn.endIndex) return undefined; // another step reads it: a local would break the flow
    uses.push(node);
  }
  if (!uses.length) return undefined;
  const fnText = fn.text;
  const taken = (name: string) => new RegExp(`(?<![.\\w])${escapeRe(name)}\\b`).test(fnText);
  let local = attr;
  for (let i = 0; taken(local); i++) local = i === 0 ? `${attr}_local` : `${attr}_local${i}`;
  return {
    title: `Keep \`self.${attr}\` as a local variable \`${local}\` (not persisted as an artifact)`,
    edits: uses.map((u) => ({ range: nodeRange(u), newText: local })),
  };
}

function attributeAt(root: SyntaxNode, index: number, attr: string): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = root.descendantForIndex(index); n && n.startIndex === index; n = n.parent) {
    if (n.type === 'attribute') return selfAttr(n) === attr ? n : undefined;
  }
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function short(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 30 ? `${one.slice(0, 27)}...` : one;
}
