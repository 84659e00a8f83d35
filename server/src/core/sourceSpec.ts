import { Range } from './positions';
import { PyValue, pyTypeRepr } from './literals';
import { MetaflowConfig } from './metaflowConfig';

/** The backend types open-source Metaflow knows; `inline` is test-only and left out of its messages. */
export const BUILTIN_TYPES = ['inline', 'aws-secrets-manager', 'gcp-secret-manager', 'az-key-vault'] as const;

/**
 * Types that widely used Metaflow distributions register but open-source Metaflow does not.
 * Without asking the user's interpreter the editor cannot know which Metaflow runs the flow,
 * so these are assumed present (an Information finding says so) rather than reported as Errors.
 */
export const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  outerbounds: 'the Outerbounds platform (pip install ob-metaflow ob-metaflow-extensions)',
};
/** Who manages the secrets of an extension type, for hovers once the user's Metaflow is known to register it. */
const EXTENSION_PLATFORMS: Readonly<Record<string, string>> = { outerbounds: 'the Outerbounds platform' };

/** Why the keys of a type the user's Metaflow registers (but the editor cannot ask) are not known. */
export function registeredTypeWhy(type: string, registeredBy: string): string {
  const platform = EXTENSION_PLATFORMS[type];
  return platform
    ? `'${type}' is registered by ${registeredBy} and managed by ${platform}; its keys are known only there`
    : `'${type}' is registered by ${registeredBy}, but the editor cannot ask that backend; its keys are known only to it`;
}
export type BuiltinType = (typeof BUILTIN_TYPES)[number];

/** A JSON-like plain value converted from a literal, or DYNAMIC where part of it is not literal. */
export const DYNAMIC = Symbol('dynamic');
export type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain } | typeof DYNAMIC;

export function toPlain(v: PyValue): Plain {
  switch (v.kind) {
    case 'str':
      return v.value;
    case 'int':
    case 'float':
      return Number(v.text.replace(/_/g, ''));
    case 'bool':
      return v.value;
    case 'none':
      return null;
    case 'list':
    case 'tuple':
    case 'set': {
      const items = v.items.map(toPlain);
      return items.includes(DYNAMIC) ? DYNAMIC : items;
    }
    case 'dict': {
      const out: { [k: string]: Plain } = {};
      for (const e of v.entries) {
        if (e.key.kind !== 'str') return DYNAMIC;
        const x = toPlain(e.value);
        if (x === DYNAMIC) return DYNAMIC;
        out[e.key.value] = x;
      }
      return out;
    }
    default:
      return DYNAMIC;
  }
}

export type RoleOrigin = 'source' | 'decorator' | 'DEFAULT_SECRETS_ROLE' | 'AWS_SECRETS_MANAGER_DEFAULT_ROLE';

/** One source after Metaflow's own spec construction (`SecretSpec.secret_spec_from_str/dict`). */
export interface SourceSpec {
  /** Position in `sources`. */
  index: number;
  form: 'string' | 'dict';
  /** The backend type; undefined when the default was needed and none is configured. */
  type: string | undefined;
  typeFromDefault: boolean;
  id: string;
  /** Where the type ends inside a string source (for highlighting and quick fixes), else undefined. */
  dotIndex?: number;
  /** `options` as a plain value ({} for string sources); DYNAMIC when not literal. */
  options: { [k: string]: Plain } | typeof DYNAMIC;
  role: string | undefined;
  roleOrigin?: RoleOrigin;
  /** The item in `sources`. */
  value: PyValue;
  range: Range;
}

/** How Metaflow prints a spec in its messages: `<id> (<type>)`. */
export function specDisplay(s: SourceSpec): string {
  return `${s.id} (${s.type ?? 'None'})`;
}

/** Identity of what a backend is asked for: the resolver's cache and de-duplication key. */
export function specKey(s: SourceSpec, extra = ''): string {
  const opts = s.options === DYNAMIC ? 'dynamic' : JSON.stringify(sortKeys(s.options));
  return JSON.stringify([s.type ?? '', s.id, opts, s.role ?? '', extra]);
}

