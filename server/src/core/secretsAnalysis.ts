import { IdResolution, resolveId } from './backendIds';
import { envVarNameError, injectedNames, InjectedNames, ResolvedNamesLookup } from './envMap';
import { envReadNames } from './envReads';
import { Finding, finding, QuickFix } from './findings';
import type { SecretCall } from './getSecretCalls';
import type { AnalysisCache } from './analysisCache';
import { DecoratorModel, DocumentModel, keyword, StepModel } from './flowModel';
import { PyValue, pyRepr, pyStrLike, pyStrRepr, pyTypeRepr } from './literals';
import { misnamedText } from './configNames';
import { MetaflowConfig } from './metaflowConfig';
import { Range } from './positions';
import {
  BUILTIN_TYPES,
  buildSpecs,
  declareExtensionTypeHint,
  DYNAMIC,
  EXTENSION_TYPES,
  extensionTypeMessage,
  registeredTypeWhy,
  SourceSpec,
  specDisplay,
  typeStanding,
  unknownTypeMessage,
} from './sourceSpec';
import { ELLIPSIS_SOURCES_MESSAGE, placeholderItem, placeholderMessage } from './placeholders';
import { nearestNames } from './suggest';

export const SECRETS_ATTRIBUTES = ['sources', 'role', 'allow_override'];

/** One source of a step, with everything the editor knows about it before (or after) asking its backend. */
export interface SourceInfo {
  spec: SourceSpec;
  id: IdResolution;
  names: InjectedNames;
  /** Whether the backend type is one the editor knows (built in or configured). */
  knownType: boolean;
}

/** What `@secrets` gives one step. */
export interface StepSecrets {
  step: StepModel;
  decorator: DecoratorModel;
  sources: SourceInfo[];
  /** `sources` is not statically known (a call, a config expression, a callable...). */
  dynamic: boolean;
  /** `sources` is a str or dict that Metaflow iterates (MFS001): its "sources" are not worth asking a backend for. */
  misshapen: boolean;
  allowOverride: boolean | 'dynamic';
  /** Names set by @environment(vars=...) on the same step, or 'dynamic'. */
  environmentVars: { name: string; range: Range }[] | 'dynamic';
}

export interface AnalysisOptions {
  /** Types registered by Metaflow extensions the user has (e.g. outerbounds types). */
  extraTypes?: readonly string[];
  /**
   * The exact types the user's Metaflow registers, when known (asked of its interpreter, or a
   * test that runs open-source Metaflow). Then nothing is assumed: any other type is an Error.
   */
  registeredTypes?: readonly string[];
  /** Who registered `registeredTypes`, for messages: "your Metaflow (ob-metaflow 2.19.39.1)". */
  registeredBy?: string;
  /** Names a backend returned for a spec, once resolved. */
  resolvedNames?: ResolvedNamesLookup;
  /** Memos kept by the caller between analyses (the core holds none). */
  cache?: AnalysisCache;
}

export interface SecretsAnalysis {
  steps: StepSecrets[];
  /** `get_secret(...)` calls with a static source (filled by the analyzer, which has the tree). */
  calls: SecretCall[];
  findings: Finding[];
}

const BAD_STEP = (target: string) =>
  `You tried to apply decorator 'secrets' on '${target}' which is not declared as a @step. Make sure you apply this decorator on a function which has @step on the line just before the function name and @secrets is above @step.`;

