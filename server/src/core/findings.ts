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

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  isPreferred?: boolean;
}

/** What the core reports: an LSP diagnostic, a CLI line or a SARIF result, before adaptation. */
export interface Finding {
  code: string;
  severity: Severity;
  range: Range;
  message: string;
  related?: RelatedLocation[];
  fixes?: QuickFix[];
  unnecessary?: boolean;
}

export function finding(
  code: string,
  range: Range,
  message: string,
  extra: Partial<Omit<Finding, 'code' | 'range' | 'message'>> = {},
): Finding {
  return { code, severity: rule(code).severity, range, message, ...extra };
}
