import { Finding, QuickFix, RelatedLocation } from '../findings';
import { Range } from '../positions';
import { nodeRange, SyntaxNode } from '../parser';
import { FlowClassModel, StepModel } from '../flowModel';
import { leakSeverity, secretsRule } from './leakRuleChoice';
import { FlowGraph } from './flowGraph';
import { ImportedNames } from './importedNames';
import { decoratorValueRecords } from './decoratorValues';
import { leakFixes } from './leakFixes';
import { leakMessage } from './leakMessages';
import { keyDigest, LeakCache, StepResult } from './leakCache';
import { ModuleIndex, parameterNames } from './moduleIndex';
import { SinkHit, StepContext, TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { contentOrigins, flatten, isTainted, LeakInput, Origin, SecretNames, sameVal, union, Val, withStep } from './taintTypes';
import { SinkKind } from './sinks';

const MAX_RELATED = 24;
/** Passes over a flow until artifacts stop changing (only cycles or an unknown graph need a second). */
const MAX_PASSES = 4;

export interface LeakOptions {
  /** Report only findings of these steps ("Flow.step"); artifacts still flow through every step. */
  onlySteps?: ReadonlySet<string>;
  /**
   * Results of unchanged steps from the previous run of this document (same text, position,
   * names, helpers and incoming artifacts): while typing, only the edited step is re-analysed.
   */
  cache?: LeakCache;
  /**
   * Bump when another workspace file changes: cached steps may call helpers imported from it.
   * (Only matters with both `cache` and `LeakInput.workspace`.)
   */
  workspaceVersion?: string | number;
}

/** One sink reached by secrets, free of syntax nodes (so it can be cached across parses). */
export interface LeakRecord {
  code: string;
  kind: SinkKind;
  display: string;
  range: Range;
  via?: string;
  attr?: string;
  step: string;
  flow: string;
  stepHasSecrets: boolean;
  /** The sink is dropped in Metaflow runs (warnings.warn). */
  silenced?: boolean;
  origins: Origin[];
  fixes: QuickFix[];
}

/**
 * The leak analysis of one document: every path from a secret (an environment variable the
 * step's @secrets provides, get_secret(...), os.environ itself) to a log, an exception, an
 * artifact or a card. Pure: no I/O, no editor types.
 */
export function findLeaks(input: LeakInput, options: LeakOptions = {}): Finding[] {
  const root = input.tree.rootNode;
  const imports = new ImportedNames(root, input.model);
  const index = new ModuleIndex(root, imports, input.model);
  // Digested once: every step's key holds it.
  const moduleKey = options.cache ? keyDigest(`${options.workspaceVersion ?? ''}\u0001${moduleSignature(root, input)}`) : '';
  const out = new FindingSet(input);
  const live = new Set<string>();
  const external = workspaceFunctions(input);
  for (const flow of input.model.flows) {
    const results = analyzeFlow(flow, input, imports, index, options.cache, moduleKey, live, external);
    for (const r of results) {
      if (options.onlySteps && !options.onlySteps.has(`${r.flow}.${r.step}`)) continue;
      out.add(r);
    }
  }
  options.cache?.retain(live);
  return out.findings();
}

function analyzeFlow(
  flow: FlowClassModel,
  input: LeakInput,
  imports: ImportedNames,
  index: ModuleIndex,
  cache: LeakCache | undefined,
  moduleKey: string,
  live: Set<string>,
  external: ExternalLookup,
): LeakRecord[] {
  const graph = new FlowGraph(flow);
  const order = graph.order;
  const names = new Map<string, SecretNames | undefined>();
  for (const s of order) names.set(s.name, input.secretNamesForStep(s));
  // The tainted artifacts each step leaves behind.
  const writes = new Map<string, Map<string, Val>>();
  const stepNames = new Set(flow.steps.map((s) => s.name));
  let records: LeakRecord[] = [];
  const decorators: LeakRecord[] = [];

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    records = [];
    let again = false;
    order.forEach((step, i) => {
      const incoming = (attr: string): Val | undefined => {
        let v: Val | undefined;
        for (const [writer, attrs] of writes) {
          const w = attrs.get(attr);
          if (w && graph.follows(writer, step.name)) v = v ? union(v, w) : w;
        }
        if (attr === 'input') {
          // In a foreach step, self.input is one element of the parent's list.
          for (const { from, attr: list } of graph.foreachInto.get(step.name) ?? []) {
            const w = writes.get(from)?.get(list);
            if (w) v = v ? union(v, w) : w;
          }
        }
        return v;
      };
      const id = `${flow.name}.${step.name}`;
      live.add(id);
      const key = cache ? stepKey(step, names.get(step.name), input.conservative, moduleKey, writes, graph) : '';
      let result = cache?.get(id, key);
      if (!result) {
        result = analyzeStep(step, flow, names.get(step.name), input.conservative, imports, index, incoming, stepNames, external);
        cache?.set(id, key, result);
      }
      if (!sameWrites(writes.get(step.name), result.writes)) {
        // Steps already analysed in this pass that run after this one saw stale artifacts.
        if (order.slice(0, i + 1).some((earlier) => graph.follows(step.name, earlier.name))) again = true;
        writes.set(step.name, result.writes);
      }
      records.push(...result.records);
      if (pass === 0) decorators.push(...decoratorValueRecords(step, flow, input.tree.rootNode, imports));
    });
    if (!again) break;
  }
  return [...records, ...decorators];
}

