import { ServerSettings } from '../../../shared/protocol';
import { Finding } from '../core/findings';
import { SyntaxTree } from '../core/parser';
import { parseRuleLevels, RuleLevels } from '../core/ruleLevels';
import { BACKEND_RULES } from '../core/rules/backendRules';
import { LEAK_RULES } from '../core/rules/leakRules';
import { applySuppressions, SuppressionOutcome } from '../core/suppressions';
import { Logger } from './logger';

const BACKEND_CODES = new Set(BACKEND_RULES.map((r) => r.code));
const LEAK_CODES = new Set(LEAK_RULES.map((r) => r.code));

/**
 * The editor's side of suppressions: `metaflowSecrets.rules` parsed once per change (its problems
 * logged once), then the same core step the CLI runs.
 */
export class EditorSuppressions {
  private key = '';
  private levels: RuleLevels = new Map();

  constructor(private readonly log: Logger) {}

  apply(text: string, tree: SyntaxTree, findings: readonly Finding[], settings: ServerSettings): SuppressionOutcome {
    const key = JSON.stringify(settings.rules ?? {});
    if (key !== this.key) {
      this.key = key;
      const parsed = parseRuleLevels(settings.rules);
      this.levels = parsed.levels;
      for (const p of parsed.problems) this.log.warn(`metaflowSecrets.rules: ${p}; ignored`);
    }
    return applySuppressions(text, tree, findings, {
      levels: this.levels,
      // Backend answers arrive later and depend on credentials: their suppressions are never called unused here.
      ruleRan: (code) => !BACKEND_CODES.has(code) && (!LEAK_CODES.has(code) || settings.leaks.severity !== 'off'),
    });
  }
}
