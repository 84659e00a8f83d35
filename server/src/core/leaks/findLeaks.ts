import { Finding, RelatedLocation } from '../findings';
import { FlowClassModel } from '../flowModel';
import { leakSeverity } from './leakRuleChoice';
import { FlowGraph } from './flowGraph';
import { ImportedNames } from './importedNames';
import { decoratorValueRecords } from './decoratorValues';
import { leakMessage, leakSummary } from './leakMessages';
import { LeakCache, moduleKey } from './leakCache';
import { ModuleIndex } from './moduleIndex';
import { analyzeStep, ExternalLookup, LeakRecord, StepAnalysisScope } from './stepAnalysis';
import { LeakInput, Origin, SecretNames, sameVal, union, Val } from './taintTypes';

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

/**
 * The leak analysis of one document: every path from a secret (an environment variable the
 * step's @secrets provides, get_secret(...), os.environ itself) to a log, an exception, an
 * artifact or a card. Pure: no I/O, no editor types.
 */
export function findLeaks(input: LeakInput, options: LeakOptions = {}): Finding[] {
  const root = input.tree.rootNode;
  const imports = new ImportedNames(root, input.model);
  const doc: DocumentScope = {
    input,
    imports,
    index: new ModuleIndex(root, imports, input.model),
    external: workspaceFunctions(input),
    cache: options.cache,
    moduleKey: options.cache ? moduleKey(root, input.model, options.workspaceVersion) : '',
    live: new Set<string>(),
  };
  const out = new FindingSet(input);
  for (const flow of input.model.flows) {
    for (const r of analyzeFlow(flow, doc)) {
      if (options.onlySteps && !options.onlySteps.has(`${r.flow}.${r.step}`)) continue;
      out.add(r);
    }
  }
  options.cache?.retain(doc.live);
  return out.findings();
}

/** What every flow of one document shares. */
interface DocumentScope extends StepAnalysisScope {
  input: LeakInput;
  cache: LeakCache | undefined;
  moduleKey: string;
  /** The steps seen in this run ("Flow.step"): the cache forgets the others. */
  live: Set<string>;
}

function analyzeFlow(flow: FlowClassModel, doc: DocumentScope): LeakRecord[] {
  const { input, cache } = doc;
  const graph = new FlowGraph(flow);
  const order = graph.order;
  const names = new Map<string, SecretNames | undefined>();
  for (const s of order) names.set(s.name, input.secretNamesForStep(s));
  // The tainted artifacts each step leaves behind.
  const writes = new Map<string, Map<string, Val>>();
  const stepNames = new Set(flow.steps.map((s) => s.name));
  let records: LeakRecord[] = [];
  const decorators: LeakRecord[] = [];
  const follows = (earlier: string, later: string): boolean => graph.follows(earlier, later);

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
      doc.live.add(id);
      const stepNamesOf = names.get(step.name);
      const key = cache ? cache.stepKey({ step, names: stepNamesOf, conservative: input.conservative, module: doc.moduleKey, writes, follows }) : '';
      let result = cache?.get(id, key);
      if (!result) {
        result = analyzeStep({ step, flow, names: stepNamesOf, stepNames, incoming }, doc);
        cache?.set(id, key, result);
      }
      if (!sameWrites(writes.get(step.name), result.writes)) {
        // Steps already analysed in this pass that run after this one saw stale artifacts.
        if (order.slice(0, i + 1).some((earlier) => graph.follows(step.name, earlier.name))) again = true;
        writes.set(step.name, result.writes);
      }
      records.push(...result.records);
      if (pass === 0) {
        const compute = () => decoratorValueRecords(step, flow, input.tree.rootNode, doc.imports);
        decorators.push(...(cache ? cache.decoratorRecords(id, { step, module: doc.moduleKey }, compute) : compute()));
      }
    });
    if (!again) break;
  }
  return [...records, ...decorators];
}

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
      const parts = {
        origins,
        display: r.display,
        via: r.via,
        attr: r.attr,
        step: r.step,
        flow: r.flow,
        stepHasSecrets: r.stepHasSecrets,
        silenced: r.silenced,
        foreach: r.foreach,
      };
      const summary = leakSummary(r.code, r.kind, parts);
      out.push({
        code: r.code,
        severity: leakSeverity(r.code, this.input.severity, r.silenced),
        range: r.range,
        message: leakMessage(r.code, r.kind, parts),
        ...(summary ? { summary } : {}),
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
