import { DYNAMIC, SourceSpec } from '../core/sourceSpec';
import { failure, Resolution, ResolveContext, SecretProvider } from './provider';
import { option, plainTypeName } from './secretContent';

/**
 * Metaflow's test-only `inline` backend: `options["env_vars"]` as written, id ignored. No call
 * leaves the process; values are literals from the code, held like any other secret.
 */
export class InlineProvider implements SecretProvider {
  readonly type = 'inline';

  settingsFingerprint(): string {
    return '';
  }

  async resolve(spec: SourceSpec, _ctx: ResolveContext, _signal: AbortSignal): Promise<Resolution> {
    if (spec.options === DYNAMIC) return failure('unsupported', 'The options of this source are computed at run time.');
    const envVars = option(spec, 'env_vars');
    const meta = { resolvedId: spec.id, identity: 'inline options', fetchedAt: Date.now() };
    if (envVars === undefined) return { ok: true, vars: new Map(), names: [], meta };
    if (envVars === null || typeof envVars !== 'object' || Array.isArray(envVars)) {
      return failure('bad-content', `'${plainTypeName(envVars as never)}' object has no attribute 'items'`, { meta });
    }
    const vars = new Map<string, string>();
    for (const [k, v] of Object.entries(envVars)) {
      // Metaflow's validate_env_vars refuses non-str values; the value itself is not repeated here.
      if (typeof v !== 'string') return failure('bad-content', `Found non string value for '${k}' (<class '${plainTypeName(v as never)}'>)`, { meta });
      vars.set(k, v);
    }
    return { ok: true, vars, names: [...vars.keys()], meta };
  }
}
