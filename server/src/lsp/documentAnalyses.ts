import { Diagnostic } from 'vscode-languageserver/node';
import { DocumentAnalysis } from '../core/analyzer';
import { Finding } from '../core/findings';
import { MetaflowConfig } from '../core/metaflowConfig';
import { SyntaxTree } from '../core/parser';
import { AnalysisSession, BackendAnswers } from '../session/analysisSession';
import { toDiagnostic } from './convert';
import { DocumentState } from './documentStore';
import { isLaunchJson, uriToPath } from './uris';

/** Everything the server keeps per analysed document. */
export interface Analysed {
  version: number;
  /** The world the analysis saw (configuration, settings, other files); bumped when it changes. */
  generation: number;
  /** The tree the model was built from: the document's, or a repaired copy this record owns. */
  tree: SyntaxTree;
  ownsTree: boolean;
  config: MetaflowConfig;
  analysis: DocumentAnalysis;
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** The other modules its facts came from. */
  uses: ReadonlySet<string>;
}

/**
 * The latest analysis of each open document, reused until the document or the world it saw
 * changes, and which documents an edit to a module makes stale.
 */
export class DocumentAnalyses {
  private readonly analysed = new Map<string, Analysed>();
  private generation = 0;
  private session: AnalysisSession | undefined;
  private roots: string[] = [];

  constructor(
    private readonly backends: BackendAnswers,
    /** Queues a document for analysis (a stale importer). */
    private readonly schedule: (uri: string) => void,
  ) {}

  /** The session exists once the parser is loaded; until then nothing is analysed. */
  attach(session: AnalysisSession, roots: string[]): void {
    this.session = session;
    this.roots = roots;
  }

  /** Configuration, settings, trust or backend answers changed: every analysis is out of date. */
  invalidateAll(): void {
    this.generation++;
  }

  /** The document's analysis for its current version, analysing it if needed. */
  analyse(d: DocumentState): Analysed | undefined {
    const cached = this.analysed.get(d.uri);
    if (cached && cached.version === d.version && cached.generation === this.generation) return cached;
    const session = this.session;
    if (!session || d.binary || isLaunchJson(d.uri)) return undefined;
    const docTree = d.parse(session.parser);
    if (!docTree) return undefined;
    const file = uriToPath(d.uri);
    // The previous analysis's own tree goes first: two repaired trees of a huge text need not coexist.
    this.forget(d.uri);
    // Never throws: a region too deep to analyse, or a failing stage, is a finding on the document.
    const r = session.analyse({ key: d.uri, file, dir: this.roots[0], text: d.text, tree: docTree }, { backends: this.backends });
    const a: Analysed = {
      version: d.version,
      generation: this.generation,
      tree: r.tree,
      ownsTree: r.ownsTree,
      config: r.config,
      analysis: r.analysis,
      findings: r.findings,
      diagnostics: r.findings.map((f) => toDiagnostic(f, d.uri)),
      uses: r.uses,
    };
    this.analysed.set(d.uri, a);
    // Documents that import what this one defines are analysed again; the others are not touched.
    if (file && session.index.updateFromOpenDocument(file, r.analysis.model)) this.moduleChanged(file);
    return a;
  }

  /**
   * The last analysis, when it still answers for `line`: nothing changed since but on later lines
   * (and its tree is the document's, edited in place, not yet reparsed). A hover during a burst of
   * edits, or of backend answers, is then answered at once instead of analysing the document first.
   */
  lastGoodFor(d: DocumentState, line: number): Analysed | undefined {
    // Another generation is fine: what changed since (backend answers, mostly) the hover reads live.
    const a = this.analysed.get(d.uri);
    if (!a) return undefined;
    if (a.version === d.version) return a;
    return !a.ownsTree && d.tree === a.tree && d.firstChangedLineSince(a.version) > line ? a : undefined;
  }

  /** The facts of module `file` changed: the documents whose analysis read them are out of date. */
  moduleChanged(file: string): void {
    for (const [uri, other] of this.analysed) {
      if (!other.uses.has(file)) continue;
      other.generation = -1;
      this.schedule(uri);
    }
  }

  forget(uri: string): void {
    const old = this.analysed.get(uri);
    if (old?.ownsTree) old.tree.delete();
    this.analysed.delete(uri);
  }
}
