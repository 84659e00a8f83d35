import * as fs from 'fs';
import * as path from 'path';
import { Edit, Language, Node, ParseOptions, Parser, Point, Tree } from 'web-tree-sitter';
import { Position, Range } from './positions';

export type SyntaxNode = Node;
export type SyntaxTree = Tree;

let ready: Promise<Language> | undefined;

/** Where the two WASM files live: next to the bundle when shipped, in node_modules otherwise. */
function locateWasm(wasmDir: string | undefined, file: 'tree-sitter.wasm' | 'tree-sitter-python.wasm'): string {
  if (wasmDir) return path.join(wasmDir, file);
  const beside = path.join(__dirname, file);
  if (fs.existsSync(beside)) return beside;
  if (file === 'tree-sitter.wasm') return require.resolve('web-tree-sitter/tree-sitter.wasm');
  return path.join(path.dirname(require.resolve('tree-sitter-python/package.json')), file);
}

/** Loads tree-sitter and the Python grammar once per process. */
export function loadPython(wasmDir?: string): Promise<Language> {
  if (!ready) {
    ready = (async () => {
      await Parser.init({ locateFile: () => locateWasm(wasmDir, 'tree-sitter.wasm') });
      return Language.load(locateWasm(wasmDir, 'tree-sitter-python.wasm'));
    })();
  }
  return ready;
}

/** An error-tolerant, incremental Python parser (one per document is cheap; the language is shared). */
export class PythonParser {
  private readonly parser: Parser;

  private constructor(language: Language) {
    this.parser = new Parser();
    this.parser.setLanguage(language);
  }

  static async create(wasmDir?: string): Promise<PythonParser> {
    return new PythonParser(await loadPython(wasmDir));
  }

  /** Parses `text`; with `oldTree` (already edited with `applyEdit`) only the changed region is reparsed. */
  parse(text: string, oldTree?: Tree): Tree {
    const tree = this.parser.parse(text, oldTree ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }

  /**
   * As `parse`, but gives up once `budgetMs` have passed (tree-sitter's progress callback, which
   * cancels the parse when it returns true): undefined then, and the parser is ready for the next.
   */
  parseWithin(text: string, budgetMs: number, oldTree?: Tree): Tree | undefined {
    const deadline = Date.now() + budgetMs;
    // The typings say the callback returns void; the runtime cancels on true.
    const options = { progressCallback: () => Date.now() > deadline } as unknown as ParseOptions;
    const tree = this.parser.parse(text, oldTree ?? null, options);
    if (!tree) {
      this.parser.reset();
      return undefined;
    }
    return tree;
  }

  /**
   * One slice of a parse that may need several: undefined when `sliceMs` ran out first. The next
   * call with the same text and old tree resumes where this one stopped (tree-sitter keeps its
   * state); `abandon` drops that state before the parser is used for another text.
   */
  parseSlice(text: string, sliceMs: number, oldTree?: Tree): Tree | undefined {
    const deadline = Date.now() + sliceMs;
    const options = { progressCallback: () => Date.now() > deadline } as unknown as ParseOptions;
    return this.parser.parse(text, oldTree ?? null, options) ?? undefined;
  }

  /** Forgets a parse stopped by `parseSlice`. */
  abandon(): void {
    this.parser.reset();
  }
}

/** Offset (UTF-16 code units, as tree-sitter's JS binding counts) of a line/character position. */
export function offsetAt(lineStarts: number[], p: Position): number {
  const line = Math.min(Math.max(p.line, 0), lineStarts.length - 1);
  return lineStarts[line] + p.character;
}

export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function pointAfter(start: Point, inserted: string): Point {
  let row = start.row;
  let column = start.column;
  for (let i = 0; i < inserted.length; i++) {
    if (inserted.charCodeAt(i) === 10) {
      row++;
      column = 0;
    } else column++;
  }
  return { row, column };
}

/**
 * Tells `tree` about a text change (an LSP-style range replacement on `oldText`) so the next
 * parse can reuse everything outside it. Returns the new text.
 */
export function applyEdit(tree: Tree, oldText: string, lineStarts: number[], change: Range, newText: string): string {
  const startIndex = offsetAt(lineStarts, change.start);
  const oldEndIndex = offsetAt(lineStarts, change.end);
  const startPosition: Point = { row: change.start.line, column: change.start.character };
  const oldEndPosition: Point = { row: change.end.line, column: change.end.character };
  const edit: Edit = {
    startIndex,
    oldEndIndex,
    newEndIndex: startIndex + newText.length,
    startPosition,
    oldEndPosition,
    newEndPosition: pointAfter(startPosition, newText),
  };
  tree.edit(edit);
  return oldText.slice(0, startIndex) + newText + oldText.slice(oldEndIndex);
}

export function nodeRange(n: SyntaxNode): Range {
  return {
    start: { line: n.startPosition.row, character: n.startPosition.column },
    end: { line: n.endPosition.row, character: n.endPosition.column },
  };
}

/** A file we should not try to analyse as Python: binary content. */
export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 8192);
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) === 0) return true;
  return false;
}
