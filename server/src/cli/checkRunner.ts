import * as fs from 'fs';
import * as path from 'path';
import { analyzeDocument, dedupe } from '../core/analyzer';
import { Finding, finding } from '../core/findings';
import { BACKEND_RULES } from '../core/rules/backendRules';
import { LEAK_RULES } from '../core/rules/leakRules';
import { RuleLevels } from '../core/ruleLevels';
import { Severity } from '../core/rules';
import { applySuppressions, SuppressedFinding, SuppressionOutcome } from '../core/suppressions';
import { budgetFinding, CLI_PARSE_BUDGET_MS, parseInterruptibly, parseTimeReason, unanalysableContent } from '../core/parseBudget';
import { PythonParser, SyntaxTree } from '../core/parser';
import { Range } from '../core/positions';
import { MetaflowConfig, withMetaflowValues } from '../core/metaflowConfig';
import { ConfigProvider } from '../lsp/configProvider';
import { describeMetaflow, metaflowName } from '../probe/metaflowProbe';
import { MetaflowProbeCache } from '../probe/probeCache';
import { WorkspaceIndex } from '../lsp/workspaceIndex';
import { OnlineChecker } from './onlineChecker';

/** The findings of one file, sorted by position. */
export interface FileReport {
  /** Absolute path. */
  file: string;
  findings: Finding[];
  /** Findings a suppression comment silenced: only SARIF shows them (marked as suppressed). */
  suppressed: SuppressedFinding[];
  /** Findings the `--baseline` file already holds: only SARIF shows them (marked as suppressed). */
  baselined?: Finding[];
}

export interface CheckResult {
  reports: FileReport[];
  filesChecked: number;
  /** Things worth a line on stderr: unreadable files, broken Metaflow config files, a failed --python probe. */
  warnings: string[];
  /** Which Metaflow the checks used, when --python asked an interpreter. */
  notes: string[];
  /** Online only: distinct sources asked and how many failed. */
  sourcesResolved: number;
  sourcesFailed: number;
}

export interface CheckSettings {
  /** The environment Metaflow's configuration is read from (with `--set` values merged in). */
  env: Record<string, string | undefined>;
  /** Roots for absolute imports between modules (the working directory). */
  roots: string[];
  extraTypes: string[];
  /** The interpreter to ask which Metaflow runs the flows (--python); absent: the static model. */
  python?: string;
  /** Severity of every leak finding, or 'off' (the editor's `leaks.severity` setting). */
  leakSeverity: Severity | 'off';
  /** Per-rule levels (`--rule`), applied with the suppression comments. */
  ruleLevels?: RuleLevels;
  conservativeLeaks: boolean;
  /** Absent: offline, static checks only. */
  online?: OnlineChecker;
  onProgress?: (phase: 'analysing' | 'resolving', done: number, total: number) => void;
  signal?: AbortSignal;
}

const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Larger files are generated code, not flows. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** A cheap look at the raw text before parsing: files that cannot hold a flow or a secret are skipped. */
const MAY_MATTER = /metaflow|@secrets|@step|get_secret/;

/**
 * Checks files like the editor does: static @secrets checks with Metaflow's configuration for each
 * file's directory and cross-file constants, the leak analysis, and (online) each source resolved
 * through its backend, after which the file is analysed again with the names the backends returned.
 */