/** Every `@secrets` failure decidable from the text and the configuration, plus what each step injects. */
export function analyzeSecrets(model: DocumentModel, config: MetaflowConfig, opts: AnalysisOptions = {}): SecretsAnalysis {
  const findings: Finding[] = [];
  const steps: StepSecrets[] = [];
  const knownTypes = knownTypesOf(opts);

  for (const m of model.misplaced) {
    const where =
      m.where === 'class' ? `on the class '${m.targetName}'` : m.where === 'below-step' ? 'below @step' : `on '${m.targetName}', which has no @step`;
    findings.push(finding('MFS010', m.decorator.range, `@secrets is placed ${where}. Metaflow fails when the flow is loaded: ${BAD_STEP(m.targetName)}`));
  }

  for (const flow of model.flows) {
    for (const step of flow.steps) {
      const secretsDecos = step.decorators.filter((d, i) => d.kind === 'secrets' && i < step.stepIndex);
      if (secretsDecos.length === 0) continue;
      // Decorators apply bottom-up: the one nearest @step is taken, the ones above it fail.
      const taken = secretsDecos[secretsDecos.length - 1];
      for (const dup of secretsDecos.slice(0, -1)) {
        findings.push(
          finding('MFS009', dup.range, `Step '${step.name}' already has a decorator 'secrets'. You can specify this decorator only once.`, {
            fixes: [{ title: 'Remove this duplicate @secrets', edits: [{ range: lineRange(dup.range), newText: '' }] }],
            related: [{ range: taken.range, message: 'The @secrets Metaflow keeps' }],
          }),
        );
      }
      steps.push(analyzeStep(step, taken, { config, knownTypes, opts, findings }));
    }
    envReadChecks(flow.steps, steps, findings, opts.cache);
  }
  const first = steps[0];
  if (first && config.misnamed.length > 0) {
    findings.push(
      finding('MFS041', first.decorator.nameRange, `${config.misnamed.map(misnamedText).join('; ')}. Rename it, or this @secrets runs without it.`),
    );
  }
  return { steps, calls: [], findings };
}

/**
 * Every source without a type needs the same missing setting: one finding (on the first) that
 * says where the editor looked and offers to set it, not one per source.
 */
export function oneMissingDefaultFinding(findings: Finding[], config: MetaflowConfig): Finding[] {
  const missing = findings.filter((f) => f.code === 'MFS005');
  if (missing.length === 0) return findings;
  const [first, ...rest] = missing;
  const looked = ['the environment', ...config.files].join(', ');
  const others = rest.filter((f) => f.range.start.line !== first.range.start.line || f.range.start.character !== first.range.start.character);
  const more =
    others.length === 0 ? '' : others.length === 1 ? ' One more source in this file needs it too.' : ` ${others.length} more sources in this file need it too.`;
  const where = `Read from: ${looked} (none sets it); set it there, in the setting metaflowSecrets.metaflowConfig, or with --set in the CLI.`;
  // With no Metaflow configuration here at all, the flow's real configuration most likely lives
  // where it runs (a deployment, a platform): say what a run from here would do, as a Warning.
  const elsewhere = config.configured
    ? ''
    : ' Metaflow is not configured on this machine, so this is what a run from here would do; where the flow really runs, its configuration may set it.';
  const typo = config.misnamed.find((m) => m.meant === 'METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE');
  const hint = typo ? ` ${misnamedText(typo)}.` : '';
  const merged = finding('MFS005', first.range, `${first.message} ${where}${hint}${elsewhere}${more}`, {
    severity: config.configured ? 'error' : 'warning',
    related: others.map((f) => ({ range: f.range, message: 'Also needs a default secrets backend type' })),
    // The editor writes where Metaflow reads: the project config file the analysis consulted.
    fixes: [
      {
        title: 'Set the default secrets backend type…',
        edits: [],
        action: 'set-default-backend-type',
        actionArgs: config.localFile ? [config.localFile] : undefined,
      },
    ],
  });
  return findings.filter((f) => f.code !== 'MFS005' || f === first).map((f) => (f === first ? merged : f));
}

/** The whole lines a decorator stands on, so removing it leaves no blank line. */
function lineRange(r: Range): Range {
  return { start: { line: r.start.line, character: 0 }, end: { line: r.end.line + 1, character: 0 } };
}

/** What checking a source needs besides the source: the configuration, the types known, and where findings go. */
export interface SourceCheckContext {
  config: MetaflowConfig;
  knownTypes: readonly string[];
  opts: AnalysisOptions;
  findings: Finding[];
}