function analyzeStep(
  step: StepModel,
  flow: FlowClassModel,
  names: SecretNames | undefined,
  conservative: boolean,
  imports: ImportedNames,
  index: ModuleIndex,
  incoming: (attr: string) => Val | undefined,
  stepNames: ReadonlySet<string>,
  external: ExternalLookup,
): StepResult {
  const tainted = new Set<number>();
  const ctx: StepContext = {
    externalFunction: (q) => external(q, ctx),
    step,
    stepNames,
    names,
    conservative,
    imports,
    index,
    tainted,
    summaries: new Map(),
    artifactIn: (attr, at) => {
      const v = incoming(attr);
      return v && withStep(v, { range: nodeRange(at), message: `read back as \`self.${attr}\` in step \`${step.name}\`` });
    },
  };
  const hits: SinkHit[] = [];
  const start = new TaintState();
  // A join step's `inputs`: `inp.x` / `inputs.a.x` read the artifact x of the branches.
  const inputs = parameterNames(step.functionNode)[1];
  if (inputs) start.set(inputs.name, { origins: [], kind: 'joinInputs' });
  const end = new TaintInterpreter(ctx, (hit) => hits.push(hit)).run(step.functionNode, start);
  const writes = new Map<string, Val>();
  for (const [attr, stores] of end.pending) {
    for (const p of stores) {
      if (!isTainted(p.value)) continue;
      hits.push({ kind: 'artifact', display: `self.${attr}`, sinkNode: p.statement, argNode: p.target, value: p.value, attr });
      const flat = flatten(p.value);
      const data: Val = flat.environ ? { origins: flat.origins, environ: flat.environ } : { origins: flat.origins };
      writes.set(attr, writes.has(attr) ? union(writes.get(attr)!, data) : data);
    }
  }
  const records: LeakRecord[] = [];
  for (const hit of hits) {
    if (hit.ifLoggerParam !== undefined) continue; // only meaningful inside a helper's summary
    const origins = contentOrigins(hit.value).filter((o) => o.kind !== 'param');
    const secrets = origins.filter((o) => o.kind !== 'environ');
    const env = origins.filter((o) => o.kind === 'environ');
    const make = (code: string, os: Origin[]): LeakRecord => ({
      code,
      kind: hit.kind,
      display: hit.display,
      range: nodeRange(hit.argNode),
      via: viaName(hit.argNode),
      attr: hit.attr,
      step: step.name,
      flow: flow.name,
      stepHasSecrets: names !== undefined,
      silenced: hit.silenced,
      origins: os,
      fixes: leakFixes(code, hit, { step, flow, tainted }),
    });
    const code = secretsRule(hit.kind, secrets);
    if (code) records.push(make(code.rule, code.origins));
    if (env.length) records.push(make(env.some((o) => o.withSecrets !== false) ? 'MFS054' : 'MFS057', env));
  }
  return { writes, records };
}

