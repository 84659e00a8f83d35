import { RuleInfo } from './ruleTypes';

// Rules about the tool's own suppression comments (server/src/core/suppressions.ts).
export const SUPPRESSION_RULES: RuleInfo[] = [
  {
    code: 'MFS080',
    name: 'unused-suppression',
    severity: 'information',
    title: 'A suppression comment silences nothing',
    explanation:
      "A `# noqa: MFS...` or `# metaflow-secrets: ignore[...]` comment names a code that is not reported on that line (or, for ignore-file, anywhere in the file), or a code this tool does not have. A stale suppression would hide the next real finding there. Only this tool's MFS codes are checked: other tools' codes and a bare `# noqa` are left alone.",
  },
];
