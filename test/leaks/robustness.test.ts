import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse } from './harness';
import { CORPUS } from './corpus';

// The analysis runs on every keystroke: half-typed code (any prefix of a file, any line
// deleted) must never make it throw.
test('every prefix cut and every deleted line of the corpus analyses without throwing', async () => {
  let runs = 0;
  for (const c of CORPUS) {
    const lines = c.src.split('\n');
    for (const frac of [0.2, 0.45, 0.6, 0.75, 0.9]) {
      const cut = Math.floor(c.src.length * frac);
      await analyse(c.src.slice(0, cut), c.opts);
      runs++;
    }
    for (let i = 0; i < lines.length; i += 3) {
      await analyse([...lines.slice(0, i), ...lines.slice(i + 1)].join('\n'), c.opts);
      runs++;
    }
  }
  assert.ok(runs > CORPUS.length * 5);
});
