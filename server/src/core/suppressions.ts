import { Finding, finding, QuickFix, TextEdit } from './findings';
import { computeLineStarts, SyntaxTree } from './parser';
import { Range } from './positions';
import { RuleLevels } from './ruleLevels';
import { ALL_RULES } from './rules';
import { directiveText, SuppressionDirective, suppressionDirectives } from './suppressionComments';

// The one post-processing step the editor and the CLI both run on a Python file's findings:
// per-rule levels from settings, then suppression comments, then unused suppressions (MFS080).

export const UNUSED_SUPPRESSION = 'MFS080';
const OWN_CODE = /^MFS\d{3}$/;
const KNOWN = new Set(ALL_RULES.map((r) => r.code));

export interface SuppressionOptions {
  /** Per-rule levels (`metaflowSecrets.rules`, `--rule`): a severity, or off. */
  levels?: RuleLevels;
  /**
   * Whether a rule was evaluated for this file: a suppression of a rule that did not run (a
   * backend rule offline, a leak rule with the leak analysis off) cannot be called unused.
   */
  ruleRan?: (code: string) => boolean;
}

export interface Suppression {
  scope: 'line' | 'file';
  form: 'noqa' | 'tool';
  /** The directive as written, e.g. `# noqa: MFS050`. */
  text: string;
  range: Range;
}

/** A finding a comment silenced: not shown, but SARIF still reports it, marked as suppressed. */
export interface SuppressedFinding extends Finding {
  suppression: Suppression;
}

export interface SuppressionOutcome {
  findings: Finding[];
  suppressed: SuppressedFinding[];
}

/**
 * Applies suppressions to the findings of one document (`text`, parsed as `tree`).
 *
 * A finding is anchored on the line where it starts; when that line ends inside a multi-line
 * string, also on the line where the string closes (the first place a comment can follow); and
 * when it starts inside a decorator spanning several lines, also on the decorator's first line
 * (`@secrets(  # noqa: MFS004`). A line directive suppresses a finding when it stands on one of
 * its anchor lines; a file directive anywhere in the file suppresses it everywhere.
 */
export function applySuppressions(text: string, tree: SyntaxTree, input: readonly Finding[], o: SuppressionOptions = {}): SuppressionOutcome {
  const levels = o.levels ?? new Map();
  const ran = (code: string) => levels.get(code) !== 'off' && (o.ruleRan?.(code) ?? true);
  const withLevels = (fs: readonly Finding[]) =>
    fs.flatMap((f) => {
      const level = levels.get(f.code);
      if (level === 'off') return [];
      return [level && level !== f.severity ? { ...f, severity: level } : f];
    });

  const directives = suppressionDirectives(tree);
  if (directives.length === 0 && input.length === 0) return { findings: [], suppressed: [] };
  const layout = new Layout(text, tree);
  const used = new Map<SuppressionDirective, Set<string>>();
  const matchOf = (f: Finding, about?: SuppressionDirective): SuppressionDirective | undefined => {
    // The anchors cost a walk up the tree per finding: not without a directive to match.
    if (directives.length === 0) return undefined;
    const anchors = layout.anchorLines(f.range.start.line);
    return directives.find((d) => d !== about && (d.scope === 'file' || anchors.includes(d.line)) && (!d.codes || d.codes.includes(f.code)));
  };

  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of withLevels(input)) {
    const d = matchOf(f);
    if (!d) {
      findings.push(f);
      continue;
    }
    let codes = used.get(d);
    if (!codes) used.set(d, (codes = new Set()));
    codes.add(f.code);
    suppressed.push({ ...f, suppression: describe(d) });
  }

  // Unused suppressions: only this tool's codes, and only where the rule ran.
  const unused: { f: Finding; about: SuppressionDirective }[] = [];
  for (const d of directives) {
    const hit = used.get(d) ?? new Set<string>();
    if (!d.codes) {
      // A bare `# noqa` may be meant for another tool; a bare tool directive is ours to check, once every rule ran.
      if (d.form === 'tool' && hit.size === 0 && ALL_RULES.every((r) => levels.get(r.code) === 'off' || (o.ruleRan?.(r.code) ?? true)))
        unused.push({ f: unusedFinding(d, [], layout), about: d });
      continue;
    }
    // MFS080 itself is never called unused: what it silences is only known after this pass.
    const stale = d.codes.filter((c) => c !== UNUSED_SUPPRESSION && !hit.has(c) && (d.form === 'tool' || OWN_CODE.test(c)) && (!KNOWN.has(c) || ran(c)));
    if (stale.length) unused.push({ f: unusedFinding(d, stale, layout), about: d });
  }
  for (const { f: raw, about } of unused) {
    const [f] = withLevels([raw]);
    if (!f) continue;
    // A directive cannot silence the report about itself; another one (`# noqa: MFS080`) can.
    const d = matchOf(f, about);
    if (d) suppressed.push({ ...f, suppression: describe(d) });
    else findings.push(f);
  }

  return { findings: findings.map((f) => withSuppressFixes(f, directives, layout)), suppressed };
}