function analyzeStep(step: StepModel, deco: DecoratorModel, ctx: SourceCheckContext): StepSecrets {
  const { config, knownTypes, opts, findings } = ctx;
  for (const p of deco.positional) {
    findings.push(
      finding(
        'MFS016',
        p.range,
        `@secrets takes keyword arguments only. Metaflow takes a positional argument for the decorated function and fails: ${BAD_STEP(positionalText(p))}`,
      ),
    );
  }
  for (const k of deco.keywords) {
    if (!SECRETS_ATTRIBUTES.includes(k.name)) {
      const near = nearestNames(k.name, SECRETS_ATTRIBUTES, 1);
      findings.push(
        finding(
          'MFS008',
          k.nameRange,
          `Decorator 'secrets' does not support the attribute '${k.name}'. These attributes are supported: ${SECRETS_ATTRIBUTES.join(', ')}.`,
          {
            fixes: near.map((n) => ({ title: `Change to '${n}'`, edits: [{ range: k.nameRange, newText: n }], isPreferred: true })),
          },
        ),
      );
    }
  }

  const environmentVars = environmentOf(step);
  const allowKw = keyword(deco, 'allow_override');
  const allowOverride: boolean | 'dynamic' = !allowKw ? false : allowKw.value.kind === 'dynamic' ? 'dynamic' : truthy(allowKw.value);
  const result: StepSecrets = { step, decorator: deco, sources: [], dynamic: deco.hasSplat, misshapen: false, allowOverride, environmentVars };

  const sourcesKw = keyword(deco, 'sources');
  const roleKw = keyword(deco, 'role');
  let decoratorRole: string | undefined;
  if (roleKw) {
    if (roleKw.value.kind === 'dynamic') result.dynamic = true;
    else if (roleKw.value.kind === 'str') decoratorRole = roleKw.value.value;
  }
  if (!sourcesKw) return result;
  const items = sourceItems(sourcesKw.value, findings);
  if (items === 'dynamic') {
    result.dynamic = true;
    const v = sourcesKw.value;
    findings.push(
      finding(
        'MFS015',
        v.range,
        `sources is ${v.kind === 'dynamic' ? v.reason : 'not a literal'}: it is evaluated only when the task runs, so the editor does not check it.`,
      ),
    );
    return result;
  }
  if (items.some((i) => i.kind === 'dynamic')) result.dynamic = true;
  result.misshapen = sourcesKw.value.kind === 'str' || sourcesKw.value.kind === 'dict';

  const { specs, errors } = buildSpecs(items, decoratorRole, config);
  // A placeholder gets one finding that says what Metaflow does with it, instead of the generic ones.
  const placeholders = new Map<number, string>();
  items.forEach((item, i) => {
    const shown = result.misshapen ? undefined : placeholderItem(item);
    if (shown) placeholders.set(i, shown);
  });
  for (const e of errors) {
    const shown = placeholders.get(e.index);
    if (shown) findings.push(finding('MFS025', e.range, placeholderMessage(shown, { fails: e.message })));
    else findings.push(finding(e.code, e.range, e.message));
  }

  for (const spec of specs) {
    const info = sourceInfo(spec, placeholders.get(spec.index), { config, knownTypes, opts, findings });
    if (info) result.sources.push(info);
  }

  nameChecks(result, findings);
  return result;
}

/**
 * What the editor knows about one spec, after the checks that need only the text and the
 * configuration (type, id rules, placeholders). Shared by @secrets and get_secret().
 * Undefined: nothing to resolve (no type, or a placeholder).
 */
