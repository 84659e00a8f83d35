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

const tsFiles = (dir: string): string[] => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(root, dir));
  return files;
};
const importing = (files: string[], pattern: RegExp) => files.filter((f) => pattern.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
const EDITOR_PACKAGES = /from '(vscode|vscode-languageserver[^']*|vscode-languageclient[^']*)'/;

test('the analysis imports neither vscode nor the language-server packages', () => {
  const files = tsFiles('server/src/core');
  assert.ok(files.length > 30, `${files.length} core files`);
  assert.deepEqual(importing(files, EDITOR_PACKAGES), []);
});

// Inside the server project (one compilation unit), the session is what the editor and the CLI
// share: it knows neither of them, and the CLI runs without the language server's code.
test('the analysis session imports neither the LSP adapter nor the CLI; the CLI does not import the LSP adapter', () => {
  const session = tsFiles('server/src/session');
  assert.ok(session.length >= 4, `${session.length} session files`);
  assert.deepEqual(importing(session, EDITOR_PACKAGES), []);
  assert.deepEqual(importing(session, /from '\.\.\/(lsp|cli)\//), []);
  assert.deepEqual(importing(tsFiles('server/src/cli'), /from '\.\.\/lsp\//), []);
});
