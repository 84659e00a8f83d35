import * as path from 'path';
import { AnalysisCache } from '../core/analysisCache';
import { analyzeDocument, dedupe, DocumentAnalysis } from '../core/analyzer';
import { ResolvedNamesLookup } from '../core/envMap';
import { Finding } from '../core/findings';
import { LeakCache, NonSecretKeys } from '../core/leaks';
import { MetaflowConfig } from '../core/metaflowConfig';
import { PythonParser, SyntaxTree } from '../core/parser';
import { RuleLevels } from '../core/ruleLevels';
import { BACKEND_RULES } from '../core/rules/backendRules';
import { LEAK_RULES } from '../core/rules/leakRules';
import { Severity } from '../core/rules';
import { applySuppressions, SuppressedFinding } from '../core/suppressions';
import { ConfigProvider } from './configProvider';
import { WorkspaceIndex } from './workspaceIndex';

/** What the analysis of one directory uses: Metaflow's configuration and, once known, the user's Metaflow's exact types. */
export interface MetaflowView {
  config: MetaflowConfig;
  registeredTypes?: readonly string[];
  registeredBy?: string;
}

/** Where the user's Metaflow comes from: the editor's probe (never waits), the CLI's --python (asked up front). */
export interface MetaflowViews {
  forDirectory(dir: string, config: MetaflowConfig): MetaflowView;
}

/** What the backends said, as the analysis uses it: the key names of resolved sources and the findings of resolution. */
export interface BackendAnswers {
  namesLookup(config: MetaflowConfig): ResolvedNamesLookup;
  /** `document`: the key of the document asked for (the editor asks a focused document's sources first). */
  findingsFor(analysis: DocumentAnalysis, config: MetaflowConfig, document: string): Finding[];
  /** Whether the backend rules were evaluated for this file (else their suppressions are never "unused"). */
  readonly rulesRan: boolean;
}

/** The settings the analysis depends on, from `metaflowSecrets.*` in the editor or the CLI's options. */
export interface SessionSettings {
  extraBackendTypes: readonly string[];
  /** `nonSecretKeys`: keys of secrets that hold no secret value (`metaflowSecrets.nonSecretKeys`, `--non-secret-keys`). */
  leaks: { severity: Severity | 'off'; conservative: boolean; nonSecretKeys?: NonSecretKeys };
  ruleLevels: RuleLevels;
  /** Values that take precedence over Metaflow's configuration files (`metaflowSecrets.metaflowConfig`, `--set`). */
  metaflowConfig: Record<string, string>;
}

export interface SessionOptions {
  parser: PythonParser;
  /** The environment Metaflow's configuration is read from. */
  env?: Record<string, string | undefined>;
  /** Files the background index walks (0: modules are read only when a flow imports them). */
  indexMaxFiles: number;
  views?: MetaflowViews;
}

/** One document to analyse: `key` names it across analyses (its URI or path); `file` places it on disk. */
export interface SessionDocument {
  key: string;
  file?: string;
  /** Where an unsaved document's configuration is read (default: the file's directory, else the working directory). */
  dir?: string;
  text: string;
  tree: SyntaxTree;
}

export interface AnalyseOptions {
  backends?: BackendAnswers;
  /** Online, the CLI's first pass runs without the dataflow: it only collects the sources to ask. */
  withLeaks?: boolean;
}

/** A document's findings after rule levels and suppressions, with the tree they were computed on. */
export interface SessionAnalysis {
  analysis: DocumentAnalysis;
  config: MetaflowConfig;
  /** The tree the model was built from: the document's, or a repaired copy (`ownsTree`) the caller deletes. */
  tree: SyntaxTree;
  ownsTree: boolean;
  findings: Finding[];
  suppressed: SuppressedFinding[];
  /** The other modules the analysis read facts from: it is out of date when one of them changes. */
  uses: ReadonlySet<string>;
}

