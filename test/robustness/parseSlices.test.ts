import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInterruptibly } from '../../server/src/core/parseBudget';
import { PythonParser, SyntaxTree } from '../../server/src/core/parser';
import { DEEP_EXPRESSIONS, flowWith, hugeOneLineList, unclosedBrackets } from './badFiles';
import { slowToParse } from './slowToParse';

// The command line parses in slices so that Ctrl-C is seen between them: a parse resumed slice
// after slice must give the tree of one uninterrupted parse (exactly, for well-formed text), and
// stop at once on a signal.

const TEXTS: Record<string, string> = {
  'a flow': flowWith('        print(token)'),
  'unclosed brackets': unclosedBrackets(3000),
  'a one-line list': hugeOneLineList(5000),
  'deep calls': flowWith(DEEP_EXPRESSIONS.calls(1500)),
  'open parenthesis before many statements': slowToParse(),
};

/** Every node's type and extent, in order, walked with a cursor (toString recurses and overflows on deep trees). */
function shape(tree: SyntaxTree): string[] {
  const out: string[] = [];
  const c = tree.walk();
  for (;;) {
    out.push(`${c.nodeType}@${c.startIndex}-${c.endIndex}`);
    if (c.gotoFirstChild()) continue;
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) {
        c.delete();
        return out;
      }
    }
  }
}

for (const [name, text] of Object.entries(TEXTS)) {
  test(`${name}: the tree parsed in slices is the tree parsed at once`, async () => {
    const parser = await PythonParser.create();
    const whole = parser.parse(text);
    const sliced = await parseInterruptibly(parser, text, 60_000);
    assert.ok(sliced.tree, 'parsed within the budget');
    assert.equal(sliced.tree.rootNode.endIndex, text.length);
    // Well-formed text: exactly the same tree. Broken text: tree-sitter's error recovery may choose
    // differently depending on where a slice stopped (seen under load), so both must cover the text
    // and say it is broken.
    if (!whole.rootNode.hasError) assert.deepEqual(shape(sliced.tree), shape(whole));
    else assert.equal(sliced.tree.rootNode.hasError, true);
    sliced.tree.delete();
    whole.delete();
  });
}

test('a signal stops the parse at the next slice, and the parser is ready for another text', async () => {
  const parser = await PythonParser.create();
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 100);
  const r = await parseInterruptibly(parser, slowToParse(), 60_000, ac.signal);
  assert.equal(r.tree, undefined);
  assert.equal(!r.tree && r.stopped, 'signal');
  assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
  const next = await parseInterruptibly(parser, 'x = 1\n', 1000);
  assert.ok(next.tree);
  assert.deepEqual(shape(next.tree), ['module@0-6', 'expression_statement@0-5', 'assignment@0-5', 'identifier@0-1', '=@2-3', 'integer@4-5']);
});

test('a parse over its budget stops with "budget"', async () => {
  const parser = await PythonParser.create();
  const r = await parseInterruptibly(parser, slowToParse(), 30);
  assert.equal(!r.tree && r.stopped, 'budget');
});
