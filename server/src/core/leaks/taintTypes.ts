import { Range } from '../positions';
import { SyntaxNode, SyntaxTree } from '../parser';
import { DocumentModel, StepModel } from '../flowModel';
import { Severity } from '../rules';
import { NonSecretKeys } from './nonSecretKeys';

/** The environment variables a step's @secrets provides, as far as they are known. */
export interface SecretNames {
  names: ReadonlySet<string>;
  /** false: some sources' names are unknown (offline, dynamic sources, not yet resolved). */
  complete: boolean;
  /** The ids of the sources whose names are unknown (for messages: "probably provided by source 'hf'"). */
  unknownSources?: readonly string[];
  /** Keys declared not secret (`*_USER`): never in `names`, and a read of one is no secret at all. */
  nonSecret?: NonSecretKeys;
}

export interface LeakInput {
  tree: SyntaxTree;
  model: DocumentModel;
  /** undefined: the step has no @secrets (only get_secret(...) and os.environ wholesale are sources there). */
  secretNamesForStep(step: StepModel): SecretNames | undefined;
  /**
   * Conservative mode: in a step with @secrets, an environment read whose name is not known to be
   * provided (dynamic key, or names incomplete) still counts as a secret.
   */
  conservative: boolean;
  /** Overrides the rules' default severity for every leak finding. */
  severity?: Severity;
  /** Other files of the workspace, so helpers imported from them are followed (optional). */
  workspace?: WorkspaceModules;
}

/** What the language server knows about the workspace's Python modules. */
export interface WorkspaceModules {
  /**
   * The parsed file a module resolves to, as this document imports it (`helpers`, `pkg.util`,
   * or relative `.helpers`); undefined when it is not a workspace file (site-packages, unknown).
   */
  module(name: string): { uri: string; tree: SyntaxTree; model: DocumentModel } | undefined;
}

/** One hop of a leak path, shown as related information. */
export interface PathStep {
  /** Absent: the analysed document; else the workspace module the hop is in. */
  uri?: string;
  range: Range;
  message: string;
}

/**
 * Where a tainted value came from. `param` origins exist only while a helper function is
 * summarised: they stand for "whatever the caller passed as argument `index`".
 */
export interface Origin {
  kind: 'env' | 'get_secret' | 'environ' | 'param';
  /** What the message names: the variable, `get_secret('src')`, `os.environ`, or the parameter. */
  label: string;
  /** Parameter position (only for `param`). */
  index?: number;
  /** Conservative mode: the name is not known to come from @secrets, but might. */
  maybe?: boolean;
  /**
   * Not known to be a secret, assumed from evidence: the step's @secrets keys are unknown and
   * nothing else explains the read (MFS055), or the name looks like a credential (MFS056).
   */
  assumed?: 'unknown-names' | 'credential-name';
  /** For 'unknown-names': the sources that probably provide it ("source 'hf'"). */
  sources?: string;
  /** For `environ`: read in a step with @secrets (so it holds their values), else only the platform's variables. */
  withSecrets?: boolean;
  path: readonly PathStep[];
}

/**
 * Objects that matter for sinks, tracked beside the taint. `object`: an instance whose
 * attributes are `fields` (a class of this file, a library model, an object given attributes);
 * `file`: an open file or a path object (`file` names it).
 */
export type ValueKind = 'logger' | 'cardComponent' | 'function' | 'joinInputs' | 'object' | 'file';

/** The abstract value of an expression: which secrets it may contain. Treated as immutable. */
export interface Val {
  origins: readonly Origin[];
  /** The value IS the environment mapping (os.environ or a copy): subscripts read variables. */
  environ?: Origin;
  kind?: ValueKind;
  /** For kind 'function': the definition to summarise at calls. */
  fn?: SyntaxNode;
  /**
   * A dict built with constant keys: what each key holds, so `cfg["host"]` stays clean when
   * `cfg["password"]` is a secret. `origins` then covers only the entries with unknown keys.
   */
  fields?: ReadonlyMap<string, Val>;
  /** A string constant (`name = "DB_PASSWORD"`), so `os.environ[name]` still names a variable. */
  str?: string;
  /** What iterating the value yields, when it differs from the whole (`os.environ.items()` → (name, value)). */
  element?: Val;
  /** The strings the value is one of (`for name in ["A", "B"]`), so `os.environ[name]` reads each. */
  strs?: readonly string[];
  /** An integer constant (`keep=4`), so `s[:keep]` is recognised as a mask. */
  int?: number;
  /**
   * For kind 'object': what str()/repr() of it shows, when known (a dataclass shows its fields,
   * a class with __repr__ what that returns, a plain class nothing, SQLAlchemy masks the
   * password). Undefined: unknown, so its whole contents.
   */
  shown?: Val;
  /** For kind 'object' of a class of this file: its name (methods are looked up there). */
  cls?: string;
  /** For kind 'object': every attribute and method is known, so an unknown one holds nothing. */
  closed?: boolean;
  /** For kind 'file': which file (a path literal, or the text of the path expression). */
  file?: string;
}

