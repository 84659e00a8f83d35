import { flowWith } from './badFiles';

/**
 * A broken file under the analysed size that tree-sitter takes about a second to parse: a
 * parenthesis left open (3,000 deep) before thousands of statements, which error recovery
 * re-reads again and again. For tests that need to interrupt a parse while it runs.
 */
export function slowToParse(statements = 4000): string {
  const body = Array.from({ length: statements }, (_, i) => `        x${i} = os.environ["K${i}"]\n        print(x${i})`).join('\n');
  return flowWith(`        print(${'('.repeat(3000)}\n${body}`);
}