export function sourceInfo(spec: SourceSpec, placeholder: string | undefined, ctx: SourceCheckContext): SourceInfo | undefined {
  const { config, knownTypes, opts, findings } = ctx;
  if (spec.type === undefined) return undefined; // already reported: no default type
  const standing = typeStanding(spec.type, knownTypes, opts.registeredTypes !== undefined);
  const knownType = standing === 'known';
  if (placeholder) {
    const outcome = standing === 'unknown' ? { fails: unknownTypeMessage(spec.type, knownTypes) } : { asks: spec.type, id: spec.id };
    findings.push(finding('MFS025', spec.range, placeholderMessage(placeholder, outcome)));
    return undefined;
  }
  if (standing === 'assumed') {
    findings.push(finding('MFS024', spec.range, extensionTypeMessage(spec.type)));
    return {
      spec,
      id: { ok: true, backend: 'other' },
      names: { known: false, why: `its keys are known only to ${EXTENSION_TYPES[spec.type]}` },
      knownType: false,
    };
  }
  if (!knownType) {
    findings.push(unknownTypeFinding(spec, knownTypes, opts.registeredBy));
    return { spec, id: { ok: true, backend: 'other' }, names: { known: false, why: 'its backend type is unknown' }, knownType };
  }
  const id = resolveId(spec, config);
  if (!id.ok) findings.push(finding(id.code, spec.range, id.message));
  if (id.ok && id.backend === 'other' && opts.registeredBy && opts.registeredTypes?.includes(spec.type)) {
    // Registered by the user's Metaflow (e.g. outerbounds): valid, its keys are known only there.
    return { spec, id, names: { known: false, why: registeredTypeWhy(spec.type, opts.registeredBy) }, knownType };
  }
  if (spec.type === 'inline') {
    findings.push(finding('MFS018', spec.range, 'The inline backend is meant for tests: its values are written in the code.'));
    inlineValueChecks(spec, findings);
  }
  return { spec, id, names: injectedNames(spec, id, opts.resolvedNames), knownType };
}

/** The types a spec may name: the user's Metaflow's when known exactly, plus declared ones. */
export function knownTypesOf(opts: AnalysisOptions): string[] {
  return [...(opts.registeredTypes ?? BUILTIN_TYPES), ...(opts.extraTypes ?? [])];
}

/** Metaflow prints `getattr(func, "__name__", str(func))` of the positional argument. */
function positionalText(p: PyValue): string {
  return p.kind === 'str' ? p.value : pyRepr(p);
}

function truthy(v: PyValue): boolean {
  switch (v.kind) {
    case 'bool':
      return v.value;
    case 'none':
      return false;
    case 'str':
      return v.value !== '';
    case 'int':
    case 'float':
      return Number(v.text) !== 0;
    case 'list':
    case 'tuple':
    case 'set':
      return v.items.length > 0;
    case 'dict':
      return v.entries.length > 0;
    default:
      return true;
  }
}

/** What Metaflow iterates. A str or dict is iterated too, which is almost never what was meant. */
function sourceItems(v: PyValue, findings: Finding[]): PyValue[] | 'dynamic' {
  switch (v.kind) {
    case 'list':
    case 'tuple':
    case 'set':
      return v.items;
    case 'dynamic':
      return 'dynamic';
    case 'ellipsis':
      findings.push(finding('MFS025', v.range, ELLIPSIS_SOURCES_MESSAGE));
      return [];
    case 'str': {
      const chars = [...v.value];
      const shown =
        chars
          .slice(0, 6)
          .map((c) => pyStrRepr(c))
          .join(', ') + (chars.length > 6 ? ', ...' : '');
      const fixes: QuickFix[] = v.indirect
        ? []
        : [{ title: 'Wrap the source in a list', edits: [{ range: v.range, newText: `[${sourceText(v)}]` }], isPreferred: true }];
      findings.push(
        finding(
          'MFS001',
          v.range,
          `sources is a str, not a list: Metaflow iterates it character by character, so this declares ${chars.length} source(s) ${shown} instead of ${pyStrRepr(v.value)}. Write sources=[${pyStrRepr(v.value)}].`,
          { fixes },
        ),
      );
      return chars.map((c) => ({ kind: 'str', value: c, range: v.range, indirect: true }));
    }
    case 'dict': {
      const fixes: QuickFix[] = v.indirect
        ? []
        : [{ title: 'Wrap the source in a list', edits: [{ range: v.range, newText: `[${sourceText(v)}]` }], isPreferred: true }];
      findings.push(
        finding(
          'MFS001',
          v.range,
          'sources is a dict, not a list: Metaflow iterates its keys, so each key ("type", "id", ...) becomes a source of its own. Write sources=[{...}].',
          { fixes },
        ),
      );
      return v.entries.map((e) => e.key);
    }
    default:
      findings.push(
        finding(
          'MFS001',
          v.range,
          `sources must be a list: Metaflow iterates it when the task starts and fails with TypeError: '${pyTypeRepr(v).slice(8, -2)}' object is not iterable`,
        ),
      );
      return [];
  }
}

