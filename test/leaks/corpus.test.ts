import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORPUS } from './corpus';
import { expected, scoreCase } from './corpusScore';

// Every item of issue 4's lists must be exercised by at least one snippet.
const REQUIRED_COVERAGE = [
  'source:environ[]',
  'source:environ.get',
  'source:getenv',
  'source:from-os-import-environ',
  'source:from-os-import-getenv',
  'source:get_secret',
  'source:os.environ',
  'source:dict(os.environ)',
  'source:os.environ.copy()',
  'source:conservative',
  'propagation:assignment',
  'propagation:augmented',
  'propagation:unpacking',
  'propagation:f-string',
  'propagation:format',
  'propagation:percent',
  'propagation:concat',
  'propagation:str()',
  'propagation:repr()',
  'propagation:container',
  'propagation:subscript',
  'propagation:attribute',
  'propagation:comprehension',
  'propagation:helper-return',
  'propagation:helper-param-sink',
  'propagation:self-artifact',
  'propagation:branches',
  'sink:print',
  'sink:logging',
  'sink:getLogger',
  'sink:self.logger',
  'sink:logger-name',
  'sink:sys.stdout',
  'sink:sys.stderr',
  'sink:pprint',
  'sink:warnings.warn',
  'sink:raise',
  'sink:artifact',
  'sink:card',
  'sink:environ-wholesale',
  'sanitizer:hashlib',
  'sanitizer:len',
  'sanitizer:bool',
  'sanitizer:comparison',
  'sanitizer:mask-slice',
  'sanitizer:mask-stars',
  'sanitizer:consumer',
  'negative:name-only',
  'negative:non-secret-env',
  'negative:overwritten',
];

test('the corpus has at least 80 labelled snippets covering every source, propagation, sink and sanitizer', () => {
  assert.ok(CORPUS.length >= 80, `only ${CORPUS.length} snippets`);
  const ids = new Set(CORPUS.map((c) => c.id));
  assert.equal(ids.size, CORPUS.length, 'snippet ids must be unique');
  const covered = new Set(CORPUS.flatMap((c) => c.covers));
  const missing = REQUIRED_COVERAGE.filter((r) => !covered.has(r));
  assert.deepEqual(missing, [], `not covered: ${missing.join(', ')}`);
  const leaky = CORPUS.filter((c) => expected(c.src).size > 0).length;
  assert.ok(leaky >= 30 && CORPUS.length - leaky >= 20, `need both leak (${leaky}) and no-leak (${CORPUS.length - leaky}) snippets`);
});

test('precision and recall on the corpus are at least 95%', async () => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const problems: string[] = [];
  for (const c of CORPUS) {
    const r = await scoreCase(c);
    tp += r.truePositives.length;
    fp += r.falsePositives.length;
    fn += r.falseNegatives.length;
    if (r.falsePositives.length || r.falseNegatives.length) {
      problems.push(`${c.id}: false positives [${r.falsePositives.join(' ')}] false negatives [${r.falseNegatives.join(' ')}]`);
    }
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  console.log(`leak corpus: ${CORPUS.length} snippets, ${tp} true positives, ${fp} false positives, ${fn} false negatives`);
  console.log(`leak corpus: precision ${(precision * 100).toFixed(1)}%, recall ${(recall * 100).toFixed(1)}%`);
  for (const p of problems) console.log(`  ${p}`);
  assert.ok(tp > 0, 'no true positives at all');
  assert.ok(precision >= 0.95, `precision ${(precision * 100).toFixed(1)}% < 95%`);
  assert.ok(recall >= 0.95, `recall ${(recall * 100).toFixed(1)}% < 95%`);
});