export async function checkFiles(files: readonly string[], explicit: ReadonlySet<string>, s: CheckSettings): Promise<CheckResult> {
  const parser = await PythonParser.create();
  const configs = new ConfigProvider(s.env);
  // maxFiles 0: no background indexing; modules are read only when a checked file imports them.
  const index = new WorkspaceIndex(parser, 0);
  await index.indexFolders(s.roots);

  const warnings = new Set<string>();
  const notes = new Set<string>();
  const reports = new Map<string, SuppressionOutcome>();
  const probes = s.python ? new MetaflowProbeCache({ env: s.env, allowed: () => true }) : undefined;
  /** Per directory: Metaflow's configuration, and with --python what that interpreter's Metaflow registers. */
  const views = new Map<string, { config: MetaflowConfig; registeredTypes?: string[]; registeredBy?: string }>();
  const viewFor = async (dir: string) => {
    let v = views.get(dir);
    if (v) return v;
    const config = configs.forDirectory(dir);
    v = { config };
    if (probes && s.python) {
      const outcome = await probes.get(s.python, dir, config.files);
      if (outcome.ok) {
        const m = outcome.metaflow;
        notes.add(`${describeMetaflow(m)} (from ${s.python})`);
        v = { config: withMetaflowValues(config, m.config, metaflowName(m)), registeredTypes: m.types, registeredBy: metaflowName(m) };
      } else warnings.add(`--python ${s.python}: ${outcome.reason}; checking against open-source Metaflow's backend types and the config files instead`);
    }
    views.set(dir, v);
    return v;
  };
  /** Files whose sources go to the backends, with their text for the second analysis. */
  const online = new Map<string, string>();
  let checked = 0;

  const analyse = async (file: string, text: string, withResolved: boolean): Promise<SuppressionOutcome> => {
    const view = await viewFor(path.dirname(file));
    const config = view.config;
    for (const p of config.problems) warnings.add(p);
    // In slices: Ctrl-C stops a long parse at once, not when it ends.
    const parsed = await parseInterruptibly(parser, text, CLI_PARSE_BUDGET_MS, s.signal);
    if (!parsed.tree) return { findings: parsed.stopped === 'budget' ? [budgetFinding(parseTimeReason(CLI_PARSE_BUDGET_MS))] : [], suppressed: [] };
    const docTree = parsed.tree;
    const trees: SyntaxTree[] = [];
    try {
      // As in the editor: an unclosed bracket that swallows the rest of the file is closed for the
      // model, and regions nested too deeply are left out with a finding.
      const run = (withLeaks: boolean) => {
        const g = analyzeDocument(parser, text, docTree, {
          config,
          external: index.externalFor(file),
          extraTypes: s.extraTypes,
          registeredTypes: view.registeredTypes,
          registeredBy: view.registeredBy,
          resolvedNames: withResolved && s.online ? s.online.namesLookup(config) : undefined,
          leaks: withLeaks ? { severity: s.leakSeverity, conservative: s.conservativeLeaks } : undefined,
        });
        if (g.ownsTree) trees.push(g.tree);
        return g.analysis;
      };
      // Online, leaks need the names the backends return: files with sources to resolve wait for the second pass.
      if (!withResolved && s.online) {
        const first = run(false);
        if (s.online.wants(first)) {
          online.set(file, text);
          s.online.collect(first, config);
          return { findings: [], suppressed: [] };
        }
      }
      const analysis = run(true);
      const backend = withResolved && s.online ? s.online.findings(analysis, config) : [];
      const outcome = applySuppressions(text, docTree, dedupe([...analysis.findings, ...backend]), { levels: s.ruleLevels, ruleRan: ruleRanFor(s) });
      return { findings: sortFindings(outcome.findings), suppressed: sortFindings(outcome.suppressed) };
    } finally {
      for (const t of trees) t.delete();
      docTree.delete();
    }
  };

  /** One file's findings; a file the checker cannot handle is a finding on it, and the run goes on. */
  const analyseSafely = async (file: string, text: string, withResolved: boolean): Promise<SuppressionOutcome> => {
    try {
      return await analyse(file, text, withResolved);
    } catch (e) {
      const what = e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e);
      return { findings: [finding('MFS092', FILE_START, `This file could not be analysed (${what}); its @secrets were not checked.`)], suppressed: [] };
    }
  };

  for (let i = 0; i < files.length; i++) {
    if (s.signal?.aborted) break;
    const file = files[i];
    const src = readSource(file, explicit.has(file));
    if (src && 'finding' in src) {
      reports.set(file, { findings: [src.finding], suppressed: [] });
      checked++;
    } else if (src) {
      const outcome = await analyseSafely(file, src.text, false);
      // Interrupted while this file was parsed: it was not checked.
      if (s.signal?.aborted) break;
      reports.set(file, outcome);
      checked++;
    }
    s.onProgress?.('analysing', i + 1, files.length);
    // Let SIGINT and progress output through after every file (each is bounded by the parse budget).
    await new Promise((r) => setImmediate(r));
  }

  let sourcesResolved = 0;
  let sourcesFailed = 0;
  // Even when interrupted: cancelled answers add nothing, and the static findings are still reported.
  if (s.online && online.size > 0) {
    const r = await s.online.resolveAll(s.signal, (done, total) => s.onProgress?.('resolving', done, total));
    sourcesResolved = r.asked;
    sourcesFailed = r.failed;
    for (const [file, text] of online) reports.set(file, await analyseSafely(file, text, true));
  }

  return {
    reports: [...reports.entries()].map(([file, o]) => ({ file, findings: o.findings, suppressed: o.suppressed })).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    filesChecked: checked,
    warnings: [...warnings],
    notes: [...notes],
    sourcesResolved,
    sourcesFailed,
  };
}

/** A file's text, a finding saying why it is not analysed, or undefined for a file that cannot matter. */
type Source = { text: string } | { finding: Finding } | undefined;

function readSource(file: string, explicit: boolean): Source {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    // Not even read: the budget is on characters, and a file this large exceeds it in any encoding.
    if (size > MAX_FILE_BYTES) return { finding: budgetFinding(`it is ${(size / 1024 / 1024).toFixed(1)} MiB, more than the ${MAX_FILE_BYTES / 1024 / 1024} MiB checked`) };
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // Never a silent pass: the file was selected, and nothing of it was checked.
    return { finding: finding('MFS092', FILE_START, `This file could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); its @secrets were not checked.`) };
  }
  const limit = unanalysableContent(text);
  if (limit) return explicit || MAY_MATTER.test(text) ? { finding: budgetFinding(limit) } : undefined;
  if (!explicit && !MAY_MATTER.test(text)) return undefined;
  return { text };
}

const BACKEND_CODES = new Set(BACKEND_RULES.map((r) => r.code));
const LEAK_CODES = new Set(LEAK_RULES.map((r) => r.code));

/** Backend rules run only online, leak rules only with the leak analysis on: else no suppression of theirs is "unused". */
function ruleRanFor(s: CheckSettings): (code: string) => boolean {
  return (code) => (BACKEND_CODES.has(code) ? !!s.online : LEAK_CODES.has(code) ? s.leakSeverity !== 'off' : true);
}

function sortFindings<T extends Finding>(f: T[]): T[] {
  return f.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