function describe(d: SuppressionDirective): Suppression {
  const from = d.comment.range.start.character;
  return { scope: d.scope, form: d.form, range: d.range, text: d.comment.text.slice(d.range.start.character - from, d.range.end.character - from) };
}

function unusedFinding(d: SuppressionDirective, stale: string[], layout: Layout): Finding {
  const where = d.scope === 'file' ? 'in this file' : 'on this line';
  const named = stale.map((c) => (KNOWN.has(c) ? c : `${c} (not a metaflow-secrets code)`));
  const message =
    stale.length === 0
      ? `Unused suppression: nothing is reported ${where}`
      : `Unused suppression of ${named.join(', ')}: ${stale.length === 1 ? 'it is' : 'they are'} not reported ${where}`;
  const keep = (d.codes ?? []).filter((c) => !stale.includes(c));
  const edits = stale.length && keep.length ? [{ range: d.range, newText: directiveText(d, keep) }] : layout.removeDirective(d);
  const title = keep.length && stale.length ? `Remove ${stale.join(', ')} from the suppression` : 'Remove the unused suppression';
  return finding(UNUSED_SUPPRESSION, d.range, message, { unnecessary: true, fixes: [{ title, edits, isPreferred: true }] });
}

/** Every reported finding (but MFS080 itself) gets "Suppress MFSxxx on this line" and "... in this file". */
function withSuppressFixes(f: Finding, directives: readonly SuppressionDirective[], layout: Layout): Finding {
  if (f.code === UNUSED_SUPPRESSION) return f;
  const line = layout.commentLine(f.range.start.line);
  const own = directives.find((d) => d.form === 'tool' && d.scope === 'line' && d.line === line && d.codes);
  const onLine: TextEdit = own
    ? { range: own.range, newText: directiveText(own, [...own.codes!, f.code]) }
    : layout.appendComment(line, `# metaflow-secrets: ignore[${f.code}]`);
  const fileWide = directives.find((d) => d.form === 'tool' && d.scope === 'file' && d.codes);
  const inFile: TextEdit = fileWide
    ? { range: fileWide.range, newText: directiveText(fileWide, [...fileWide.codes!, f.code]) }
    : layout.fileHeaderInsert(`# metaflow-secrets: ignore-file[${f.code}]`);
  const fixes: QuickFix[] = [
    ...(f.fixes ?? []),
    { title: `Suppress ${f.code} on this line`, edits: [onLine] },
    { title: `Suppress ${f.code} in this file`, edits: [inFile] },
  ];
  return { ...f, fixes };
}

/** Where comments can go: line texts, multi-line strings and multi-line decorators. */
/** How far up from a line's node the layout looks for its string or decorator. */
const MAX_ANCESTORS = 100;

