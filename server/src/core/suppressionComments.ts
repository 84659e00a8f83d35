import { SyntaxTree } from './parser';
import { Range } from './positions';

/**
 * The suppression comments a file holds, read from tree-sitter's comment nodes (so a `#` inside a
 * string is never taken for one). Two spellings:
 *
 *   # noqa                     every finding on the line (shared with flake8/ruff, as they read it)
 *   # noqa: MFS050, E501       the named codes; codes of other tools are kept but never checked
 *   # metaflow-secrets: ignore[MFS050, MFS051]     this tool's own form; without [...]: every code
 *   # metaflow-secrets: ignore-file[MFS050]        the whole file; without [...]: every code
 *
 * A comment may hold other text before a directive (`# type: ignore  # noqa: MFS050`).
 */
export interface SuppressionDirective {
  /** `line`: findings anchored on `line`; `file`: every finding of the file. */
  scope: 'line' | 'file';
  /** `noqa` is shared with other tools; `tool` is `metaflow-secrets: ...`. */
  form: 'noqa' | 'tool';
  line: number;
  /** The directive inside the comment, from its `#` to its last code or `]`. */
  range: Range;
  /** Codes as written (upper-cased); absent: every code. */
  codes?: string[];
  /** The whole comment, to edit it when a directive is removed or extended. */
  comment: { range: Range; text: string };
}

const CODE = /^[A-Za-z]+[0-9]+$/;
// `# noqa`, then optionally `:` and codes separated by commas or spaces (as flake8 and ruff read it).
const NOQA = /#\s*noqa(?![\w-])(?<colon>\s*:\s*(?<codes>[A-Za-z]+[0-9]+(?:\s*[,\s]\s*[A-Za-z]+[0-9]+)*)?)?/giy;
const TOOL = /#\s*metaflow-secrets\s*:\s*(?<kind>ignore-file|ignore)(?![\w-])(?:\[(?<codes>[^\]\n]*)\])?/giy;

export function suppressionDirectives(tree: SyntaxTree): SuppressionDirective[] {
  const out: SuppressionDirective[] = [];
  // No directive can be there: skip walking every comment through the WASM API.
  if (!/noqa|metaflow-secrets\s*:/i.test(tree.rootNode.text)) return out;
  for (const node of tree.rootNode.descendantsOfType('comment')) {
    if (!node) continue;
    const text = node.text;
    const line = node.startPosition.row;
    const col = node.startPosition.column;
    const comment = { range: { start: { line, character: col }, end: { line, character: col + text.length } }, text };
    for (let i = text.indexOf('#'); i >= 0; i = text.indexOf('#', i + 1)) {
      const d = directiveAt(text, i);
      if (!d) continue;
      out.push({ ...d, line, range: { start: { line, character: col + i }, end: { line, character: col + i + d.length } }, comment });
      i += d.length - 1;
    }
  }
  return out;
}

function directiveAt(text: string, at: number): (Pick<SuppressionDirective, 'scope' | 'form' | 'codes'> & { length: number }) | undefined {
  TOOL.lastIndex = at;
  const tool = TOOL.exec(text);
  if (tool?.groups) {
    const listed = tool.groups.codes;
    if (listed === undefined) return { scope: tool.groups.kind.toLowerCase() === 'ignore-file' ? 'file' : 'line', form: 'tool', length: tool[0].length };
    const codes = listed
      .split(',')
      .map((c) => c.trim().toUpperCase())
      .filter((c) => c.length > 0);
    // `ignore[]` or `ignore[not a code]` is malformed: it silences nothing rather than everything.
    if (codes.length === 0 || !codes.every((c) => CODE.test(c))) return undefined;
    return { scope: tool.groups.kind.toLowerCase() === 'ignore-file' ? 'file' : 'line', form: 'tool', codes, length: tool[0].length };
  }
  NOQA.lastIndex = at;
  const noqa = NOQA.exec(text);
  if (!noqa?.groups) return undefined;
  // `# noqa:` followed by no code is malformed: ruff warns and ignores it, and so does this tool.
  if (noqa.groups.colon !== undefined && noqa.groups.codes === undefined) return undefined;
  const codes = noqa.groups.codes
    ?.split(/[\s,]+/)
    .filter(Boolean)
    .map((c) => c.toUpperCase());
  return { scope: 'line', form: 'noqa', codes, length: noqa[0].length };
}

/** The directive as text again, with `codes` in place of its own (for removing or adding a code). */
export function directiveText(d: Pick<SuppressionDirective, 'form' | 'scope'>, codes: readonly string[]): string {
  if (d.form === 'noqa') return `# noqa: ${codes.join(', ')}`;
  return `# metaflow-secrets: ${d.scope === 'file' ? 'ignore-file' : 'ignore'}[${codes.join(', ')}]`;
}
