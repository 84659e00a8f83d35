import { applyEdit, computeLineStarts, looksBinary, PythonParser, SyntaxTree } from '../core/parser';
import { EDITOR_PARSE_BUDGET_MS, hasUnprintable, parseTimeReason, tooManyCharacters, unanalysableContent } from '../core/parseBudget';
import { Range } from '../core/positions';

export interface ContentChange {
  range?: Range;
  text: string;
}

/** Changes remembered per document for firstChangedLineSince(); older ones count as "everything changed". */
const MAX_TRACKED_CHANGES = 256;

/** One open document: its text, and a parse tree kept in step with every edit. */
export class DocumentState {
  tree: SyntaxTree | undefined;
  lineStarts: number[];
  /** The tree no longer matches the text; the next read reparses, reusing the edited old tree. */
  private stale = true;
  readonly binary: boolean;

  constructor(
    readonly uri: string,
    public text: string,
    public version: number,
  ) {
    this.lineStarts = computeLineStarts(text);
    this.binary = looksBinary(text);
    this.changesKnownFrom = version;
  }

  /** The first line each recent version changed (0 for a whole-text replacement), oldest first. */
  private readonly changedLines: { version: number; line: number }[] = [];
  /** The whole text passed the binary test and every edit since typed only printable text. */
  private contentChecked = false;
  /** Versions before this one were dropped from `changedLines`. */
  private changesKnownFrom: number;

  /**
   * The first line that changed after `version` (Infinity: none). Every position on an earlier
   * line means the same in that version's analysis as now.
   */
  firstChangedLineSince(version: number): number {
    if (version < this.changesKnownFrom) return 0;
    let first = Infinity;
    for (const c of this.changedLines) if (c.version > version && c.line < first) first = c.line;
    return first;
  }

  applyChanges(changes: ContentChange[], version: number): void {
    this.version = version;
    for (const c of changes) {
      this.changedLines.push({ version, line: c.range ? c.range.start.line : 0 });
      // The binary test samples the whole text: again only when an edit could have changed its answer.
      if (!c.range || hasUnprintable(c.text)) this.contentChecked = false;
    }
    if (this.changedLines.length > MAX_TRACKED_CHANGES)
      this.changesKnownFrom = this.changedLines.splice(0, this.changedLines.length - MAX_TRACKED_CHANGES).at(-1)!.version;
    for (const c of changes) {
      if (!c.range) {
        this.text = c.text;
        this.tree?.delete();
        this.tree = undefined;
      } else if (this.tree) {
        this.text = applyEdit(this.tree, this.text, this.lineStarts, c.range, c.text);
      } else {
        const start = offset(this.lineStarts, c.range.start.line, c.range.start.character);
        const end = offset(this.lineStarts, c.range.end.line, c.range.end.character);
        this.text = this.text.slice(0, start) + c.text + this.text.slice(end);
      }
      this.lineStarts = computeLineStarts(this.text);
    }
    this.stale = true;
  }

  /**
   * Why the document is not analysed (too large, binary, over the parse budget), for its one
   * MFS091 diagnostic; undefined while it is analysed normally.
   */
  limit: string | undefined;
  /** The length at which a parse ran out of time: it is tried again only once the text is much shorter. */
  private overBudgetAt: number | undefined;

  /** The current tree, reparsed incrementally if edits came in since the last read. */
  parse(parser: PythonParser): SyntaxTree | undefined {
    if (this.binary) return undefined;
    if (this.stale || !this.tree) {
      this.stale = false;
      this.limit = this.contentChecked && !this.limit ? tooManyCharacters(this.text) : unanalysableContent(this.text);
      this.contentChecked = true;
      if (!this.limit && this.overBudgetAt !== undefined && this.text.length > this.overBudgetAt * 0.9) this.limit = parseTimeReason(EDITOR_PARSE_BUDGET_MS);
      if (this.limit) {
        this.tree?.delete();
        this.tree = undefined;
        return undefined;
      }
      const old = this.tree;
      this.tree = parser.parseWithin(this.text, EDITOR_PARSE_BUDGET_MS, old);
      if (old && old !== this.tree) old.delete();
      if (!this.tree) {
        // Every other document waits while this one parses: not again on the next keystroke.
        this.overBudgetAt = this.text.length;
        this.limit = parseTimeReason(EDITOR_PARSE_BUDGET_MS);
        return undefined;
      }
      this.overBudgetAt = undefined;
    }
    return this.tree;
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
  }
}

function offset(lineStarts: number[], line: number, character: number): number {
  return (lineStarts[Math.min(line, lineStarts.length - 1)] ?? 0) + character;
}

export class DocumentStore {
  constructor() {}

  private readonly docs = new Map<string, DocumentState>();

  open(uri: string, text: string, version: number): DocumentState {
    this.docs.get(uri)?.dispose();
    const d = new DocumentState(uri, text, version);
    this.docs.set(uri, d);
    return d;
  }

  change(uri: string, version: number, changes: ContentChange[]): DocumentState | undefined {
    const d = this.docs.get(uri);
    d?.applyChanges(changes, version);
    return d;
  }

  close(uri: string): void {
    this.docs.get(uri)?.dispose();
    this.docs.delete(uri);
  }

  get(uri: string): DocumentState | undefined {
    return this.docs.get(uri);
  }

  all(): DocumentState[] {
    return [...this.docs.values()];
  }
}