export const EMPTY: Val = Object.freeze({ origins: [] }) as Val;

export function isTainted(v: Val): boolean {
  if (v.origins.length > 0 || v.environ !== undefined) return true;
  if (v.fields) for (const f of v.fields.values()) if (isTainted(f)) return true;
  return false;
}

/** All origins a value holds anywhere, its dict entries included (the environ mapping excluded). */
function allOrigins(v: Val): readonly Origin[] {
  let out = v.origins;
  if (v.fields) for (const f of v.fields.values()) out = mergeOrigins(out, contentOrigins(f));
  return out;
}

/** The value without per-key detail: what a container or a copy of it holds as a whole. */
export function flatten(v: Val): Val {
  if (!v.fields) return v;
  const origins = allOrigins(v);
  if (origins.length === 0 && !v.environ) return EMPTY;
  return v.environ ? { origins, environ: v.environ } : { origins };
}

function originKey(o: Origin): string {
  return o.kind === 'param' ? `param:${o.index}` : `${o.kind}:${o.label}`;
}

/** Union of origin lists, keeping the first path seen for each secret (usually the shortest). */
export function mergeOrigins(a: readonly Origin[], b: readonly Origin[]): readonly Origin[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const seen = new Set(a.map(originKey));
  let out: Origin[] | undefined;
  for (const o of b) {
    const k = originKey(o);
    if (seen.has(k)) continue;
    seen.add(k);
    (out ??= [...a]).push(o);
  }
  return out ?? a;
}

/** The secrets a value carries once it is treated as data (the environ mapping becomes an origin). */
export function contentOrigins(v: Val): readonly Origin[] {
  const all = allOrigins(v);
  return v.environ ? mergeOrigins(all, [v.environ]) : all;
}

export function union(...vals: Val[]): Val {
  let origins: readonly Origin[] = [];
  let environ: Origin | undefined;
  for (const v of vals) {
    origins = mergeOrigins(origins, allOrigins(v));
    environ ??= v.environ;
  }
  if (origins.length === 0 && !environ) return EMPTY;
  return environ ? { origins, environ } : { origins };
}

/** The value as plain data (drops object kinds), e.g. after str() or concatenation. */
export function asData(v: Val): Val {
  const origins = contentOrigins(v);
  return origins.length ? { origins } : EMPTY;
}

/** Adds one hop to every origin's path (capped so loops cannot grow paths without bound). */
export function withStep(v: Val, step: PathStep): Val {
  if (!isTainted(v)) return v;
  const add = (o: Origin): Origin => (o.path.length >= 12 ? o : { ...o, path: [...o.path, step] });
  const out: Val = { ...v, origins: v.origins.map(add), environ: v.environ ? add(v.environ) : undefined, shown: v.shown && withStep(v.shown, step) };
  if (v.fields) {
    const fields = new Map<string, Val>();
    for (const [k, f] of v.fields) fields.set(k, withStep(f, step));
    return { ...out, fields };
  }
  return out;
}

/** What converting the value to text shows: an object's rendering when known, else the value itself. */
export function textOf(v: Val): Val {
  return v.kind === 'object' && v.shown ? v.shown : v;
}

export function sameVal(a: Val | undefined, b: Val | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.kind !== b.kind || a.fn !== b.fn || a.str !== b.str || a.int !== b.int || a.cls !== b.cls || a.file !== b.file) return false;
  if ((a.strs ?? []).join('\u0000') !== (b.strs ?? []).join('\u0000')) return false;
  if ((a.shown === undefined) !== (b.shown === undefined) || (a.shown && !sameVal(a.shown, b.shown))) return false;
  if ((a.element === undefined) !== (b.element === undefined)) return false;
  if ((a.environ === undefined) !== (b.environ === undefined)) return false;
  if (a.fields || b.fields) {
    if (!a.fields || !b.fields || a.fields.size !== b.fields.size) return false;
    for (const [k, f] of a.fields) if (!sameVal(f, b.fields.get(k))) return false;
  }
  if (a.origins.length !== b.origins.length) return false;
  const keys = new Set(a.origins.map(originKey));
  return b.origins.every((o) => keys.has(originKey(o)));
}

/** Iterating a mapping yields its keys (the names, not the values); anything else its elements. */
export function elementOf(v: Val): Val {
  if (v.kind === 'joinInputs') return v;
  if (v.element) return v.element;
  return v.environ && v.origins.length === 0 ? EMPTY : asData(v);
}