type ExternalLookup = (qualified: string, caller: StepContext) => { fn: SyntaxNode; ctx: StepContext } | undefined;

/** Functions of workspace modules, each summarised with its own file's imports and definitions. */
function workspaceFunctions(input: LeakInput): ExternalLookup {
  const files = new Map<string, { uri: string; imports: ImportedNames; index: ModuleIndex } | null>();
  return (q, caller) => {
    if (!input.workspace) return undefined;
    const dot = q.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const mod = q.slice(0, dot);
    let file = files.get(mod);
    if (file === undefined) {
      const f = input.workspace.module(mod);
      if (f) {
        const imports = new ImportedNames(f.tree.rootNode, f.model);
        file = { uri: f.uri, imports, index: new ModuleIndex(f.tree.rootNode, imports, f.model) };
      } else file = null;
      files.set(mod, file);
    }
    const fn = file?.index.functions.get(q.slice(dot + 1));
    if (!file || !fn) return undefined;
    return { fn, ctx: { ...caller, uri: file.uri, imports: file.imports, index: file.index, tainted: new Set() } };
  };
}

function sameWrites(a: Map<string, Val> | undefined, b: Map<string, Val>): boolean {
  if (!a) return b.size === 0;
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (!sameVal(a.get(k), v)) return false;
  return true;
}

/** Everything a step's result depends on, as one string: equal keys, equal results. */
function stepKey(
  step: StepModel,
  names: SecretNames | undefined,
  conservative: boolean,
  moduleKey: string,
  writes: Map<string, Map<string, Val>>,
  graph: FlowGraph,
): string {
  const n = names ? `${names.complete ? 'c' : 'i'}:${[...names.names].sort().join(',')}:${(names.unknownSources ?? []).join(',')}` : '-';
  // Decorators sit outside the function's text: @environment explains reads (envReadOrigin).
  const decos = step.decorators.map((d) => (d.kind === 'environment' ? d.node.text : '')).join('');
  const arts: string[] = [];
  const reads = artifactReads(step);
  for (const [writer, attrs] of writes) {
    if (attrs.size === 0 || !graph.follows(writer, step.name)) continue;
    if (!reads) arts.push(writer, writesDigest(attrs));
    else for (const [attr, v] of attrs) if (reads.has(attr)) arts.push(writer, attr, JSON.stringify([v.origins, v.environ]));
  }
  const fn = step.functionNode;
  return [fn.startPosition.row, fn.startPosition.column, conservative ? 1 : 0, n, decos, moduleKey, arts.join('\u0001'), fn.text].join('\u0000');
}

/**
 * The artifacts a step's analysis can ask for (`self.<attr>` in its body), so an upstream change
 * to an artifact it never reads leaves its cached result valid. Undefined (depends on every
 * upstream artifact) for a join step, `self.input`, a flow method called on self (its body may
 * read artifacts), or `self` used as a value (getattr, helpers given self).
 */
