import { Finding, RelatedLocation } from '../findings';
import { nodeRange, SyntaxNode } from '../parser';
import { FlowClassModel, StepModel } from '../flowModel';
import { rule } from '../rules';
import { FlowGraph } from './flowGraph';
import { ImportedNames } from './importedNames';
import { leakFixes } from './leakFixes';
import { leakMessage } from './leakMessages';
import { ModuleIndex } from './moduleIndex';
import { SinkHit, StepContext, TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { contentOrigins, isTainted, LeakInput, Origin, SecretNames, sameVal, union, Val, withStep } from './taintTypes';

const RULE_BY_SINK = { log: 'MFS050', exception: 'MFS051', artifact: 'MFS052', card: 'MFS053' } as const;
const MAX_RELATED = 24;
/** Passes over a flow until artifacts stop changing (only cycles or an unknown graph need a second). */
const MAX_PASSES = 4;

export interface LeakOptions {
  /** Report only findings of these steps ("Flow.step"); artifacts still flow through every step. */
  onlySteps?: ReadonlySet<string>;
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
  const tainted = new Set<number>();
  const out = new FindingSet(input, tainted);
  for (const flow of input.model.flows) {
    const hits = analyzeFlow(flow, input, imports, index, tainted);
    for (const { hit, step } of hits) {
      if (options.onlySteps && !options.onlySteps.has(`${flow.name}.${step.name}`)) continue;
      out.add(hit, step, flow);
    }
  }
  return out.findings();
}

interface StepHit {
  hit: SinkHit;
  step: StepModel;
}

function analyzeFlow(flow: FlowClassModel, input: LeakInput, imports: ImportedNames, index: ModuleIndex, tainted: Set<number>): StepHit[] {
  const graph = new FlowGraph(flow);
  const order = graph.order;
  const names = new Map<string, SecretNames | undefined>();
  for (const s of order) names.set(s.name, input.secretNamesForStep(s));
  // The tainted artifacts each step leaves behind.
  const writes = new Map<string, Map<string, Val>>();
  let hits: StepHit[] = [];

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    hits = [];
    let again = false;
    order.forEach((step, i) => {
      const ctx: StepContext = {
        step,
        names: names.get(step.name),
        conservative: input.conservative,
        imports,
        index,
        tainted,
        summaries: new Map(),
        artifactIn: (attr, at) => {
          let v: Val | undefined;
          for (const [writer, attrs] of writes) {
            const w = attrs.get(attr);
            if (w && graph.follows(writer, step.name)) v = v ? union(v, w) : w;
          }
          return v && withStep(v, { range: nodeRange(at), message: `read back as \`self.${attr}\` in step \`${step.name}\`` });
        },
      };
      const stepHits: StepHit[] = [];
      const interp = new TaintInterpreter(ctx, (hit) => stepHits.push({ hit, step }));
      const end = interp.run(step.functionNode, new TaintState());
      const mine = new Map<string, Val>();
      for (const [attr, stores] of end.pending) {
        for (const p of stores) {
          if (!isTainted(p.value)) continue;
          stepHits.push({ step, hit: { kind: 'artifact', display: `self.${attr}`, sinkNode: p.statement, argNode: p.target, value: p.value, attr } });
          mine.set(attr, mine.has(attr) ? union(mine.get(attr)!, p.value) : p.value);
        }
      }
      if (!sameWrites(writes.get(step.name), mine)) {
        // Steps already analysed in this pass that run after this one saw stale artifacts.
        if (order.slice(0, i + 1).some((earlier) => graph.follows(step.name, earlier.name))) again = true;
        writes.set(step.name, mine);
      }
      hits.push(...stepHits);
    });
    if (!again) break;
  }
  return hits;
}

function sameWrites(a: Map<string, Val> | undefined, b: Map<string, Val>): boolean {
  if (!a) return b.size === 0;
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (!sameVal(a.get(k), v)) return false;
  return true;
}

interface Pending {
  code: string;
  hit: SinkHit;
  step: StepModel;
  flow: FlowClassModel;
  origins: Origin[];
}

/** Findings keyed by rule and sink position; several paths to one sink merge into one finding. */
class FindingSet {
  private readonly byKey = new Map<string, Pending>();

  constructor(private readonly input: LeakInput, private readonly tainted: ReadonlySet<number>) {}

  add(hit: SinkHit, step: StepModel, flow: FlowClassModel): void {
    const origins = contentOrigins(hit.value).filter((o) => o.kind !== 'param');
    const secrets = origins.filter((o) => o.kind !== 'environ');
    const env = origins.filter((o) => o.kind === 'environ');
    if (secrets.length) this.put(RULE_BY_SINK[hit.kind], hit, step, flow, secrets);
    if (env.length) this.put('MFS054', hit, step, flow, env);
  }

  private put(code: string, hit: SinkHit, step: StepModel, flow: FlowClassModel, origins: Origin[]): void {
    const r = nodeRange(hit.argNode);
    const key = `${code}:${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}`;
    const old = this.byKey.get(key);
    if (!old) {
      this.byKey.set(key, { code, hit, step, flow, origins: [...origins] });
      return;
    }
    for (const o of origins) if (!old.origins.some((x) => x.kind === o.kind && x.label === o.label)) old.origins.push(o);
  }

  findings(): Finding[] {
    const out: Finding[] = [];
    for (const p of this.byKey.values()) {
      const origins = [...p.origins].sort((a, b) => Number(!!a.maybe) - Number(!!b.maybe) || a.label.localeCompare(b.label));
      const message = leakMessage(p.code, p.hit.kind, {
        origins,
        display: p.hit.display,
        via: viaName(p.hit.argNode),
        attr: p.hit.attr,
        step: p.step.name,
        flow: p.flow.name,
      });
      out.push({
        code: p.code,
        severity: this.input.severity ?? rule(p.code).severity,
        range: nodeRange(p.hit.argNode),
        message,
        related: relatedPath(origins),
        fixes: leakFixes(p.code, p.hit, { step: p.step, flow: p.flow, tainted: this.tainted }),
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
      const key = `${s.range.start.line}:${s.range.start.character}:${s.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ range: s.range, message: s.message });
      if (out.length >= MAX_RELATED) return out;
    }
  }
  return out;
}

function viaName(n: SyntaxNode): string | undefined {
  return n.type === 'identifier' || n.type === 'attribute' ? n.text : undefined;
}
