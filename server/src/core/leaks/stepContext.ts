import { SyntaxNode } from '../parser';
import { StepModel } from '../flowModel';
import { ImportedNames } from './importedNames';
import { ModuleIndex } from './moduleIndex';
import { SinkKind } from './sinks';
import { PendingArtifact } from './taintState';
import { StepEnvEvidence } from './envReadOrigin';
import { SecretNames, Val } from './taintTypes';

/** A tainted value reaching a sink, before it becomes a Finding. */
export interface SinkHit {
  kind: SinkKind;
  display: string;
  /** The call, `raise`/`assert` statement, or `self.x = ...` statement. */
  sinkNode: SyntaxNode;
  /** The tainted expression at the sink (where the diagnostic goes). */
  argNode: SyntaxNode;
  value: Val;
  /** For artifacts: the attribute name. */
  attr?: string;
  /** Inside a helper: a sink only if the caller passes a logger as this parameter (`lg.info(x)`). */
  ifLoggerParam?: number;
  /** The sink is inside a workspace module's function: reported at the call in this document. */
  relocated?: boolean;
  /** A sink Metaflow runs drop (warnings.warn): reported at a lower severity, worded so. */
  silenced?: boolean;
  /** For exceptions: the class raised (a caller's try may catch it: then it is handled, not printed). */
  exceptionClass?: string;
  /** For artifacts: the values a foreach splits (stored in `_foreach_values` and each task's metadata). */
  foreach?: boolean;
}

/** What a helper function does with its parameters, in the calling step's context. */
export interface FunctionSummary {
  name: string;
  /** Set for a function of another workspace file. */
  uri?: string;
  params: string[];
  returns: Val;
  hits: SinkHit[];
  artifacts: PendingArtifact[];
  /** What a call may raise with text carrying its arguments, by class (uncaught inside it). */
  raises: ReadonlyMap<string, Val>;
  /** For an `__init__` summarised for an object: the attributes it leaves on self. */
  attributes?: ReadonlyMap<string, Val>;
}

/** Everything one step's analysis shares with the helpers it calls. */
export interface StepContext {
  step: StepModel;
  /** The flow's step names (`inputs.<step>` in a join). */
  stepNames: ReadonlySet<string>;
  /** undefined: the step has no @secrets. */
  names: SecretNames | undefined;
  conservative: boolean;
  imports: ImportedNames;
  index: ModuleIndex;
  /** A tainted `self.<attr>` stored by a step that runs before this one. */
  artifactIn(attr: string, readAt: SyntaxNode): Val | undefined;
  summaries: Map<string, FunctionSummary | 'running'>;
  /** Absent: the document being analysed; else the workspace module whose function is being summarised. */
  uri?: string;
  /** A function of a workspace module this file imports (`from helpers import show`), with its file's context. */
  externalFunction?(qualified: string): { fn: SyntaxNode; ctx: StepContext } | undefined;
  /** Ids of nodes whose value was found tainted (quick fixes mask exactly those). */
  tainted: Set<number>;
  /** What the step's text says about environment names, computed on first use (envReadOrigin.ts). */
  envEvidence?: StepEnvEvidence;
}