function artifactReads(step: StepModel): Set<string> | undefined {
  if (parameterNames(step.functionNode)[1]) return undefined;
  const body = step.functionNode.childForFieldName('body')?.text ?? '';
  const reads = new Set<string>();
  for (const m of body.matchAll(/\bself\b(\s*\.\s*([A-Za-z_]\w*)(\s*\(|\s*=(?!=))?)?/g)) {
    const attr = m[2];
    if (!attr) return undefined;
    const after = m[3]?.trim();
    if (after === '(' && attr !== 'next') return undefined;
    if (after === '=') continue; // a plain store: the step writes the artifact, it does not read it
    if (attr === 'input') return undefined;
    reads.add(attr);
  }
  return reads;
}

/**
 * The JSON of one step's tainted artifacts, computed once per writes map: every later step's
 * key includes it, and serialising all upstream artifacts again for each step made a
 * keystroke quadratic in the number of steps.
 */
const digests = new WeakMap<Map<string, Val>, string>();
function writesDigest(attrs: Map<string, Val>): string {
  let d = digests.get(attrs);
  if (d === undefined) {
    d = JSON.stringify([...attrs].map(([attr, v]) => [attr, v.origins, v.environ]));
    digests.set(attrs, d);
  }
  return d;
}

/** The parts of the file outside the steps that steps depend on (helpers, imports, constants). */
function moduleSignature(root: SyntaxNode, input: LeakInput): string {
  const stepIds = new Set<number>();
  for (const f of input.model.flows) for (const s of f.steps) stepIds.add(s.functionNode.id);
  const parts: string[] = [];
  for (const top of root.namedChildren) {
    if (!top) continue;
    const def = top.type === 'decorated_definition' ? top.childForFieldName('definition') : top;
    if (def?.type === 'class_definition') {
      parts.push(`${top.startPosition.row}:class ${def.childForFieldName('name')?.text}`);
      for (const m of def.childForFieldName('body')?.namedChildren ?? []) {
        if (!m) continue;
        const md = m.type === 'decorated_definition' ? m.childForFieldName('definition') : m;
        if (md && stepIds.has(md.id)) parts.push(`step ${md.childForFieldName('name')?.text}`);
        else parts.push(`${m.startPosition.row}:${m.text}`);
      }
    } else if (isMainGuard(top)) {
      // `if __name__ == "__main__": Flow()` ends nearly every flow file, below the steps: with its
      // row in the key, an Enter anywhere in the flow re-analysed every step. Steps never reach
      // into it, so its text is enough.
      parts.push(`main:${top.text}`);
    } else parts.push(`${top.startPosition.row}:${top.text}`);
  }
  return parts.join('\n');
}

function isMainGuard(n: SyntaxNode): boolean {
  return n.type === 'if_statement' && /^__name__\s*==\s*(['"])__main__\1$/.test(n.childForFieldName('condition')?.text ?? '');
}

/** Records keyed by rule and sink position; several paths to one sink merge into one finding. */
class FindingSet {
  private readonly byKey = new Map<string, LeakRecord>();

  constructor(private readonly input: LeakInput) {}

  add(r: LeakRecord): void {
    const key = `${r.code}:${r.range.start.line}:${r.range.start.character}:${r.range.end.line}:${r.range.end.character}`;
    const old = this.byKey.get(key);
    if (!old) {
      this.byKey.set(key, { ...r, origins: [...r.origins] });
      return;
    }
    for (const o of r.origins) if (!old.origins.some((x) => x.kind === o.kind && x.label === o.label)) old.origins.push(o);
  }

  findings(): Finding[] {
    const out: Finding[] = [];
    for (const r of this.byKey.values()) {
      const origins = [...r.origins].sort((a, b) => Number(!!a.maybe) - Number(!!b.maybe) || a.label.localeCompare(b.label));
      out.push({
        code: r.code,
        severity: leakSeverity(r.code, this.input.severity, r.silenced),
        range: r.range,
        message: leakMessage(r.code, r.kind, { origins, display: r.display, via: r.via, attr: r.attr, step: r.step, flow: r.flow, stepHasSecrets: r.stepHasSecrets, silenced: r.silenced }),
        related: relatedPath(origins),
        fixes: r.fixes,
      });
    }
    out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
    return out;
  }
}

/** The path of each secret from its source through every hop, in order (as a path problem). */
function relatedPath(origins: Origin[]): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  const seen = new Set<string>();
  for (const o of origins) {
    for (const s of o.path) {
      const key = `${s.uri ?? ''}:${s.range.start.line}:${s.range.start.character}:${s.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(s.uri ? { uri: s.uri, range: s.range, message: s.message } : { range: s.range, message: s.message });
      if (out.length >= MAX_RELATED) return out;
    }
  }
  return out;
}

function viaName(n: SyntaxNode): string | undefined {
  return n.type === 'identifier' || n.type === 'attribute' ? n.text : undefined;
}
