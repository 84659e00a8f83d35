import { Range } from './positions';
import { rule, Severity } from './rules';

export interface RelatedLocation {
  /** Absent: the same document as the finding. */
  uri?: string;
  range: Range;
  message: string;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** Fixes that are not text edits; each adapter maps them to what it can offer (the CLI: none). */
export type EditorAction = 'set-default-backend-type';

export interface QuickFix {
  title: string;
  /** Edits to this document (may be empty when the fix is a command). */
  edits: TextEdit[];
  isPreferred?: boolean;
  /** A fix the editor completes outside this document (asking the user, writing a setting). */
  action?: EditorAction;
  /** What the analysis knows that the action needs (e.g. the config file Metaflow reads); passed after the document's URI. */
  actionArgs?: string[];
}

/** What the core reports: an LSP diagnostic, a CLI line or a SARIF result, before adaptation. */
export interface Finding {
  code: string;
  severity: Severity;
  range: Range;
  /**
   * The whole statement (the CLI prints it). An editor leads with its first sentence and keeps
   * the rest as detail: see messageParts.
   */
  message: string;
  /** The Problems row when the message's first sentence is not a short statement by itself. */
  summary?: string;
  related?: RelatedLocation[];
  fixes?: QuickFix[];
  unnecessary?: boolean;
}

export function finding(code: string, range: Range, message: string, extra: Partial<Omit<Finding, 'code' | 'range' | 'message'>> = {}): Finding {
  return { code, severity: rule(code).severity, range, message, ...extra };
}
