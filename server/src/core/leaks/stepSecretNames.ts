import { StepModel } from '../flowModel';
import { SecretsAnalysis } from '../secretsAnalysis';
import { NonSecretKeys } from './nonSecretKeys';
import { SecretNames } from './taintTypes';

/**
 * `LeakInput.secretNamesForStep` from the static analysis: the names each step's @secrets
 * sources inject (from literals, or from a backend once resolved). `complete` is false when a
 * source's names are unknown (dynamic sources, JSON secrets not yet resolved, unknown backend).
 * Keys declared not secret (`nonSecret`) are left out of the names and travel with them, so a
 * read of one is not assumed secret either while other keys are still unknown.
 */
export function secretNamesFromAnalysis(secrets: SecretsAnalysis, nonSecret?: NonSecretKeys): (step: StepModel) => SecretNames | undefined {
  const byStep = new Map<string, SecretNames>();
  const keys = nonSecret && nonSecret.patterns.length ? nonSecret : undefined;
  for (const s of secrets.steps) {
    const names = new Set<string>();
    const unknown: string[] = [];
    let complete = !s.dynamic;
    for (const src of s.sources) {
      if (src.names.known) src.names.names.forEach((n) => (keys?.match(n) ? undefined : names.add(n)));
      else {
        complete = false;
        unknown.push(src.spec.id);
      }
    }
    const key = `${s.step.flowName}.${s.step.name}`;
    const prev = byStep.get(key);
    // A step with two @secrets is an error already; count both decorators' names.
    byStep.set(
      key,
      prev
        ? {
            names: new Set([...prev.names, ...names]),
            complete: prev.complete && complete,
            unknownSources: [...(prev.unknownSources ?? []), ...unknown],
            nonSecret: keys,
          }
        : { names, complete, unknownSources: unknown, nonSecret: keys },
    );
  }
  return (step) => byStep.get(`${step.flowName}.${step.name}`);
}
