import { looksLikeCredential } from './envNames';

/**
 * Keys of a secret that hold no secret value (`DB_USER`, `*_HOST`, `*_PORT`), as a team declares
 * them: reading or printing them is not a leak. Names are matched exactly (environment variable
 * names are case-sensitive); `*` stands for any run of characters, `?` for one.
 */
export interface NonSecretKeys {
  /** Where the patterns were given, for hovers: `metaflowSecrets.nonSecretKeys`, `--non-secret-keys`. */
  readonly origin: string;
  readonly patterns: readonly string[];
  /** Changes whenever the patterns do (cache keys of the leak analysis). */
  readonly fingerprint: string;
  /** Why `name` is not a secret, or why it still is although a pattern matches it. */
  explain(name: string): NonSecretMatch | undefined;
  /** The pattern that makes `name` a non-secret key, if any. */
  match(name: string): string | undefined;
}

export interface NonSecretMatch {
  pattern: string;
  /**
   * false: a wildcard matched a name that looks like a credential (`DB_*` and `DB_PASSWORD`); it
   * stays a secret unless named exactly, so a broad pattern cannot hide a password by accident.
   */
  applies: boolean;
}

/** What a pattern may hold: environment variable characters and the two wildcards. */
const PATTERN = /^[A-Za-z0-9_*?]{1,200}$/;

/** Why a pattern cannot be used, or undefined when it can. */
export function nonSecretPatternProblem(pattern: string): string | undefined {
  if (!PATTERN.test(pattern)) return `'${pattern.slice(0, 60)}' is not a key name or pattern (letters, digits, _ and the wildcards * and ?)`;
  if (/^\**$/.test(pattern)) return `'${pattern}' would make every key non-secret`;
  return undefined;
}

function toRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/\*+/g, '.*').replace(/\?/g, '.')}$`);
}

/** Compiles usable patterns (see nonSecretPatternProblem; the others are skipped). */
export function nonSecretKeys(patterns: readonly string[], origin: string): NonSecretKeys {
  const usable = [...new Set(patterns.filter((p) => nonSecretPatternProblem(p) === undefined))];
  const exact = new Set(usable.filter((p) => !/[*?]/.test(p)));
  const globs = usable.filter((p) => /[*?]/.test(p)).map((p) => ({ pattern: p, re: toRegExp(p) }));
  const explain = (name: string): NonSecretMatch | undefined => {
    if (exact.has(name)) return { pattern: name, applies: true };
    const g = globs.find((x) => x.re.test(name));
    return g ? { pattern: g.pattern, applies: !looksLikeCredential(name) } : undefined;
  };
  return {
    origin,
    patterns: usable,
    fingerprint: usable.join(','),
    explain,
    match: (name) => {
      const m = explain(name);
      return m?.applies ? m.pattern : undefined;
    },
  };
}

/** Markdown for a hover on a key the patterns mention; undefined when none does. */
export function nonSecretNote(name: string, keys: NonSecretKeys | undefined): string | undefined {
  const m = keys?.explain(name);
  if (!m || !keys) return undefined;
  const where = `\`${keys.origin}\``;
  if (m.applies) {
    const how = m.pattern === name ? 'it is listed' : `it matches \`${m.pattern}\``;
    return `Not a secret value: ${how} in ${where}, so reading or printing \`${name}\` is not reported as a leak.`;
  }
  return `\`${name}\` matches \`${m.pattern}\` in ${where} but looks like a credential, so it is still treated as a secret; list \`${name}\` itself to treat it as non-secret.`;
}
