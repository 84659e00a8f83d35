import { RuleInfo } from './ruleTypes';

// Rules that need a backend's answer (existence, access, content). Filled by the backends work.
export const BACKEND_RULES: RuleInfo[] = [];
