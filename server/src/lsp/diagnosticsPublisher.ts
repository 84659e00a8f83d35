import { Connection, Diagnostic } from 'vscode-languageserver/node';
import { Finding, finding } from '../core/findings';
import { budgetFinding } from '../core/parseBudget';
import { ConfigFileDiagnostics } from './configFileDiagnostics';
import { toDiagnostic } from './convert';
import { DocumentAnalyses } from './documentAnalyses';
import { DocumentState } from './documentStore';
import { Logger } from './logger';
import { isLaunchJson } from './uris';

export interface PublisherDeps {
  connection: Connection;
  log: Logger;
  analyses: DocumentAnalyses;
  configFiles: ConfigFileDiagnostics;
  /** The findings of a launch.json (its `--with secrets:` arguments); undefined until the server is ready. */
  checkLaunchJson: (d: DocumentState) => Finding[] | undefined;
}

const FILE_START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Sends each document's diagnostics: its analysis, the one finding that says why it is not
 * analysed, or the failure of a rule, never stale ones; and nothing when an analysis caused by
 * something else finds what was already sent for that version.
 */
export class DiagnosticsPublisher {
  private readonly published = new Map<string, { version: number; key: string }>();

  constructor(private readonly deps: PublisherDeps) {}

  publish(d: DocumentState): void {
    const { analyses, configFiles, log } = this.deps;
    try {
      if (isLaunchJson(d.uri)) {
        const findings = this.deps.checkLaunchJson(d);
        if (findings)
          this.send(
            d,
            findings.map((f) => toDiagnostic(f, d.uri)),
          );
        return;
      }
      const a = analyses.analyse(d);
      if (a) {
        this.send(d, a.diagnostics);
        configFiles.update(a.config.files);
      } else if (d.limit) {
        // Too large, binary or over the parse budget: one diagnostic says so, nothing stale stays.
        analyses.forget(d.uri);
        this.send(d, [toDiagnostic(budgetFinding(d.limit), d.uri)]);
      }
    } catch (e) {
      // A bug in one rule must not take the server down or leave stale diagnostics.
      log.error(`Analysis of ${d.uri} failed: ${(e as Error).stack ?? e}`);
      const failed = finding(
        'MFS092',
        FILE_START,
        `This file could not be analysed (${(e as Error)?.name ?? 'Error'}); its @secrets were not checked. See the Metaflow Secrets output for details.`,
      );
      this.send(d, [toDiagnostic(failed, d.uri)]);
    }
  }

  /** A document that is not Python source at all: said once, at open. */
  binary(d: DocumentState): void {
    this.send(d, [toDiagnostic(budgetFinding('it holds binary content, not Python source'), d.uri)]);
  }

  closed(uri: string): void {
    this.published.delete(uri);
    void this.deps.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private send(d: DocumentState, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    const last = this.published.get(d.uri);
    if (last && last.version === d.version && last.key === key) return;
    this.published.set(d.uri, { version: d.version, key });
    void this.deps.connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics });
  }
}
