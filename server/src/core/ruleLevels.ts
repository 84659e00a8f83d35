import { ruleByCodeOrName, Severity } from './rules';

/** What a user may set a rule to: a severity, or off (not reported at all). */
export type RuleLevel = Severity | 'off';
export const RULE_LEVELS: readonly RuleLevel[] = ['error', 'warning', 'information', 'hint', 'off'];

/** Per-rule levels by code, from the editor's `metaflowSecrets.rules` or the CLI's `--rule`. */
export type RuleLevels = ReadonlyMap<string, RuleLevel>;

/**
 * Validates `{ "MFS050": "off", "secret-in-artifact": "error" }`: keys are codes or rule names.
 * Entries that cannot be used are left out and described in `problems` (no entry is guessed).
 */
export function parseRuleLevels(raw: unknown): { levels: Map<string, RuleLevel>; problems: string[] } {
  const levels = new Map<string, RuleLevel>();
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { levels, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('rules must be an object of code or rule name → level');
    return { levels, problems };
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const r = ruleByCodeOrName(key);
    if (!r) {
      problems.push(`unknown rule '${key}'`);
      continue;
    }
    if (typeof value !== 'string' || !RULE_LEVELS.includes(value as RuleLevel)) {
      problems.push(`rule ${key}: level must be one of ${RULE_LEVELS.join(', ')} (got ${JSON.stringify(value)})`);
      continue;
    }
    levels.set(r.code, value as RuleLevel);
  }
  return { levels, problems };
}

/** `CODE=LEVEL` or `rule-name=LEVEL`, as the CLI's `--rule` takes it. */
export function parseRuleOption(text: string): { code: string; level: RuleLevel } | { error: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) return { error: `expected CODE=LEVEL, e.g. MFS050=off (got '${text}')` };
  const key = text.slice(0, eq).trim();
  const { levels, problems } = parseRuleLevels({ [key]: text.slice(eq + 1).trim() });
  if (problems.length) return { error: problems.join('; ') };
  const [code, level] = [...levels][0];
  return { code, level };
}
