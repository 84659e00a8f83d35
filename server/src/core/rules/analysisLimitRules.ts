import { RuleInfo } from './ruleTypes';

// Findings about the analysis itself: parts of a document it had to leave out, so that a hostile
// or broken file never silently passes and never stops the rest of the workspace being checked.
export const ANALYSIS_LIMIT_RULES: RuleInfo[] = [
  {
    code: 'MFS090',
    name: 'too-deeply-nested',
    severity: 'warning',
    title: 'Code nested too deeply to analyse',
    explanation:
      'An expression or block nested hundreds of levels deep (CPython itself refuses more than 200 nested brackets) is left out of the checks; the rest of the file is checked as usual. Secrets used inside it are not followed.',
  },
  {
    code: 'MFS091',
    name: 'too-large-to-analyse',
    severity: 'warning',
    title: 'File too large or too broken to analyse fully',
    explanation:
      'The file exceeded the size or time budget for parsing (a huge single line, thousands of unclosed brackets, binary content). It is checked only as far as the budget allowed, so the editor stays responsive.',
  },
  {
    code: 'MFS092',
    name: 'analysis-failed',
    severity: 'error',
    title: 'File could not be analysed',
    explanation:
      'The analysis of this file stopped with an internal error; its @secrets were not checked. The other files are checked as usual. Please report the message with the file if you can.',
  },
];
