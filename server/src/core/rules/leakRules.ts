import { RuleInfo } from './ruleTypes';

// Rules of the leak dataflow analysis. Filled by the leak-detection work.
export const LEAK_RULES: RuleInfo[] = [];
