import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/repoRoot';

// The compiler enforces the boundaries (composite projects: importing a file of a project that
// is not referenced fails with TS6307). These tests pin which project may see which, and that
// the analysis imports neither VS Code nor the language-server protocol.

const root = repoRoot();
const references = (project: string): string[] => {
  const cfg = JSON.parse(fs.readFileSync(path.join(root, project, 'tsconfig.json'), 'utf8')) as { references?: { path: string }[] };
  return (cfg.references ?? []).map((r) => path.relative(root, path.resolve(root, project, r.path))).sort();
};

test('each project references only what it may use', () => {
  assert.deepEqual(references('shared'), []);
  assert.deepEqual(references('server/src/core'), []);
  assert.deepEqual(references('server'), ['server/src/core', 'shared']);
  assert.deepEqual(references('client'), ['shared']);
});

test('the analysis imports neither vscode nor the language-server packages', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(root, 'server', 'src', 'core'));
  assert.ok(files.length > 30, `${files.length} core files`);
  const offending = files.filter((f) => /from '(vscode|vscode-languageserver[^']*|vscode-languageclient[^']*)'/.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(offending.map((f) => path.relative(root, f)), []);
});