class Layout {
  private readonly starts: number[];
  /** Line → the line its multi-line string closes on, once asked. */
  private readonly stringEnds = new Map<number, number>();
  /** Line → the first line of the multi-line decorator it lies in, once asked (-1: none). */
  private readonly decoratorStarts = new Map<number, number>();

  // Asked per finding line, from the node at that line up its parents: walking every string and
  // decorator of the tree on each keystroke cost a third of the analysis of a 2,000-line flow.
  constructor(
    private readonly text: string,
    private readonly tree: SyntaxTree,
  ) {
    this.starts = computeLineStarts(text);
  }

  private lineFacts(line: number): void {
    if (this.stringEnds.has(line)) return;
    let closes = line;
    let decoratorStart = -1;
    const at = this.tree.rootNode.descendantForPosition({ row: line, column: Math.max(0, this.lineText(line).length - 1) });
    // Bounded: a string is the parent of its content, a decorator a few levels up; code nested
    // thousands deep must not make every finding walk thousands of ancestors.
    let hops = 0;
    for (let n: typeof at | null = at; n && hops < MAX_ANCESTORS; n = n.parent, hops++) {
      if (n.type === 'string' && n.startPosition.row <= line && n.endPosition.row > line) closes = Math.max(closes, n.endPosition.row);
      if (n.type === 'decorator' && n.startPosition.row < line && n.endPosition.row >= line) decoratorStart = n.startPosition.row;
    }
    this.stringEnds.set(line, closes);
    this.decoratorStarts.set(line, decoratorStart);
  }

  /** The line a comment for something starting on `line` goes on: after a multi-line string closes. */
  commentLine(line: number): number {
    this.lineFacts(line);
    return this.stringEnds.get(line) ?? line;
  }

  anchorLines(line: number): number[] {
    const lines = [line, this.commentLine(line)];
    const deco = this.decoratorStarts.get(line);
    if (deco !== undefined && deco >= 0) lines.push(deco);
    return lines;
  }

  lineText(line: number): string {
    const start = this.starts[line] ?? this.text.length;
    const end = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    return this.text.slice(start, end).replace(/\r?\n$|\r$/, '');
  }

  /** Appends `  # ...` after the code and any comment already on the line. */
  appendComment(line: number, comment: string): TextEdit {
    const content = this.lineText(line).replace(/\s+$/, '');
    const at = { line, character: content.length };
    return { range: { start: at, end: at }, newText: content.length ? `  ${comment}` : comment };
  }

  /** A new comment line at the top, below a shebang and an encoding line. */
  fileHeaderInsert(comment: string): TextEdit {
    let line = 0;
    while (line < 2 && line < this.starts.length && /^#!|^#.*coding[:=]/.test(this.lineText(line))) line++;
    const at = { line, character: 0 };
    return { range: { start: at, end: at }, newText: `${comment}\n` };
  }

  /** Deletes a directive; a comment left empty goes too, and so does a line left empty. */
  removeDirective(d: SuppressionDirective): TextEdit[] {
    const c = d.comment;
    const offset = (ch: number) => ch - c.range.start.character;
    const before = c.text.slice(0, offset(d.range.start.character)).replace(/\s+$/, '');
    const after = c.text.slice(offset(d.range.end.character)).trim();
    const lineText = this.lineText(d.line);
    if (before === '' && after === '') {
      const code = lineText.slice(0, c.range.start.character).replace(/\s+$/, '');
      if (code === '') {
        // The comment was the whole line: remove the line.
        const next = d.line + 1 < this.starts.length ? { line: d.line + 1, character: 0 } : { line: d.line, character: lineText.length };
        return [{ range: { start: { line: d.line, character: 0 }, end: next }, newText: '' }];
      }
      return [{ range: { start: { line: d.line, character: code.length }, end: c.range.end }, newText: '' }];
    }
    if (before === '') return [{ range: c.range, newText: after.startsWith('#') ? after : `# ${after}` }];
    return [{ range: { start: { line: d.line, character: c.range.start.character + before.length }, end: d.range.end }, newText: '' }];
  }
}
