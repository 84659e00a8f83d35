import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { CodeAction, Diagnostic } from 'vscode-languageserver/node';
import { configFileFindings } from '../core/configFileChecks';
import { Finding } from '../core/findings';
import { rangesEqual } from '../core/positions';
import { toCodeActions, toDiagnostic } from './convert';

/** Config files are small; anything larger is not a Metaflow config and is not read for this. */
const MAX_CONFIG_BYTES = 1_000_000;

/**
 * Diagnostics inside the Metaflow config files a flow's configuration was read from (whether or
 * not they are open): a misnamed key is marked where it is written. Republished only on change.
 */
export class ConfigFileDiagnostics {
  private readonly published = new Map<string, { key: string; findings: Finding[] }>();

  constructor(private readonly send: (uri: string, diagnostics: Diagnostic[]) => void) {}

  /** Re-reads `files` (the ones a configuration consulted) and publishes what changed. */
  update(files: readonly string[]): void {
    for (const file of files) {
      const text = readSmall(file);
      const findings = text === undefined ? [] : configFileFindings(text, file);
      const key = JSON.stringify(findings);
      const uri = pathToFileURL(file).toString();
      if (this.published.get(uri)?.key === key) continue;
      if (findings.length === 0 && !this.published.has(uri)) continue;
      this.published.set(uri, { key, findings });
      this.send(
        uri,
        findings.map((f) => toDiagnostic(f, uri)),
      );
    }
  }

  /** Quick fixes for a config file's diagnostics (the file is not a document the server analyses). */
  codeActions(uri: string, diagnostics: Diagnostic[]): CodeAction[] | undefined {
    const entry = this.published.get(uri);
    if (!entry) return undefined;
    const out: CodeAction[] = [];
    for (const f of entry.findings) {
      const d = diagnostics.find((x) => x.code === f.code && rangesEqual(x.range, f.range));
      if (d) out.push(...toCodeActions(f, uri, d));
    }
    return out;
  }
}

function readSmall(file: string): string | undefined {
  try {
    if (fs.statSync(file).size > MAX_CONFIG_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
