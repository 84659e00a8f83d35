import { RuleInfo, Severity } from './ruleTypes';
import { STATIC_RULES } from './staticRules';
import { BACKEND_RULES } from './backendRules';
import { LEAK_RULES } from './leakRules';
import { ANALYSIS_LIMIT_RULES } from './analysisLimitRules';

export { RuleInfo, Severity };

/** The one table of rules: diagnostics, SARIF metadata and the README's list all come from it. */
export const ALL_RULES: readonly RuleInfo[] = [...STATIC_RULES, ...BACKEND_RULES, ...LEAK_RULES, ...ANALYSIS_LIMIT_RULES];

const byCode = new Map(ALL_RULES.map((r) => [r.code, r]));

export function rule(code: string): RuleInfo {
  const r = byCode.get(code);
  if (!r) throw new Error(`unknown rule ${code}`);
  return r;
}
