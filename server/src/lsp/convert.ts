import { CodeAction, CodeActionKind, Diagnostic, DiagnosticSeverity, DiagnosticTag, TextEdit } from 'vscode-languageserver/node';
import { EditorCommands } from '../../../shared/protocol';
import { Finding } from '../core/findings';
import { messageParts } from '../core/messageParts';
import { Severity } from '../core/rules';

export const SOURCE = 'metaflow-secrets';

export function toSeverity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'information':
      return DiagnosticSeverity.Information;
    default:
      return DiagnosticSeverity.Hint;
  }
}

/**
 * A core finding as an LSP diagnostic; related locations in this document get its uri. The
 * Problems row is the message's headline; the explanation is the first related entry, at the
 * finding itself, so the hover and the expanded row still carry the whole text.
 */
export function toDiagnostic(f: Finding, uri: string): Diagnostic {
  const parts = messageParts(f);
  const d: Diagnostic = {
    range: f.range,
    severity: toSeverity(f.severity),
    code: f.code,
    source: SOURCE,
    message: parts.headline,
  };
  const related = [
    ...(parts.detail ? [{ location: { uri, range: f.range }, message: parts.detail }] : []),
    ...(f.related ?? []).map((r) => ({ location: { uri: r.uri ?? uri, range: r.range }, message: r.message })),
  ];
  if (related.length) d.relatedInformation = related;
  if (f.unnecessary) d.tags = [DiagnosticTag.Unnecessary];
  return d;
}

/** The quick fixes of a finding, as code actions bound to its diagnostic. */
export function toCodeActions(f: Finding, uri: string, diagnostic: Diagnostic): CodeAction[] {
  return (f.fixes ?? []).map((fix) => ({
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred: fix.isPreferred,
    ...(fix.edits.length ? { edit: { changes: { [uri]: fix.edits.map((e) => TextEdit.replace(e.range, e.newText)) } } } : {}),
    ...(fix.action ? { command: { title: fix.title, command: EditorCommands[fix.action], arguments: [uri, ...(fix.actionArgs ?? [])] } } : {}),
  }));
}