/** The text of a literal as it stands in the document (quick fixes only target direct literals). */
function sourceText(v: PyValue): string {
  return v.text ?? (v.kind === 'str' ? pyStrRepr(v.value) : '...');
}

function unknownTypeFinding(spec: SourceSpec, knownTypes: readonly string[], registeredBy?: string): Finding {
  const type = spec.type as string;
  let message = unknownTypeMessage(type, knownTypes);
  const fixes: QuickFix[] = [];
  const raw = spec.value.kind === 'str' ? spec.value.value : undefined;
  const direct = !spec.value.indirect && spec.form === 'string' && raw !== undefined;
  const fix = (title: string, newText: string, isPreferred = false) => {
    if (direct) fixes.push({ title, edits: [{ range: spec.range, newText }], isPreferred });
  };
  // A rewritten string keeps the quotes the user wrote.
  const str = (value: string) => pyStrLike(value, spec.value.text);
  if (registeredBy && Object.hasOwn(EXTENSION_TYPES, type)) {
    // The user's Metaflow was asked: the distribution's type is really missing there.
    message += `. ${registeredBy[0].toUpperCase()}${registeredBy.slice(1)} does not register '${type}': it comes with ${EXTENSION_TYPES[type]}.`;
  } else if (spec.form === 'string' && raw !== undefined) {
    if (type.startsWith('https://') || type === 'https://' || raw.startsWith('https://')) {
      message += `. A string source is split on its first dot, so '${raw}' names the backend type '${type}'. Write a Key Vault URL as "az-key-vault.${raw}" or in dict form.`;
      fix('Prefix with the az-key-vault type', str(`az-key-vault.${raw}`), true);
      fix('Rewrite as {"type": "az-key-vault", "id": ...}', `{"type": "az-key-vault", "id": ${pyStrRepr(raw)}}`);
    } else if (raw.startsWith('projects/')) {
      message += `. A string source is split on its first dot, so '${raw}' names the backend type '${type}'. Write it as "gcp-secret-manager.${raw}".`;
      fix('Prefix with the gcp-secret-manager type', str(`gcp-secret-manager.${raw}`), true);
    } else {
      const near = nearestNames(
        type,
        knownTypes.filter((t) => t !== 'inline'),
        2,
      );
      if (near.length > 0 && type.length > 3) {
        message += `. Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`;
        for (const n of near) fix(`Change the type to '${n}'`, str(`${n}.${spec.id}`), true);
      } else {
        message += `. A string source is split on its first dot: '${raw}' is read as type '${type}' and id '${spec.id}'. If '${raw}' is the secret's name, give the type explicitly. ${declareExtensionTypeHint(type)}`;
        fix('Prefix with the aws-secrets-manager type', str(`aws-secrets-manager.${raw}`), true);
        fix('Rewrite as {"type": "aws-secrets-manager", "id": ...}', `{"type": "aws-secrets-manager", "id": ${pyStrRepr(raw)}}`);
      }
    }
  }
  return finding('MFS004', spec.range, message, { fixes });
}