const DEFAULT_SETTINGS: SessionSettings = {
  extraBackendTypes: [],
  leaks: { severity: 'warning', conservative: false },
  ruleLevels: new Map(),
  metaflowConfig: {},
};
const BACKEND_CODES = new Set(BACKEND_RULES.map((r) => r.code));
const LEAK_CODES = new Set(LEAK_RULES.map((r) => r.code));

/**
 * The analysis as the editor and the CLI both run it: Metaflow's configuration per directory,
 * the workspace's modules, the caches reused between analyses, the backends' answers, rule
 * levels and suppressions. All state lives here and dies with the session.
 */
export class AnalysisSession {
  readonly parser: PythonParser;
  readonly configs: ConfigProvider;
  readonly index: WorkspaceIndex;
  private settings: SessionSettings = DEFAULT_SETTINGS;
  private readonly views: MetaflowViews;
  /** Reuse between keystrokes (evaluated decorators, environment reads). */
  private readonly cache = new AnalysisCache();
  /** Per-document leak results, so typing in one step re-analyses that step only. */
  private readonly leakCaches = new Map<string, LeakCache>();

  constructor(o: SessionOptions) {
    this.parser = o.parser;
    this.configs = new ConfigProvider(o.env);
    this.index = new WorkspaceIndex(o.parser, o.indexMaxFiles);
    this.views = o.views ?? { forDirectory: (_dir, config) => ({ config }) };
  }

  configure(s: SessionSettings): void {
    this.settings = s;
    this.configs.setOverrides(s.metaflowConfig);
  }

  get leakSeverity(): Severity | 'off' {
    return this.settings.leaks.severity;
  }

  /** Metaflow as a flow in `dir` sees it. */
  viewFor(dir: string): MetaflowView {
    return this.views.forDirectory(dir, this.configs.forDirectory(dir));
  }

  /** Never throws for what a document holds: a region too deep, a failing stage, become findings. */
  analyse(doc: SessionDocument, o: AnalyseOptions = {}): SessionAnalysis {
    const view = this.viewFor(doc.file ? path.dirname(doc.file) : (doc.dir ?? process.cwd()));
    const config = view.config;
    const uses = new Set<string>();
    const leaks = o.withLeaks === false ? undefined : { ...this.settings.leaks, cache: this.leakCacheFor(doc.key) };
    const { analysis, tree, ownsTree } = analyzeDocument(this.parser, doc.text, doc.tree, {
      config,
      cache: this.cache,
      resolvedNames: o.backends?.namesLookup(config),
      external: doc.file ? this.index.externalFor(doc.file, uses) : undefined,
      extraTypes: [...this.settings.extraBackendTypes],
      registeredTypes: view.registeredTypes,
      registeredBy: view.registeredBy,
      leaks,
    });
    const all = dedupe([...analysis.findings, ...(o.backends?.findingsFor(analysis, config, doc.key) ?? [])]);
    const leaksRan = !!leaks && leaks.severity !== 'off';
    const backendsRan = !!o.backends?.rulesRan;
    const outcome = applySuppressions(doc.text, doc.tree, all, {
      levels: this.settings.ruleLevels,
      ruleRan: (code) => (BACKEND_CODES.has(code) ? backendsRan : LEAK_CODES.has(code) ? leaksRan : true),
    });
    uses.delete(doc.file ?? '');
    return { analysis, config, tree, ownsTree, findings: outcome.findings, suppressed: outcome.suppressed, uses };
  }

  /** A document is gone (closed): what was kept for it goes too. */
  forget(key: string): void {
    this.leakCaches.delete(key);
  }

  dispose(): void {
    this.index.cancel();
    this.leakCaches.clear();
  }

  private leakCacheFor(key: string): LeakCache {
    let c = this.leakCaches.get(key);
    if (!c) this.leakCaches.set(key, (c = new LeakCache()));
    return c;
  }
}
