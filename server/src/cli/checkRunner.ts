import * as fs from 'fs';
import * as path from 'path';
import { analyzeTree, dedupe, treeForModel } from '../core/analyzer';
import { Finding } from '../core/findings';
import { BACKEND_RULES } from '../core/rules/backendRules';
import { LEAK_RULES } from '../core/rules/leakRules';
import { RuleLevels } from '../core/ruleLevels';
import { Severity } from '../core/rules';
import { applySuppressions, SuppressedFinding, SuppressionOutcome } from '../core/suppressions';
import { looksBinary, PythonParser } from '../core/parser';
import { ConfigProvider } from '../lsp/configProvider';
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
  /** Things worth a line on stderr: unreadable files, broken Metaflow config files. */
  warnings: string[];
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
  /** Severity of every leak finding, or 'off' (the editor's `leaks.severity` setting). */
  leakSeverity: Severity | 'off';
  conservativeLeaks: boolean;
  /** Per-rule levels (`--rule`), applied with the suppression comments. */
  ruleLevels?: RuleLevels;
  /** Absent: offline, static checks only. */
  online?: OnlineChecker;
  onProgress?: (phase: 'analysing' | 'resolving', done: number, total: number) => void;
  signal?: AbortSignal;
}

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
  const reports = new Map<string, SuppressionOutcome>();
  /** Files whose sources go to the backends, with their text for the second analysis. */
  const online = new Map<string, string>();
  let checked = 0;

  const analyse = (file: string, text: string, withResolved: boolean): SuppressionOutcome => {
    const config = configs.forDirectory(path.dirname(file));
    for (const p of config.problems) warnings.add(p);
    const docTree = parser.parse(text);
    // As in the editor: an unclosed bracket that swallows the rest of the file is closed for the model.
    const tree = treeForModel(parser, text, docTree);
    try {
      const run = (withLeaks: boolean) =>
        analyzeTree(tree, {
          config,
          external: index.externalFor(file),
          extraTypes: s.extraTypes,
          resolvedNames: withResolved && s.online ? s.online.namesLookup(config) : undefined,
          leaks: withLeaks ? { severity: s.leakSeverity, conservative: s.conservativeLeaks } : undefined,
        });
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
      if (tree !== docTree) tree.delete();
      docTree.delete();
    }
  };

  for (let i = 0; i < files.length; i++) {
    if (s.signal?.aborted) break;
    const file = files[i];
    const text = readSource(file, explicit.has(file), warnings);
    if (text !== undefined) {
      reports.set(file, analyse(file, text, false));
      checked++;
    }
    s.onProgress?.('analysing', i + 1, files.length);
    // Let SIGINT and progress output through on large trees.
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }

  let sourcesResolved = 0;
  let sourcesFailed = 0;
  // Even when interrupted: cancelled answers add nothing, and the static findings are still reported.
  if (s.online && online.size > 0) {
    const r = await s.online.resolveAll(s.signal, (done, total) => s.onProgress?.('resolving', done, total));
    sourcesResolved = r.asked;
    sourcesFailed = r.failed;
    for (const [file, text] of online) reports.set(file, analyse(file, text, true));
  }

  return {
    reports: [...reports.entries()].map(([file, o]) => ({ file, findings: o.findings, suppressed: o.suppressed })).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    filesChecked: checked,
    warnings: [...warnings],
    sourcesResolved,
    sourcesFailed,
  };
}

function readSource(file: string, explicit: boolean, warnings: Set<string>): string | undefined {
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_FILE_BYTES) {
      warnings.add(`${file}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB, not checked`);
      return undefined;
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    warnings.add(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  }
  if (looksBinary(text)) {
    if (explicit) warnings.add(`${file}: binary file, not checked`);
    return undefined;
  }
  if (!explicit && !MAY_MATTER.test(text)) return undefined;
  return text;
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