function inlineValueChecks(spec: SourceSpec, findings: Finding[]): void {
  if (spec.options === DYNAMIC) return;
  const vars = spec.options['env_vars'];
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return;
  for (const [k, v] of Object.entries(vars)) {
    if (v === DYNAMIC || typeof v === 'string') continue;
    const type =
      v === null
        ? 'NoneType'
        : typeof v === 'boolean'
          ? 'bool'
          : typeof v === 'number'
            ? Number.isInteger(v)
              ? 'int'
              : 'float'
            : Array.isArray(v)
              ? 'list'
              : 'dict';
    const shown = v === null ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v);
    findings.push(finding('MFS019', spec.range, `Found non string value ${shown} (<class '${type}'>) for '${k}'.`));
  }
}

function environmentOf(step: StepModel): StepSecrets['environmentVars'] {
  const env = step.decorators.find((d) => d.kind === 'environment');
  if (!env) return [];
  if (env.hasSplat) return 'dynamic';
  const vars = keyword(env, 'vars');
  if (!vars) return [];
  if (vars.value.kind !== 'dict') return vars.value.kind === 'dynamic' ? 'dynamic' : [];
  const out: { name: string; range: Range }[] = [];
  for (const e of vars.value.entries) {
    if (e.key.kind === 'str') out.push({ name: e.key.value, range: e.key.range });
    else if (e.key.kind === 'dynamic') return 'dynamic';
  }
  return out;
}

/** validate_env_vars, then clashes across sources, then clashes with @environment. */
function nameChecks(s: StepSecrets, findings: Finding[]): void {
  const injectedBy = new Map<string, SourceInfo>();
  for (const src of s.sources) {
    if (!src.names.known) continue;
    for (const name of src.names.names) {
      // Names a backend returned are validated with its answer (MFS036/MFS037), not twice.
      const err = src.names.from === 'literal' ? envVarNameError(name) : undefined;
      if (err) findings.push(finding(err.code, src.spec.range, err.message));
      const other = injectedBy.get(name);
      if (other) {
        findings.push(
          finding(
            'MFS013',
            src.spec.range,
            `Secret '${specDisplay(src.spec)}' will inject '${name}' as env var, and it is also added by '${specDisplay(other.spec)}'`,
            {
              related: [{ range: other.spec.range, message: `'${name}' is first set by this source` }],
            },
          ),
        );
      } else injectedBy.set(name, src);
    }
  }
  if (s.allowOverride !== false || s.environmentVars === 'dynamic') return;
  for (const v of s.environmentVars) {
    const src = injectedBy.get(v.name);
    if (!src) continue;
    const fixes: QuickFix[] = [];
    const d = s.decorator;
    if (d.isCall && !keyword(d, 'allow_override')) {
      const last = d.keywords[d.keywords.length - 1];
      if (last)
        fixes.push({ title: 'Add allow_override=True', edits: [{ range: { start: last.range.end, end: last.range.end }, newText: ', allow_override=True' }] });
    }
    findings.push(
      finding(
        'MFS014',
        src.spec.range,
        `Secret '${specDisplay(src.spec)}' will inject '${v.name}' as env var, but it already exists in env: @environment sets it on this step before @secrets runs. Remove one of them or pass allow_override=True.`,
        {
          related: [{ range: v.range, message: `@environment sets '${v.name}'` }],
          fixes,
        },
      ),
    );
  }
}

/**
 * The names a step's @secrets and @environment set that are known, and the sources whose names
 * are not (`partial` is then true: another name may come from them).
 */
function providedNames(s: StepSecrets): { names: Set<string>; partial: boolean; unknown: string[] } {
  const names = new Set<string>();
  for (const src of s.sources) if (src.names.known) src.names.names.forEach((n) => names.add(n));
  if (s.environmentVars !== 'dynamic') s.environmentVars.forEach((v) => names.add(v.name));
  const unknown = s.sources.filter((x) => !x.names.known).map((x) => `'${specDisplay(x.spec)}'`);
  return { names, partial: s.dynamic || s.environmentVars === 'dynamic' || unknown.length > 0, unknown };
}

