import { FileReport } from './checkRunner';
import { displayPath, oneLine } from './reportPaths';

/** `file:line:col: severity code message`, 1-based, one finding a line (the format editors and CI logs link). */
export function textReport(reports: readonly FileReport[], cwd: string): string {
  const lines: string[] = [];
  for (const r of reports) {
    const file = displayPath(r.file, cwd);
    for (const f of r.findings) {
      lines.push(`${file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.code} ${oneLine(f.message)}`);
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
