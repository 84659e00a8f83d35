export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** One entry of the rule table: feeds diagnostics, SARIF rule metadata and the README's list. */
export interface RuleInfo {
  code: string;
  /** Short kebab-case name, stable, used in settings and SARIF. */
  name: string;
  severity: Severity;
  /** One line: what the rule finds. */
  title: string;
  /** Why it matters, in words a Metaflow user understands. */
  explanation: string;
}
