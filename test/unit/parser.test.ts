import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEdit, computeLineStarts, looksBinary, PythonParser } from '../../server/src/core/parser';
import { analyzeText } from '../support/analyze';

const FLOW = `from metaflow import FlowSpec, step, secrets

class F(FlowSpec):
    @secrets(sources=["prod/db.creds"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`;

describe('parser', () => {
  test('incremental reparse equals a full parse after many random edits', async () => {
    const parser = await PythonParser.create();
    let text = FLOW;
    let tree = parser.parse(text);
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const alphabet = ['a', ' ', '\n', '"', '(', ')', '.', 'x', '@', ':', '\t', 'é'];
    for (let i = 0; i < 300; i++) {
      const starts = computeLineStarts(text);
      const a = rnd(text.length + 1);
      const b = Math.min(text.length, a + rnd(4));
      const pos = (o: number) => {
        let line = 0;
        while (line + 1 < starts.length && starts[line + 1] <= o) line++;
        return { line, character: o - starts[line] };
      };
      const insert = rnd(3) === 0 ? '' : alphabet[rnd(alphabet.length)];
      text = applyEdit(tree, text, starts, { start: pos(a), end: pos(b) }, insert);
      const next = parser.parse(text, tree);
      tree.delete();
      tree = next;
      if (i % 25 === 0) {
        const full = parser.parse(text);
        assert.equal(tree.rootNode.toString(), full.rootNode.toString(), `divergence after edit ${i}`);
        full.delete();
      }
    }
  });

  test('half-typed decorators still give a model for the parts that parse', async () => {
    const half = `from metaflow import FlowSpec, step, secrets

class F(FlowSpec):
    @secrets(sources=["prod/db.creds"
    @step
    def start(self):
        self.next(self.end

    @secrets(sources=["other/x.y"])
    @step
    def end(self):
        pass
`;
    const a = await analyzeText(half, { DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' });
    assert.ok(
      a.findings.some((f) => f.code === 'MFS004' && f.message.includes('other/x')),
      JSON.stringify(a.findings.map((f) => f.message)),
    );
  });

  test('an unclosed string in a decorator keeps that step and every other finding', async () => {
    const half = `from metaflow import FlowSpec, step, secrets

class F(FlowSpec):
    @secrets(sources=["prod/db.creds"])
    @step
    def start(self):
        self.next(self.a)

    @secrets(sources=["aws-secrets-manager.db-cre
    @step
    def a(self):
        self.next(self.end)

    @secrets(sources="x")
    @step
    def end(self):
        pass
`;
    const a = await analyzeText(half, { DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' });
    assert.deepEqual(
      a.findings.map((f) => `${f.code}@${f.range.start.line}`),
      ['MFS004@3', 'MFS001@13'],
    );
    const steps = a.secrets.steps.map((s) => `${s.step.name}:${s.dynamic ? 'unknown' : s.sources.map((x) => x.spec.id).join(',')}`);
    // The half-typed name is not a name yet: the step is kept, its source is not guessed (nor sent to a backend).
    assert.deepEqual(steps, ['start:creds', 'a:unknown', 'end:x']);
  });

  test('malformed Python of many kinds gives no crash', async () => {
    const samples = [
      '',
      '@',
      '@secrets(',
      'class',
      'class F(FlowSpec):\n    @secrets(sources=[{',
      ')))(((',
      'def f(:\n  @secrets(sources="x")',
      '"""unterminated',
      '\u0000\u0001',
      'x = [' + '['.repeat(500),
    ];
    for (const s of samples) await analyzeText(s, {});
  });

  test('a 20,000-line flow is analysed', async () => {
    const steps: string[] = [];
    for (let i = 0; i < 2000; i++) {
      steps.push(`    @secrets(sources=["prod/s${i}.x", {"type": "inline", "id": "i${i}", "options": {"env_vars": {"K${i}": "v"}}}])
    @step
    def s${i}(self):
        x = os.environ["K${i}"]
        print("step ${i}")
        self.next(self.s${i + 1})
`);
    }
    const text = `import os\nfrom metaflow import FlowSpec, step, secrets\n\nclass Big(FlowSpec):\n${steps.join('\n')}`;
    assert.ok(text.split('\n').length > 14000);
    const a = await analyzeText(text, {});
    assert.equal(a.secrets.steps.length, 2000);
    assert.equal(a.findings.filter((f) => f.code === 'MFS004').length, 2000);
  });

  test('binary content is recognised', () => {
    assert.equal(looksBinary('abc\u0000def'), true);
    assert.equal(looksBinary('print("hi")'), false);
  });
});
