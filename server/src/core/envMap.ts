import { IdResolution, sanitizeKey } from './backendIds';
import { DYNAMIC, Plain, SourceSpec } from './sourceSpec';

/** The variable names one source injects, as far as they are known without asking the backend. */
export type InjectedNames = { known: true; names: string[]; from: 'literal' | 'backend' } | { known: false; why: string };

/** Names a backend reported for a spec (after resolution); values never pass through here. */
export type ResolvedNamesLookup = (spec: SourceSpec) => string[] | undefined;

function opt(spec: SourceSpec, name: string): Plain | undefined {
  return typeof spec.options === 'object' ? spec.options[name] : undefined;
}

/**
 * Which names a source sets. Literal where Metaflow's rules make them plain from the code
 * (inline env_vars, a single-variable secret's name or env_var_name); otherwise from the
 * backend's answer when there is one.
 */
export function injectedNames(spec: SourceSpec, id: IdResolution, resolved?: ResolvedNamesLookup): InjectedNames {
  const fromBackend = resolved?.(spec);
  if (fromBackend) return { known: true, names: fromBackend, from: 'backend' };
  if (spec.options === DYNAMIC) return { known: false, why: 'its options are computed at run time' };
  if (!id.ok) return { known: false, why: 'its id is invalid' };
  switch (id.backend) {
    case 'inline': {
      const vars = opt(spec, 'env_vars');
      if (vars === undefined) return { known: true, names: [], from: 'literal' };
      if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) return { known: false, why: 'env_vars is not a dict' };
      return { known: true, names: Object.keys(vars), from: 'literal' };
    }
    case 'azure':
      return { known: true, names: [id.envVarName], from: 'literal' };
    case 'gcp':
      if (id.json) return { known: false, why: 'its JSON keys are known only to the backend' };
      return { known: true, names: [id.envVarName], from: 'literal' };
    case 'aws': {
      const json = opt(spec, 'json');
      // json defaults to true: the names are the secret's JSON keys.
      if (json === undefined || !!json) return { known: false, why: 'its JSON keys are known only to the backend' };
      const envName = opt(spec, 'env_var_name');
      if (envName) return { known: true, names: [sanitizeKey(String(envName))], from: 'literal' };
      if (!spec.id.startsWith('arn:')) return { known: true, names: [sanitizeKey(spec.id)], from: 'literal' };
      return { known: false, why: 'the secret name behind the ARN is known only to the backend' };
    }
    default:
      return { known: false, why: `the ${spec.type} backend is not known to the editor` };
  }
}

/** Metaflow's `validate_env_vars` for one name: the error it raises, if any. */
export function envVarNameError(name: string): { code: 'MFS011' | 'MFS012'; message: string } | undefined {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) return { code: 'MFS011', message: `Found invalid env var name '${name}'.` };
  if (name.startsWith('METAFLOW_')) return { code: 'MFS012', message: `Found disallowed env var name '${name}' (starts with 'METAFLOW_').` };
  return undefined;
}
