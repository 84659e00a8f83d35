import { nodeRange, SyntaxNode } from '../parser';
import { CallPolicy } from './callPolicy';
import { ExpressionEvaluator } from './expressions';
import { HelperCalls } from './functionSummaries';
import { StatementWalker } from './statements';
import { SinkHit, StepContext } from './stepContext';
import { TaintState } from './taintState';
import { EMPTY, isTainted, PathStep, union, Val } from './taintTypes';

/**
 * A forward, flow-sensitive walk of one function body: statements in order, assignments
 * replace a variable's value (so an overwrite cleans it), branches merge as a union, loops
 * run until nothing changes (at most three rounds). Values are the sets of secrets they may hold.
 *
 * The jobs live in their own files and share this object: statements (statements.ts),
 * expressions (expressions.ts), what a call does to its arguments (callPolicy.ts) and helper
 * functions summarised at their calls (functionSummaries.ts).
 */
export class TaintInterpreter {
  /** What the function may return (read by the caller's summary). */
  returns: Val = EMPTY;
  private sawReturn = false;
  private readonly exits: TaintState[] = [];
  readonly statements: StatementWalker;
  readonly expressions: ExpressionEvaluator;
  readonly calls: CallPolicy;
  readonly helpers: HelperCalls;

  constructor(
    readonly ctx: StepContext,
    readonly emit: (hit: SinkHit) => void,
    /** How many helper calls deep this body is (summaries stop at a limit). */
    readonly depth = 0,
    /**
     * Set while a method of a class of this file other than the flow runs: `self.x` is then an
     * attribute of that object, not an artifact, and `self.m()` one of its methods.
     */
    readonly selfClass?: string,
  ) {
    this.statements = new StatementWalker(this);
    this.expressions = new ExpressionEvaluator(this);
    this.calls = new CallPolicy(this);
    this.helpers = new HelperCalls(this);
  }

  /** Runs a function body from `st`; returns the state at its end (merged with every `return`). */
  run(fn: SyntaxNode, st: TaintState): TaintState {
    if (fn.type === 'lambda') {
      this.returned(this.expr(fn.childForFieldName('body'), st), st);
      return st;
    }
    const out = this.statements.block(fn.childForFieldName('body'), st);
    for (const e of this.exits) out.joinWith(e);
    return out;
  }

  /** A `return` statement: a single return keeps its shape (per-position tuples); several merge. */
  returned(v: Val | undefined, st: TaintState): void {
    if (v) {
      this.returns = this.sawReturn ? union(this.returns, v) : v;
      this.sawReturn = true;
    }
    this.exits.push(st.copy());
  }

  /** The value of an expression; tainted nodes are remembered for the quick fixes. */
  expr(n: SyntaxNode | null | undefined, st: TaintState): Val {
    if (!n) return EMPTY;
    const v = this.expressions.evaluate(n, st);
    if (isTainted(v)) this.ctx.tainted.add(n.id);
    return v;
  }

  /** One hop of a path, in this document or (for a workspace module's helper) in that file. */
  hop(n: SyntaxNode, message: string): PathStep {
    return this.ctx.uri ? { uri: this.ctx.uri, range: nodeRange(n), message } : { range: nodeRange(n), message };
  }

  /** An interpreter for a helper's body (in `ctx`, its file's context), one call deeper. */
  nested(ctx: StepContext, emit: (hit: SinkHit) => void, selfClass?: string): TaintInterpreter {
    return new TaintInterpreter(ctx, emit, this.depth + 1, selfClass);
  }
}
