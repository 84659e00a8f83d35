import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

test('the README tables match the rule table and the manifest', () => {
  const repo = path.resolve(__dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'docs.mjs'), '--check'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
