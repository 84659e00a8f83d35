import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PythonParser } from '../../server/src/core/parser';
import { buildModel, StepModel } from '../../server/src/core/flowModel';
import { Finding } from '../../server/src/core/findings';
import { findLeaks, LeakCache } from '../../server/src/core/leaks';
import { analyse, flow } from './harness';

const names = (s: StepModel) => (s.decorators.some((d) => d.kind === 'secrets') ? { names: new Set(['API_KEY', 'DB_PASSWORD']), complete: true } : undefined);

async function run(parser: PythonParser, text: string, cache?: LeakCache): Promise<Finding[]> {
  const tree = parser.parse(text);
  try {
    return findLeaks({ tree, model: buildModel(tree), secretNamesForStep: names, conservative: false }, { cache });
  } finally {
    tree.delete();
  }
}

test('with a LeakCache, every version of a document gets exactly the findings of a fresh analysis', async () => {
  const parser = await PythonParser.create();
  const helper = 'def fmt(v):\n    return "<" + v + ">"';
  const versions = [
    flow('self.key = os.environ["API_KEY"]', { end: 'print(self.key)', preamble: helper }),
    // the artifact disappears upstream: the unchanged `end` step must stop reporting
    flow('key = os.environ["API_KEY"]', { end: 'print(self.key)', preamble: helper }),
    flow('key = os.environ["API_KEY"]\nprint(fmt(key))', { end: 'print(self.key)', preamble: helper }),
    // typing inside a line of `start`: `end` keeps its position and is served from the cache
    flow('key = os.environ["API_KEY"]\nprint(fmt(key), 1)', { end: 'print(self.key)', preamble: helper }),
    flow('key = os.environ["API_KEY"]\nprint(len(key), 1)', { end: 'print(self.key)', preamble: helper }),
    // only the helper changes: the step that calls it must be re-analysed
    flow('key = os.environ["API_KEY"]\nprint(fmt(key))', { end: 'print(self.key)', preamble: 'def fmt(v):\n    return len(v)' }),
    // lines inserted above every step: positions move
    '# a comment\n\n' + flow('key = os.environ["API_KEY"]\nprint(fmt(key))', { end: 'print(self.key)', preamble: helper }),
    flow('self.key = os.environ["API_KEY"]', { end: 'print(self.key)', preamble: helper }),
    flow('self.key = os.environ["API_KEY"]', { end: 'print(self.key)', preamble: helper, secrets: false }),
  ];
  const cache = new LeakCache();
  for (const [i, text] of versions.entries()) {
    const fresh = await run(parser, text);
    const cached = await run(parser, text, cache);
    assert.deepEqual(cached, fresh, `version ${i}`);
  }
  assert.ok(cache.hits > 0, 'the cache was never used');
  // Same text again: nothing is re-analysed.
  const before = cache.misses;
  await run(parser, versions[versions.length - 1], cache);
  assert.equal(cache.misses, before);
});

test('text-guided lookups find imports and self.next after non-ASCII text', async () => {
  const parser = await PythonParser.create();
  const text = flow('# état: clé → valeur 🔑\nmsg = "naïve ünïcode 🔑"\nimport sys as système\nsystème.stdout.write(os.environ["API_KEY"])', {
    end: 'print(self.k)',
  }).replace('self.next(self.end)', 'self.k = os.environ["API_KEY"]  # clé\n        self.next(self.end)');
  const f = await run(parser, text);
  assert.deepEqual(f.map((x) => x.code).sort(), ['MFS050', 'MFS050', 'MFS052']);
});

test('the cache key covers what the offline default reads outside the body: @environment and the unknown sources', async () => {
  const cache = new LeakCache();
  const body = (envDeco: string) =>
    [
      'import os',
      'from metaflow import FlowSpec, step, secrets, environment',
      'class F(FlowSpec):',
      envDeco,
      '    @secrets(sources=["hf"])',
      '    @step',
      '    def start(self):',
      '        print(os.environ["MODEL_NAME"])',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      '',
    ].join('\n');
  const opts = { complete: false, names: [] as string[], leakOptions: { cache } };
  assert.deepEqual(
    (await analyse(body('    @environment(vars={"OTHER": "x"})'), opts)).map((f) => f.code),
    ['MFS055'],
  );
  assert.deepEqual(
    (await analyse(body('    @environment(vars={"MODEL_NAME": "x"})'), opts)).map((f) => f.code),
    [],
    '@environment now explains the read',
  );
});
