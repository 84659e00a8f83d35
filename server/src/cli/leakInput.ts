import { DocumentAnalysis } from '../core/analyzer';
import { StepModel } from '../core/flowModel';
import { LeakInput, SecretNames } from '../core/leaks';
import { SyntaxTree } from '../core/parser';

/**
 * What the leak analysis needs from the static analysis: for each step with @secrets, the
 * variable names its sources inject (from literals, or from the backends once resolved), and
 * whether that list is complete. @environment variables are not secrets and are left out.
 */
export function leakInputFor(tree: SyntaxTree, analysis: DocumentAnalysis, conservative: boolean): LeakInput {
  const byStep = new Map<StepModel, SecretNames>();
  for (const s of analysis.secrets.steps) {
    const names = new Set<string>();
    let complete = !s.dynamic;
    for (const src of s.sources) {
      if (src.names.known) src.names.names.forEach((n) => names.add(n));
      else complete = false;
    }
    byStep.set(s.step, { names, complete });
  }
  return {
    tree,
    model: analysis.model,
    secretNamesForStep: (step) => byStep.get(step),
    conservative,
  };
}