/**
 * Reads of variables a step does not get: a name another step's @secrets provides (secrets are
 * injected per task), or a near miss of a name this step's sources provide.
 */
function envReadChecks(flowSteps: StepModel[], analysed: StepSecrets[], findings: Finding[], cache: AnalysisCache | undefined): void {
  const byStep = new Map<StepModel, StepSecrets>();
  for (const a of analysed) if (flowSteps.includes(a.step)) byStep.set(a.step, a);
  const providers = new Map<string, string[]>();
  for (const a of byStep.values()) {
    for (const src of a.sources) if (src.names.known) for (const n of src.names.names) providers.set(n, [...(providers.get(n) ?? []), a.step.name]);
  }
  if (providers.size === 0) return;
  for (const step of flowSteps) {
    const mine = byStep.get(step);
    const { names: provided, partial, unknown } = mine ? providedNames(mine) : { names: new Set<string>(), partial: false, unknown: [] };
    const body = step.functionNode.childForFieldName('body');
    if (!body) continue;
    for (const read of envReadNames(body, cache)) {
      if (read.name === '' || provided.has(read.name)) continue;
      const elsewhere = providers.get(read.name)?.filter((n) => n !== step.name);
      if (elsewhere?.length && !partial) {
        findings.push(
          finding(
            'MFS023',
            read.nameRange,
            `'${read.name}' is set by @secrets on step ${elsewhere.map((n) => `'${n}'`).join(', ')}, not on '${step.name}': secrets are injected per task, so this step does not see it. Add the source to this step's @secrets.`,
          ),
        );
        continue;
      }
      if (provided.size === 0) continue;
      // With some names unknown, only a one-key typo is worth saying (DB_PORT may well be theirs, not DB_HOST misspelt).
      const near = nearestNames(read.name, [...provided], partial ? 1 : 3);
      if (near.length === 0) continue;
      const fixes = near.map((n) => ({
        title: `Change to '${n}'`,
        edits: [{ range: read.nameRange, newText: pyStrLike(n, read.nameText) }],
        isPreferred: n === near[0],
      }));
      const didYouMean = `Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`;
      if (partial) {
        // The names of some sources are not known here: the read may be theirs, so say it softly.
        const from = unknown.length ? `source ${unknown.join(', ')}, whose names are not known here` : 'sources that are computed at run time';
        findings.push(
          finding(
            'MFS023',
            read.nameRange,
            `'${read.name}' is not among the names known for this step (${[...provided].sort().join(', ')}); it may come from ${from}. ${didYouMean}`,
            { fixes, severity: 'information' },
          ),
        );
        continue;
      }
      findings.push(
        finding('MFS023', read.nameRange, `'${read.name}' is not set by this step's @secrets (it provides ${[...provided].sort().join(', ')}). ${didYouMean}`, {
          fixes,
        }),
      );
    }
  }
}

/**
 * Sources a backend can be asked about: a known type whose id passed Metaflow's rules, not
 * inline, in a `sources` that is a real list (a str iterated per character is fixed first).
 */
export function resolvableSources(secrets: SecretsAnalysis): SourceInfo[] {
  const out: SourceInfo[] = [];
  for (const step of secrets.steps) {
    if (step.misshapen) continue;
    for (const src of step.sources) if (isResolvable(src)) out.push(src);
  }
  for (const call of secrets.calls) if (isResolvable(call.source)) out.push(call.source);
  return out;
}

/** A known backend type whose id passed Metaflow's rules, not inline (whose values are in the code). */
export function isResolvable(src: SourceInfo): boolean {
  return src.knownType && src.id.ok && src.id.backend !== 'other' && src.id.backend !== 'inline';
}
