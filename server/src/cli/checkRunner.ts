import * as fs from 'fs';
import * as path from 'path';
import { Finding, finding } from '../core/findings';
import { NonSecretKeys } from '../core/leaks';
import { RuleLevels } from '../core/ruleLevels';
import { Severity } from '../core/rules';
import { SuppressedFinding, SuppressionOutcome } from '../core/suppressions';
import { budgetFinding, CLI_PARSE_BUDGET_MS, parseInterruptibly, parseTimeReason, unanalysableContent } from '../core/parseBudget';
import { PythonParser, SyntaxTree } from '../core/parser';
import { Range } from '../core/positions';
import { AnalyseOptions, AnalysisSession, BackendAnswers } from '../session/analysisSession';
import { MAX_SOURCE_BYTES, mayHoldFlow, tooLargeReason } from '../session/analysisLimits';
import { OnlineChecker } from './onlineChecker';
import { ProbedViews } from './probedViews';

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
  /** Keys declared not secret (`--non-secret-keys`). */
  nonSecretKeys?: NonSecretKeys;
  /** Absent: offline, static checks only. */
  online?: OnlineChecker;
  onProgress?: (phase: 'analysing' | 'resolving', done: number, total: number) => void;
  signal?: AbortSignal;
}

const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Checks files like the editor does: static @secrets checks with Metaflow's configuration for each
 * file's directory and cross-file constants, the leak analysis, and (online) each source resolved
 * through its backend, after which the file is analysed again with the names the backends returned.
 */
export async function checkFiles(files: readonly string[], explicit: ReadonlySet<string>, s: CheckSettings): Promise<CheckResult> {
  const parser = await PythonParser.create();
  const warnings = new Set<string>();
  const notes = new Set<string>();
  const views = new ProbedViews(s.python, s.env, { notes, warnings });
  // indexMaxFiles 0: no background indexing; modules are read only when a checked file imports them.
  const session = new AnalysisSession({ parser, env: s.env, indexMaxFiles: 0, views });
  session.configure({
    extraBackendTypes: s.extraTypes,
    leaks: { severity: s.leakSeverity, conservative: s.conservativeLeaks, nonSecretKeys: s.nonSecretKeys },
    ruleLevels: s.ruleLevels ?? new Map(),
    metaflowConfig: {},
  });
  await session.index.indexFolders(s.roots);
  const answers: BackendAnswers | undefined = s.online && {
    namesLookup: (config) => s.online!.namesLookup(config),
    findingsFor: (analysis, config) => s.online!.findings(analysis, config),
    rulesRan: true,
  };

  const reports = new Map<string, SuppressionOutcome>();
  /** Files whose sources go to the backends, with their text for the second analysis. */
  const online = new Map<string, string>();
  let checked = 0;

  const analyse = async (file: string, text: string, withResolved: boolean): Promise<SuppressionOutcome> => {
    const dir = path.dirname(file);
    await views.prepare(dir, session.configs.forDirectory(dir));
    for (const p of session.viewFor(dir).config.problems) warnings.add(p);
    // In slices: Ctrl-C stops a long parse at once, not when it ends.
    const parsed = await parseInterruptibly(parser, text, CLI_PARSE_BUDGET_MS, s.signal);
    if (!parsed.tree) return { findings: parsed.stopped === 'budget' ? [budgetFinding(parseTimeReason(CLI_PARSE_BUDGET_MS))] : [], suppressed: [] };
    const docTree = parsed.tree;
    const doc = { key: file, file, text, tree: docTree };
    const trees: SyntaxTree[] = [];
    const run = (o: AnalyseOptions) => {
      const r = session.analyse(doc, o);
      if (r.ownsTree) trees.push(r.tree);
      return r;
    };
    try {
      // Online, leaks need the names the backends return: files with sources to resolve wait for the second pass.
      if (!withResolved && s.online) {
        const first = run({ withLeaks: false }).analysis;
        if (s.online.wants(first)) {
          online.set(file, text);
          s.online.collect(first, session.viewFor(dir).config);
          return { findings: [], suppressed: [] };
        }
      }
      const r = run({ backends: answers });
      return { findings: sortFindings(r.findings), suppressed: sortFindings(r.suppressed) };
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
    reports: [...reports.entries()]
      .map(([file, o]) => ({ file, findings: o.findings, suppressed: o.suppressed }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
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
    if (size > MAX_SOURCE_BYTES) return { finding: budgetFinding(tooLargeReason(size)) };
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // Never a silent pass: the file was selected, and nothing of it was checked.
    return {
      finding: finding(
        'MFS092',
        FILE_START,
        `This file could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); its @secrets were not checked.`,
      ),
    };
  }
  const limit = unanalysableContent(text);
  if (limit) return explicit || mayHoldFlow(text) ? { finding: budgetFinding(limit) } : undefined;
  if (!explicit && !mayHoldFlow(text)) return undefined;
  return { text };
}

function sortFindings<T extends Finding>(f: T[]): T[] {
  return f.sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
