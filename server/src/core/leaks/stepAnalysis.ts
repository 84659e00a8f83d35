import { QuickFix } from '../findings';
import { Range } from '../positions';
import { nodeRange, SyntaxNode } from '../parser';
import { FlowClassModel, StepModel } from '../flowModel';
import { secretsRule } from './leakRuleChoice';
import { ImportedNames } from './importedNames';
import { leakFixes } from './leakFixes';
import { StepResult } from './leakCache';
import { ModuleIndex, parameterNames } from './moduleIndex';
import { SinkKind } from './sinks';
import { SinkHit, StepContext } from './stepContext';
import { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { contentOrigins, flatten, isTainted, LeakInput, Origin, SecretNames, union, Val, withStep } from './taintTypes';

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
  /** An artifact sink that is a foreach's split values. */
  foreach?: boolean;
  origins: Origin[];
  fixes: QuickFix[];
}

/** A function of a workspace module, with the context to summarise it in. */
export type ExternalLookup = (qualified: string, caller: StepContext) => { fn: SyntaxNode; ctx: StepContext } | undefined;

/** What the analysis of any step of a document needs from the document. */
export interface StepAnalysisScope {
  input: LeakInput;
  imports: ImportedNames;
  index: ModuleIndex;
  external: ExternalLookup;
}

/** The step being analysed, in its flow. */
export interface StepInFlow {
  step: StepModel;
  flow: FlowClassModel;
  names: SecretNames | undefined;
  /** The flow's step names (`inputs.<step>` in a join). */
  stepNames: ReadonlySet<string>;
  /** The tainted value of `self.<attr>` as earlier steps left it. */
  incoming(attr: string): Val | undefined;
}

/** One step's leaks (records) and the tainted artifacts it leaves for later steps (writes). */
export function analyzeStep(s: StepInFlow, doc: StepAnalysisScope): StepResult {
  const { step, flow, names, incoming } = s;
  const tainted = new Set<number>();
  const ctx: StepContext = {
    externalFunction: (q) => doc.external(q, ctx),
    step,
    stepNames: s.stepNames,
    names,
    conservative: doc.input.conservative,
    imports: doc.imports,
    index: doc.index,
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
      foreach: hit.foreach,
      origins: os,
      fixes: leakFixes(code, hit, { step, flow, tainted }),
    });
    const code = secretsRule(hit.kind, secrets);
    if (code) records.push(make(code.rule, code.origins));
    if (env.length) records.push(make(env.some((o) => o.withSecrets !== false) ? 'MFS054' : 'MFS057', env));
  }
  return { writes, records };
}

function viaName(n: SyntaxNode): string | undefined {
  return n.type === 'identifier' || n.type === 'attribute' ? n.text : undefined;
}
