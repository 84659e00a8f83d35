import { CompletionItem, CompletionItemKind } from 'vscode-languageserver/node';
import { DocumentAnalysis } from '../core/analyzer';
import { envReadAt } from '../core/envReads';
import { containsPosition, Position } from '../core/positions';
import { SyntaxTree } from '../core/parser';
import { DetailsFor } from './hover';

/** Variable names a step's @secrets provides, offered inside `os.environ['…']`-style reads. */
export function completeAt(analysis: DocumentAnalysis, tree: SyntaxTree, pos: Position, details?: DetailsFor): CompletionItem[] {
  const node = tree.rootNode.descendantForPosition({ row: pos.line, column: Math.max(0, pos.character - 1) });
  let inRead = false;
  for (let n: typeof node | null = node; n; n = n.parent) {
    const read = envReadAt(n);
    if (read && containsPosition(read.nameRange, pos)) {
      inRead = true;
      break;
    }
  }
  if (!inRead) return [];
  const step = analysis.secrets.steps.find((s) => containsPosition(s.step.range, pos));
  if (!step) return [];
  const items: CompletionItem[] = [];
  for (const src of step.sources) {
    const names = details?.(src, step)?.names ?? (src.names.known ? src.names.names : []);
    for (const name of names) {
      items.push({ label: name, kind: CompletionItemKind.Variable, detail: `@secrets ${src.spec.type}.${src.spec.id}`, sortText: '0' + name });
    }
  }
  return items;
}

/** A string source under the cursor, and the range of its id inside the quotes (for secret-name completion). */
export function sourceIdAt(analysis: DocumentAnalysis, pos: Position): { type: string; idRange: { start: Position; end: Position } } | undefined {
  // The sources of @secrets (in a real list) and those of get_secret(...) calls.
  const sources = [...analysis.secrets.steps.filter((s) => !s.misshapen).flatMap((s) => s.sources), ...analysis.secrets.calls.map((c) => c.source)];
  for (const src of sources) {
    const spec = src.spec;
    if (spec.form !== 'string' || spec.value.indirect || !spec.type || !containsPosition(spec.range, pos)) continue;
    const r = spec.range;
    if (r.start.line !== r.end.line) continue;
    const start = r.start.character + 1 + (spec.dotIndex !== undefined ? spec.dotIndex + 1 : 0);
    const end = r.end.character - 1;
    if (pos.character < start || pos.character > end) continue;
    return { type: spec.type, idRange: { start: { line: r.start.line, character: start }, end: { line: r.start.line, character: end } } };
  }
  return undefined;
}
