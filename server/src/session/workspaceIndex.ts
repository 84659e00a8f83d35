import * as fs from 'fs';
import * as path from 'path';
import { buildModel, DocumentModel, ExternalSymbols } from '../core/flowModel';
import { PyValue } from '../core/literals';
import { looksBinary, PythonParser } from '../core/parser';
import { MAX_SOURCE_BYTES, mentionsMetaflow } from './analysisLimits';
import { pythonFilesUnder } from './pythonFiles';

/** What other files need to know of a module: its literal constants and its flow classes. */
export interface ModuleSummary {
  file: string;
  literals: Map<string, PyValue>;
  flowClasses: Set<string>;
  importsMetaflow: boolean;
}

const MAX_IMPORT_CHAIN = 8;

export function summarize(file: string, model: DocumentModel): ModuleSummary {
  const literals = new Map<string, PyValue>();
  for (const name of model.assignedNames) {
    const v = model.literalBinding(name);
    if (v) literals.set(name, v);
  }
  return { file, literals, flowClasses: new Set(model.flowClassNames), importsMetaflow: model.importsMetaflow };
}

/**
 * The workspace's Python files, for cross-file facts (a base flow class or a constant list of
 * sources imported from a sibling module). Files importing Metaflow are read in the background,
 * in small slices so requests are never held up; any other module is read when a flow imports it.
 */
export class WorkspaceIndex {
  private readonly summaries = new Map<string, ModuleSummary>();
  private readonly openFiles = new Set<string>();
  /** Files seen by the background pass that mention metaflow (summarised on first use). */
  private readonly candidates = new Set<string>();
  /** Modules being summarised right now (a chain of imports). */
  private readonly loading = new Set<string>();
  private roots: string[] = [];
  private cancelled = false;
  filesSeen = 0;
  indexedFiles = 0;

  constructor(
    private readonly parser: PythonParser,
    private maxFiles: number,
  ) {}

  setMaxFiles(n: number): void {
    this.maxFiles = n;
  }

  /** Walks the roots and summarises Metaflow files, yielding between slices. */
  async indexFolders(roots: string[], onProgress?: (done: number) => void): Promise<void> {
    this.roots = roots;
    this.cancelled = false;
    const files: string[] = [];
    for (const root of roots) files.push(...pythonFilesUnder(root, this.maxFiles - files.length));
    this.filesSeen = files.length;
    let sliceStart = Date.now();
    for (const file of files) {
      if (this.cancelled) return;
      // Only note which files are Metaflow modules; a module is parsed when a flow first imports
      // from it (summary() loads it). Parsing every file up front cost a full tree-sitter parse
      // and model per file, for facts most files never contribute.
      if (!this.openFiles.has(file) && fileMentionsMetaflow(file)) this.candidates.add(file);
      this.indexedFiles++;
      if (Date.now() - sliceStart > 10) {
        await new Promise((r) => setImmediate(r));
        sliceStart = Date.now();
        onProgress?.(this.indexedFiles);
      }
    }
  }

  cancel(): void {
    this.cancelled = true;
  }

  /** Reads and summarises one file; with `onlyMetaflow`, files that never mention metaflow are skipped. */
  private load(file: string, onlyMetaflow: boolean): ModuleSummary | undefined {
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_SOURCE_BYTES) return undefined;
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    if (looksBinary(text)) return undefined;
    // A cheap filter on the raw text before any parsing; the parse decides what the file really is.
    if (onlyMetaflow && !mentionsMetaflow(text)) return undefined;
    // Two modules importing from each other would load each other forever: a module being
    // loaded has no summary yet, and a long chain of imports stops being followed.
    if (this.loading.has(file) || this.loading.size >= MAX_IMPORT_CHAIN) return undefined;
    this.loading.add(file);
    const tree = this.parser.parse(text);
    try {
      const s = summarize(file, buildModel(tree, this.externalFor(file)));
      this.summaries.set(file, s);
      return s;
    } finally {
      this.loading.delete(file);
      tree.delete();
    }
  }

  /** An open document's own model replaces what the disk says. Returns true when facts changed. */
  updateFromOpenDocument(file: string, model: DocumentModel): boolean {
    this.openFiles.add(file);
    const before = this.summaries.get(file);
    const after = summarize(file, model);
    this.summaries.set(file, after);
    return !before || signature(before) !== signature(after);
  }

  closed(file: string): void {
    this.openFiles.delete(file);
    this.summaries.delete(file);
  }

  /** A file changed on disk: forget it (it is re-read when needed). */
  invalidate(file: string): void {
    if (!this.openFiles.has(file)) this.summaries.delete(file);
  }

  get size(): number {
    let n = this.summaries.size;
    for (const f of this.candidates) if (!this.summaries.has(f)) n++;
    return n;
  }

  /** Python's module lookup, as far as the editor can follow it: relative to the file, then each root. */
  resolveModule(module: string, fromFile: string): string | undefined {
    const dots = /^\.+/.exec(module)?.[0].length ?? 0;
    const parts = module.slice(dots).split('.').filter(Boolean);
    const bases: string[] = [];
    if (dots > 0) {
      let base = path.dirname(fromFile);
      for (let i = 1; i < dots; i++) base = path.dirname(base);
      bases.push(base);
    } else {
      bases.push(path.dirname(fromFile), ...this.roots);
    }
    for (const base of bases) {
      const stem = path.join(base, ...parts);
      for (const candidate of [stem + '.py', path.join(stem, '__init__.py')]) {
        if (this.summaries.has(candidate) || fs.existsSync(candidate)) return candidate;
      }
    }
    return undefined;
  }

  private summary(file: string): ModuleSummary | undefined {
    return this.summaries.get(file) ?? this.load(file, false);
  }

  /** What `fromFile` may import; each module it resolves is added to `uses` (the analysis depends on it). */
  externalFor(fromFile: string, uses?: Set<string>): ExternalSymbols {
    const resolve = (module: string) => {
      const f = this.resolveModule(module, fromFile);
      if (f) uses?.add(f);
      return f;
    };
    return {
      literal: (module, name) => {
        const f = resolve(module);
        return f ? this.summary(f)?.literals.get(name) : undefined;
      },
      isFlowClass: (module, name) => {
        if (module === 'metaflow' || module.startsWith('metaflow.')) return name === 'FlowSpec';
        const f = resolve(module);
        if (!f) return undefined;
        const s = this.summary(f);
        return s ? s.flowClasses.has(name) : undefined;
      },
      fileOf: (module) => resolve(module),
    };
  }
}

/** The cheap text filter of load(): readable, not binary, not too large, mentions metaflow. */
function fileMentionsMetaflow(file: string): boolean {
  try {
    if (fs.statSync(file).size > MAX_SOURCE_BYTES) return false;
    const text = fs.readFileSync(file, 'utf8');
    return !looksBinary(text) && mentionsMetaflow(text);
  } catch {
    return false;
  }
}

function signature(s: ModuleSummary): string {
  const lit = [...s.literals.entries()].map(
    ([k, v]) => k + '=' + JSON.stringify(v, (key, val) => (key === 'range' || key === 'origin' || key === 'text' ? undefined : val)),
  );
  return JSON.stringify([lit.sort(), [...s.flowClasses].sort()]);
}
