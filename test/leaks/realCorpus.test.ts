import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expected } from './corpusScore';
import { HELD_OUT } from './realCorpusHeldOut';
import { HELD_OUT_2 } from './realCorpusHeldOut2';
import { REAL_DEV } from './realCorpusDev';
import { analyseOffline, scoreReal } from './realCorpusScore';

// The real-flow corpus through the analysis the offline CLI runs: one test per case. Held-out
// cases the analysis gets wrong are listed in KNOWN_MISSES with the reason, never edited.

export const KNOWN_MISSES: Record<string, string> = {
  // Second held-out part, scored last (P 0.900, R 0.900: tp 18, fp 2, fn 2), before any change it prompted.
  // Fixed after scoring (so no longer held out): n-basic-auth-b64-printed, a chained call on a
  // base64 result (`base64.b64encode(...).decode()`) was taken for a base64 function.
  'n-neg-json-traceback':
    'sorted(cfg) of a mapping parsed from the secret yields its keys (names), which the analysis does not tell from its values (only os.environ is known as a mapping of names)',
  'n-int-conversion-print-e':
    'the offline setting heuristic: a read converted with int() is taken for a setting, so a numeric secret (a PIN) is not assumed secret (the documented price)',
  'n-neg-dict-filter-comprehension': 'a comprehension\'s filter (if k != "token") is not modelled: every value of cfg.items() counts',
};

for (const c of [...REAL_DEV, ...HELD_OUT, ...HELD_OUT_2]) {
  test(`offline analysis: ${c.id} (${c.pattern})`, { todo: KNOWN_MISSES[c.id] }, async () => {
    // One finding per argument: two on one line count once, as the score counts them.
    const got = [...new Set((await analyseOffline(c)).map((f) => `${f.range.start.line}:${f.code}`))].sort();
    assert.deepEqual(got, [...expected(c.src)].sort());
  });
}

test('held-out part: score (reported), and its only errors are the known misses', async () => {
  const s = await scoreReal(HELD_OUT);
  const p = s.tp / (s.tp + s.fp);
  const r = s.tp / (s.tp + s.fn);
  console.log(`held-out real corpus: ${HELD_OUT.length} cases, tp ${s.tp} fp ${s.fp} fn ${s.fn}, precision ${p.toFixed(3)}, recall ${r.toFixed(3)}`);
  for (const x of s.problems) console.log(`  ${x}`);
  assert.ok(p >= 0.9 && r >= 0.97, "far below the issue's 0.97 target");
  assert.deepEqual(
    s.problems.map((x) => x.split(':')[0]).filter((id) => !KNOWN_MISSES[id]),
    [],
  );
});

test('second held-out part: score (reported), and its only errors are the known misses', async () => {
  const s = await scoreReal(HELD_OUT_2);
  const p = s.tp / (s.tp + s.fp);
  const r = s.tp / (s.tp + s.fn);
  console.log(`second held-out part: ${HELD_OUT_2.length} cases, tp ${s.tp} fp ${s.fp} fn ${s.fn}, precision ${p.toFixed(3)}, recall ${r.toFixed(3)}`);
  for (const x of s.problems) console.log(`  ${x}`);
  assert.deepEqual(
    s.problems.map((x) => x.split(':')[0]).filter((id) => !KNOWN_MISSES[id]),
    [],
  );
});
