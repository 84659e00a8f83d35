import { StepModel } from '../flowModel';
import { isWellKnownNonSecret, looksLikeCredential, looksLikeSetting } from './envNames';
import { Origin, PathStep, SecretNames } from './taintTypes';

/** What `envReadOrigin` needs of the step being analysed. */
export interface EnvReadContext {
  step: StepModel;
  names: SecretNames | undefined;
  conservative: boolean;
  /** Filled on first use: what the step's text says about names (kept with the step's analysis, not globally). */
  envEvidence?: StepEnvEvidence;
}

/** Names the step's own text explains (sets itself) or treats as settings. */
export interface StepEnvEvidence {
  explained: ReadonlySet<string>;
  settings: ReadonlySet<string>;
}

function evidence(ctx: EnvReadContext): StepEnvEvidence {
  return (ctx.envEvidence ??= { explained: explainedNames(ctx.step), settings: settingNames(ctx.step) });
}

/**
 * Whether one environment read yields a secret, and how sure that is:
 * - a name the step's @secrets provides: certain;
 * - conservative mode, names not all known: "possibly a secret" (the MFS050-053 rules, as before);
 * - names not all known (offline, dynamic, denied — the usual case for JSON secrets) and nothing
 *   else in the step explains the read (@environment, a write to os.environ in the step, a
 *   variable the platform sets): assumed to come from @secrets (MFS055);
 * - otherwise a name that looks like a credential, anywhere: MFS056.
 * `key` undefined: the name is computed at run time (`keyText` is its expression).
 */
export function envReadOrigin(key: string | undefined, keyText: string, ctx: EnvReadContext, at: (message: string) => PathStep): Origin | undefined {
  const { names, step } = ctx;
  const where = `step \`${step.name}\``;
  if (key === undefined) {
    if (!names) return undefined;
    const label = `os.environ[${keyText}]`;
    if (ctx.conservative) {
      return {
        kind: 'env',
        label,
        maybe: true,
        path: [at(`an environment variable named at run time is read; in ${where} it may be a secret set by @secrets`)],
      };
    }
    if (names.complete) return undefined;
    return {
      kind: 'env',
      label,
      assumed: 'unknown-names',
      sources: unknownSources(names),
      path: [at(`an environment variable named at run time is read; it is probably provided by @secrets of ${where}, whose keys are not known`)],
    };
  }
  // Declared not secret (metaflowSecrets.nonSecretKeys): neither certain, assumed nor possible.
  if (names?.nonSecret?.match(key)) return undefined;
  if (names?.names.has(key)) {
    return { kind: 'env', label: key, path: [at(`\`${key}\` is read from the environment, where @secrets of ${where} put it`)] };
  }
  if (names && !names.complete && ctx.conservative) {
    return {
      kind: 'env',
      label: key,
      maybe: true,
      path: [at(`\`${key}\` is read from the environment; it may come from @secrets of ${where}, whose names are not all known`)],
    };
  }
  const explained = evidence(ctx).explained.has(key);
  if (names && !names.complete && !explained && !isWellKnownNonSecret(key) && !isSetting(key, ctx)) {
    const src = unknownSources(names);
    return {
      kind: 'env',
      label: key,
      assumed: 'unknown-names',
      sources: src,
      path: [
        at(`\`${key}\` is read from the environment; it is probably provided by @secrets ${sourcePhrase(src)} of ${where} (its keys are not known offline)`),
      ],
    };
  }
  if (looksLikeCredential(key)) {
    return { kind: 'env', label: key, assumed: 'credential-name', path: [at(`\`${key}\` is read from the environment; its name looks like a credential`)] };
  }
  return undefined;
}

function unknownSources(names: SecretNames): string | undefined {
  const s = names.unknownSources ?? [];
  if (!s.length) return undefined;
  return s.length === 1 ? `source '${s[0]}'` : `sources ${s.map((x) => `'${x}'`).join(', ')}`;
}

function sourcePhrase(src: string | undefined): string {
  return src ?? 'sources';
}

/**
 * Evidence that a read is a setting rather than a secret, for the offline default (MFS055): its
 * name says so (looksLikeSetting), or the step treats it as one (settingNames). A name that looks
 * like a credential is never cleared this way.
 */
function isSetting(key: string, ctx: EnvReadContext): boolean {
  if (looksLikeCredential(key)) return false;
  return looksLikeSetting(key) || evidence(ctx).settings.has(key);
}

const READ = String.raw`(?:environ\s*\.\s*get|getenv)\s*\(\s*(['"])([A-Za-z_]\w*)\1`;
/** `os.environ.get("X", "32")`, `os.getenv("X", 8080)`: a non-empty literal default. */
const READ_WITH_DEFAULT = new RegExp(String.raw`${READ}\s*,\s*(?:(['"])(?!\3)[^'"\n]+\3|-?\d[\d._]*)\s*\)`, 'g');
/** `int(os.environ.get("X"...))`, `float(os.environ["X"])`: the read converted to a number. */
const NUMBER_OF_READ = /\b(?:int|float)\s*\(\s*(?:os\s*\.\s*)?(?:(?:environ\s*\.\s*get|getenv)\s*\(|environ\s*\[)\s*(['"])([A-Za-z_]\w*)\1/g;
/** `v = os.environ.get("X")` / `v = os.environ["X"]`: a local that holds the read (for `int(v)` later). */
const LOCAL_READ = /^[ \t]*([A-Za-z_]\w*)\s*=\s*(?:os\s*\.\s*)?(?:(?:environ\s*\.\s*get|getenv)\s*\(|environ\s*\[)\s*(['"])([A-Za-z_]\w*)\2/gm;

/**
 * Names a step treats as settings: read with a non-empty literal default (the default is in the
 * code, so the value is meant to be seen; secrets default to "" or None), or converted to a number
 * (`int(...)`, `float(...)`, directly or through the local it was read into). Secrets are not
 * counts: the price is a numeric secret such as a PIN, which this misses.
 */
export function settingNames(step: StepModel): Set<string> {
  const out = new Set<string>();
  const body = step.functionNode.text;
  for (const m of body.matchAll(READ_WITH_DEFAULT)) out.add(m[2]);
  for (const m of body.matchAll(NUMBER_OF_READ)) out.add(m[2]);
  for (const m of body.matchAll(LOCAL_READ)) {
    if (new RegExp(String.raw`\b(?:int|float)\s*\(\s*${m[1]}\s*\)`).test(body)) out.add(m[3]);
  }
  return out;
}

/**
 * Names a step sets itself, so a read of them is not a secret from @secrets: the literal keys of
 * its @environment(vars=...), and `os.environ["X"] = ...` / `.setdefault("X", ...)` in its body.
 */
export function explainedNames(step: StepModel): Set<string> {
  const out = new Set<string>();
  for (const d of step.decorators) {
    if (d.kind !== 'environment') continue;
    const vars = d.keywords.find((k) => k.name === 'vars')?.value;
    if (vars?.kind === 'dict') for (const e of vars.entries) if (e.key.kind === 'str') out.add(e.key.value);
  }
  const body = step.functionNode.text;
  for (const m of body.matchAll(/environ\s*\[\s*(['"])([A-Za-z_]\w*)\1\s*\]\s*=(?!=)/g)) out.add(m[2]);
  for (const m of body.matchAll(/environ\s*\.\s*(?:setdefault|update)\s*\(\s*(['"])([A-Za-z_]\w*)\1/g)) out.add(m[2]);
  return out;
}
