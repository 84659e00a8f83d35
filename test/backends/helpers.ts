import { range } from '../../server/src/core/positions';
import { Plain, RoleOrigin, SourceSpec } from '../../server/src/core/sourceSpec';
import { ResolverLogger } from '../../server/src/backends/logger';

/** A dict-form source spec as buildSpecs would produce it. */
export function makeSpec(type: string, id: string, options: { [k: string]: Plain } = {}, role?: string, roleOrigin?: RoleOrigin): SourceSpec {
  const r = range(3, 4, 3, 40);
  return { index: 0, form: 'dict', type, typeFromDefault: false, id, options, role, roleOrigin, value: { kind: 'str', value: id, range: r }, range: r };
}

/** Captures everything the resolver logs, for the canary checks. */
export class CapturingLogger implements ResolverLogger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(`INFO ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`WARN ${m}`);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** Fails if any canary value appears in the text (or its base64 form). */
export function assertNoCanary(text: string, canaries: Iterable<string>): void {
  for (const c of canaries) {
    if (c.length < 6) continue; // short literals ("True", "5432") are not canaries
    for (const form of [c, Buffer.from(c).toString('base64')]) {
      if (text.includes(form)) throw new Error(`a secret value leaked into captured output (canary of length ${c.length})`);
    }
  }
}

/** Sets environment variables for the duration of a test; returns the restorer. */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/**
 * The AWS SDK's environment for tests against moto: static test keys, no region, profile,
 * endpoint, container or web-identity credentials, and config files that do not exist
 * (`noFile`), so nothing on the machine running the tests takes part.
 */
export function isolatedAwsEnv(noFile: string): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: noFile,
    AWS_SHARED_CREDENTIALS_FILE: noFile,
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  };
}