function sortKeys(o: { [k: string]: Plain }): { [k: string]: Plain } {
  const out: { [k: string]: Plain } = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** A failure Metaflow raises while building the specs, with its message verbatim. */
export interface SpecError {
  code: 'MFS002' | 'MFS003' | 'MFS005';
  message: string;
  range: Range;
  index: number;
}

export interface SpecResult {
  specs: SourceSpec[];
  errors: SpecError[];
}

const NO_DEFAULT = 'No default secrets backend type configured, but needed by @secrets. Set METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE.';

/**
 * Builds the specs for the items of `sources` the way `task_pre_step` does.
 * `items` are the values Metaflow would iterate; `decoratorRole` is `role=` of the decorator.
 */
export function buildSpecs(items: PyValue[], decoratorRole: string | undefined, config: MetaflowConfig): SpecResult {
  const specs: SourceSpec[] = [];
  const errors: SpecError[] = [];
  const defaultType = config.get('DEFAULT_SECRETS_BACKEND_TYPE')?.value;
  let role: string | undefined = decoratorRole;
  let roleOrigin: RoleOrigin | undefined = decoratorRole !== undefined ? 'decorator' : undefined;
  if (role === undefined) {
    const r = config.get('DEFAULT_SECRETS_ROLE')?.value;
    if (r !== undefined) {
      role = r;
      roleOrigin = 'DEFAULT_SECRETS_ROLE';
    }
  }

  items.forEach((item, index) => {
    if (item.kind === 'str') {
      const s = item.value;
      const dot = s.indexOf('.');
      if (dot < 0) {
        if (defaultType === undefined) {
          errors.push({ code: 'MFS005', message: NO_DEFAULT, range: item.range, index });
          specs.push({ index, form: 'string', type: undefined, typeFromDefault: true, id: s, options: {}, role, roleOrigin, value: item, range: item.range });
          return;
        }
        specs.push({ index, form: 'string', type: defaultType, typeFromDefault: true, id: s, options: {}, role, roleOrigin, value: item, range: item.range });
      } else {
        specs.push({
          index,
          form: 'string',
          type: s.slice(0, dot),
          typeFromDefault: false,
          id: s.slice(dot + 1),
          dotIndex: dot,
          options: {},
          role,
          roleOrigin,
          value: item,
          range: item.range,
        });
      }
      return;
    }
    if (item.kind === 'dict') {
      const field = (name: string) => {
        let found: PyValue | undefined;
        for (const e of item.entries) if (e.key.kind === 'str' && e.key.value === name) found = e.value;
        return found;
      };
      if (item.entries.some((e) => e.key.kind === 'dynamic')) return; // keys not known: nothing to say
      const bad = (what: string, v: PyValue) =>
        errors.push({
          code: 'MFS003',
          message: `Bad @secrets specification - '${what}' must be ${what === 'role' ? 'a str' : what === 'option' ? 'a dict' : 'a string'} - found ${pyTypeRepr(v)}`,
          range: v.range,
          index,
        });

      const t = field('type');
      let type: string | undefined;
      let typeFromDefault = false;
      if (t === undefined) {
        typeFromDefault = true;
        if (defaultType === undefined) {
          errors.push({ code: 'MFS005', message: NO_DEFAULT, range: item.range, index });
          return;
        }
        type = defaultType;
      } else if (t.kind === 'dynamic') return;
      else if (t.kind !== 'str') return void bad('type', t);
      else type = t.value;

      const id = field('id');
      if (id?.kind === 'dynamic') return;
      if (id === undefined) {
        errors.push({ code: 'MFS003', message: "Bad @secrets specification - 'id' must be a string - found <class 'NoneType'>", range: item.range, index });
        return;
      }
      if (id.kind !== 'str') return void bad('id', id);

      const o = field('options');
      let options: SourceSpec['options'] = {};
      if (o !== undefined) {
        if (o.kind === 'dynamic') options = DYNAMIC;
        else if (o.kind !== 'dict') return void bad('option', o);
        else {
          const p = toPlain(o);
          options = p === DYNAMIC ? DYNAMIC : (p as { [k: string]: Plain });
        }
      }

      let srcRole = role;
      let srcRoleOrigin: RoleOrigin | undefined = roleOrigin;
      const r = field('role');
      if (r !== undefined && r.kind !== 'none') {
        if (r.kind === 'dynamic') return;
        if (r.kind !== 'str') return void bad('role', r);
        srcRole = r.value;
        srcRoleOrigin = 'source';
      }
      specs.push({
        index,
        form: 'dict',
        type,
        typeFromDefault,
        id: id.value,
        options,
        role: srcRole,
        roleOrigin: srcRoleOrigin,
        value: item,
        range: item.range,
      });
      return;
    }
    if (item.kind === 'dynamic') return;
    errors.push({ code: 'MFS002', message: '@secrets sources items must be either a string or a dict', range: item.range, index });
  });
  return { specs, errors };
}

/** The unknown-type message, listing what Metaflow would list (all registered types but inline). */
export function unknownTypeMessage(type: string, knownTypes: readonly string[]): string {
  return `Unknown secrets backend type ${type} (available types: ${knownTypes.filter((t) => t !== 'inline').join(', ')})`;
}

/**
 * What the editor makes of a type: known, assumed present (a distribution's type while the
 * user's Metaflow is not known exactly), or unknown. `exact`: knownTypes is what that Metaflow registers.
 */
export function typeStanding(type: string, knownTypes: readonly string[], exact: boolean): 'known' | 'assumed' | 'unknown' {
  if (knownTypes.includes(type)) return 'known';
  return !exact && Object.hasOwn(EXTENSION_TYPES, type) ? 'assumed' : 'unknown';
}

const declareIt = (type: string) => `add it to the setting metaflowSecrets.extraBackendTypes (CLI: --backend-type ${type})`;

/** How to tell the editor about a type a Metaflow extension registers. */
export function declareExtensionTypeHint(type: string): string {
  return `If '${type}' is registered by a Metaflow extension you use, ${declareIt(type)}.`;
}

/** The Information finding's text for an extension type assumed present. */
export function extensionTypeMessage(type: string): string {
  return `'${type}' is a secrets backend type of ${EXTENSION_TYPES[type]}, not of open-source Metaflow. The editor assumes the flow runs with it; its keys are known only there, so this source is not checked further. With open-source Metaflow the task fails: Unknown secrets backend type ${type}. To make this certain, ${declareIt(type)}.`;
}
