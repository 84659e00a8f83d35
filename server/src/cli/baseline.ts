import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Finding } from '../core/findings';
import { FileReport } from './checkRunner';

/**
 * A baseline: the findings a code base already had when the checker was adopted, so CI fails only
 * on new ones. A finding is matched by rule, file (relative to the repository root) and a content
 * fingerprint — the whitespace-normalised text of its lines plus its message without line numbers —
 * so edits elsewhere in the file, which shift lines, do not bring it back.
 *
 * The file holds the fingerprint (a hash), never the line's text: a line may hold an inline value.
 */
export interface BaselineEntry {
  file: string;
  rule: string;
  fingerprint: string;
  /** For a reviewer reading the baseline's diff; findings' messages never hold values. */
  message: string;
  /** Identical findings in one file (the same line repeated): each new copy is a new finding. */
  count: number;
}

export interface BaselineFile {
  tool: 'metaflow-secrets';
  version: 1;
  findings: BaselineEntry[];
}

export class BaselineError extends Error {}

/** Lines a fingerprint reads: enough to tell findings apart, few enough that an edit nearby does not count. */
const MAX_LINES = 5;

/** The repository root (the nearest directory with `.git`), else `cwd`: baseline paths are relative to it. */
export function baselineRoot(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(cwd);
  }
}

function relativeFile(file: string, root: string): string {
  const rel = path.relative(root, file);
  return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
}

/** Messages carry no positions today; any that would ("line 12", ":12:3") must not break matching. */
function messageWithoutLines(message: string): string {
  return message.replace(/\blines? \d+(?:\s*[-–]\s*\d+)?/g, 'line').replace(/:\d+(?::\d+)?\b/g, '');
}

export function fingerprint(f: Finding, lines: readonly string[]): string {
  const text: string[] = [];
  for (let l = f.range.start.line; l <= Math.min(f.range.end.line, f.range.start.line + MAX_LINES - 1); l++) {
    text.push((lines[l] ?? '').replace(/\s+/g, ' ').trim());
  }
  return createHash('sha256')
    .update(`${f.code}\0${text.join('\n')}\0${messageWithoutLines(f.message)}`)
    .digest('hex')
    .slice(0, 32);
}

function keyed(
  reports: readonly FileReport[],
  root: string,
  each: (key: string, entry: Omit<BaselineEntry, 'count'>, f: Finding, r: FileReport) => void,
): void {
  for (const r of reports) {
    if (r.findings.length === 0) continue;
    let lines: string[];
    try {
      lines = fs.readFileSync(r.file, 'utf8').split(/\r\n|\r|\n/);
    } catch {
      lines = [];
    }
    const file = relativeFile(r.file, root);
    for (const f of r.findings) {
      const entry = { file, rule: f.code, fingerprint: fingerprint(f, lines), message: messageWithoutLines(f.message) };
      each(`${entry.file}\0${entry.rule}\0${entry.fingerprint}`, entry, f, r);
    }
  }
}

/** The baseline of these reports as JSON, in a stable order (file, rule, fingerprint) so its diffs stay small. */
export function baselineJson(reports: readonly FileReport[], root: string): { json: string; count: number } {
  const entries = new Map<string, BaselineEntry>();
  let count = 0;
  keyed(reports, root, (key, entry) => {
    count++;
    const e = entries.get(key);
    if (e) e.count++;
    else entries.set(key, { ...entry, count: 1 });
  });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const findings = [...entries.values()].sort((a, b) => cmp(a.file, b.file) || cmp(a.rule, b.rule) || cmp(a.fingerprint, b.fingerprint));
  const file: BaselineFile = { tool: 'metaflow-secrets', version: 1, findings };
  return { json: JSON.stringify(file, null, 2) + '\n', count };
}

/** Reads and checks a baseline; `shown` is the path as the user wrote it, for messages. */
export function readBaseline(file: string, shown = file): BaselineFile {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BaselineError(`--baseline: cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const b = raw as Partial<BaselineFile>;
  if (b?.tool !== 'metaflow-secrets' || b.version !== 1 || !Array.isArray(b.findings)) {
    throw new BaselineError(`--baseline: ${shown} is not a metaflow-secrets baseline (write one with --write-baseline)`);
  }
  for (const e of b.findings) {
    if (typeof e?.file !== 'string' || typeof e.rule !== 'string' || typeof e.fingerprint !== 'string' || !(Number.isInteger(e.count) && e.count > 0)) {
      throw new BaselineError(`--baseline: ${shown} has a malformed entry: ${JSON.stringify(e)}`);
    }
  }
  return b as BaselineFile;
}

/** Moves the findings the baseline holds out of `findings` into `baselined`; the rest are new. */
export function applyBaseline(reports: readonly FileReport[], baseline: BaselineFile, root: string): { reports: FileReport[]; baselined: number } {
  const remaining = new Map<string, number>();
  for (const e of baseline.findings) {
    const key = `${e.file}\0${e.rule}\0${e.fingerprint}`;
    remaining.set(key, (remaining.get(key) ?? 0) + e.count);
  }
  const known = new Set<Finding>();
  keyed(reports, root, (key, _entry, f) => {
    const left = remaining.get(key) ?? 0;
    if (left > 0) {
      remaining.set(key, left - 1);
      known.add(f);
    }
  });
  const out = reports.map((r) => ({
    ...r,
    findings: r.findings.filter((f) => !known.has(f)),
    baselined: [...(r.baselined ?? []), ...r.findings.filter((f) => known.has(f))],
  }));
  return { reports: out, baselined: known.size };
}

/**
 * `--baseline` and `--write-baseline` for one run. Writing a baseline accepts every current
 * finding, so the run then reports none of them (and exits 0).
 */
export function baselineStep(reports: FileReport[], o: { baseline?: string; writeBaseline?: string }, cwd: string): { reports: FileReport[]; note?: string } {
  if (!o.baseline && !o.writeBaseline) return { reports };
  const root = baselineRoot(cwd);
  if (o.writeBaseline) {
    const target = path.resolve(cwd, o.writeBaseline);
    const { json, count } = baselineJson(reports, root);
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, json);
    } catch (e) {
      throw new BaselineError(`--write-baseline: cannot write ${o.writeBaseline}: ${(e as Error).message}`);
    }
    const r = applyBaseline(reports, JSON.parse(json) as BaselineFile, root);
    return { reports: r.reports, note: `wrote ${count} finding(s) to the baseline ${o.writeBaseline}` };
  }
  const r = applyBaseline(reports, readBaseline(path.resolve(cwd, o.baseline as string), o.baseline), root);
  return { reports: r.reports, note: `${r.baselined} finding(s) in the baseline not reported` };
}
