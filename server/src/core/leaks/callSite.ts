import { SyntaxNode } from '../parser';
import { ArgumentNode } from './taintSyntax';
import { Val } from './taintTypes';

/** One call being evaluated, with what every part of the call policy asks about it. */
export interface CallSite {
  node: SyntaxNode;
  fn: SyntaxNode;
  /** The dotted name the callee denotes through the imports (`subprocess.run`, `open`). */
  q: string | undefined;
  args: ArgumentNode[];
  /** The first positional argument. */
  first: SyntaxNode | undefined;
  /** `x.m(...)`: `m`, `x` and the value of `x` (undefined for `self`). */
  method?: string;
  receiver?: SyntaxNode;
  recv?: Val;
}

/** The argument passed by keyword `name`, or else at position `index`. */
export function argument(site: CallSite, name: string, index: number): ArgumentNode | undefined {
  return site.args.find((a) => a.keyword === name) ?? site.args.filter((a) => !a.keyword && !a.splat)[index];
}
