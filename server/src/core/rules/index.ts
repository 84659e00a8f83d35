import { RuleInfo, Severity } from './ruleTypes';
import { STATIC_RULES } from './staticRules';
import { BACKEND_RULES } from './backendRules';
import { LEAK_RULES } from './leakRules';
import { ANALYSIS_LIMIT_RULES } from './analysisLimitRules';
import { SUPPRESSION_RULES } from './suppressionRules';

export { RuleInfo, Severity };

/** The one table of rules: diagnostics, SARIF metadata and the README's list all come from it. */
export const ALL_RULES: readonly RuleInfo[] = [...STATIC_RULES, ...BACKEND_RULES, ...LEAK_RULES, ...SUPPRESSION_RULES, ...ANALYSIS_LIMIT_RULES];

const byCode = new Map(ALL_RULES.map((r) => [r.code, r]));

export function rule(code: string): RuleInfo {
  const r = byCode.get(code);
  if (!r) throw new Error(`unknown rule ${code}`);
  return r;
}

/** A rule by its code (`MFS050`) or its name (`secret-in-log`), as settings and `--rule` accept them. */
export function ruleByCodeOrName(key: string): RuleInfo | undefined {
  return byCode.get(key.toUpperCase()) ?? ALL_RULES.find((r) => r.name === key);
}
