import { Finding } from '../core/findings';
import { rule } from '../core/rules';
import { FileReport } from './checkRunner';
import { displayPath, relatedFile } from './reportPaths';

/** Findings as JSON for scripts: 1-based positions, paths as in the text report. */
export function jsonReport(reports: readonly FileReport[], cwd: string, toolVersion: string): string {
  const entry = (r: FileReport, f: Finding) => ({
    file: displayPath(r.file, cwd),
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.character + 1,
    severity: f.severity,
    code: f.code,
    rule: rule(f.code).name,
    message: f.message,
    related: (f.related ?? []).map((x) => ({
      file: displayPath(relatedFile(x, r.file), cwd),
      line: x.range.start.line + 1,
      column: x.range.start.character + 1,
      message: x.message,
    })),
  });
  const findings = reports.flatMap((r) => r.findings.map((f) => entry(r, f)));
  // Silenced findings are listed apart, marked, so scripts that read `findings` see only what counts.
  const suppressed = reports.flatMap((r) => [
    ...r.suppressed.map((f) => ({
      ...entry(r, f),
      suppression: { kind: 'comment', scope: f.suppression.scope, directive: f.suppression.text, line: f.suppression.range.start.line + 1 },
    })),
    ...(r.baselined ?? []).map((f) => ({ ...entry(r, f), suppression: { kind: 'baseline' } })),
  ]);
  return JSON.stringify({ tool: 'metaflow-secrets', version: toolVersion, findings, suppressed }, null, 2) + '\n';
}
