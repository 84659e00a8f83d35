import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/core/analyzer';
import { LeakCache, nonSecretKeys, nonSecretNote, nonSecretPatternProblem, secretNamesFromAnalysis } from '../../server/src/core/leaks';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { PythonParser } from '../../server/src/core/parser';
import { hoverAt } from '../../server/src/lsp/hover';
import { nonSecretKeysOf, parseServerSettings } from '../../server/src/lsp/serverSettings';

// Keys declared not secret (metaflowSecrets.nonSecretKeys / --non-secret-keys): the matcher, the
// leak analysis that honours it, and the hovers that explain it.

const INLINE = '{"type": "inline", "id": "db", "options": {"env_vars": {"DB_USER": "u", "DB_PASSWORD": "p", "DB_HOST": "h"}}}';

function flow(decorator: string): string {
  return `import os
from metaflow import FlowSpec, step, secrets

class DbFlow(FlowSpec):
    ${decorator}
    @step
    def start(self):
        print(os.environ["DB_USER"])
        print(os.environ["DB_PASSWORD"])
        print(os.environ["DB_HOST"])
        self.next(self.end)

    @step
    def end(self):
        pass
`;
}

let parser: Promise<PythonParser> | undefined;

/** `code@line` of the leak findings (MFS05x) of `text`, analysed with these non-secret keys. */
async function leaks(text: string, patterns: string[], cache?: LeakCache): Promise<string[]> {
  parser ??= PythonParser.create();
  const p = await parser;
  const tree = p.parse(text);
  try {
    const { analysis } = analyzeDocument(p, text, tree, {
      config: fixedConfig({ DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' }),
      leaks: { severity: 'warning', conservative: false, cache, nonSecretKeys: nonSecretKeys(patterns, 'metaflowSecrets.nonSecretKeys') },
    });
    return analysis.findings.filter((f) => /^MFS05[0-7]$/.test(f.code)).map((f) => `${f.code}@${f.range.start.line}`);
  } finally {
    tree.delete();
  }
}

test('names match exactly, * and ? as globs, case-sensitive', () => {
  const k = nonSecretKeys(['DB_USER', '*_HOST', 'PORT_?'], 'setting');
  assert.equal(k.match('DB_USER'), 'DB_USER');
  assert.equal(k.match('DB_HOST'), '*_HOST');
  assert.equal(k.match('_HOST'), '*_HOST');
  assert.equal(k.match('PORT_1'), 'PORT_?');
  assert.equal(k.match('PORT_10'), undefined);
  assert.equal(k.match('db_user'), undefined, 'environment variable names are case-sensitive');
  assert.equal(k.match('DB_HOSTNAME'), undefined, 'a pattern matches the whole name');
  assert.equal(k.match('DB_PASSWORD'), undefined);
});

test('a wildcard never un-secrets a credential-looking name; the exact name does', () => {
  const k = nonSecretKeys(['DB_*', 'API_TOKEN'], 'setting');
  assert.equal(k.match('DB_NAME'), 'DB_*');
  assert.equal(k.match('DB_PASSWORD'), undefined);
  assert.deepEqual(k.explain('DB_PASSWORD'), { pattern: 'DB_*', applies: false });
  assert.equal(k.match('API_TOKEN'), 'API_TOKEN');
  assert.match(nonSecretNote('DB_PASSWORD', k)!, /matches `DB_\*` in `setting` but looks like a credential, so it is still treated as a secret/);
  assert.match(nonSecretNote('API_TOKEN', k)!, /Not a secret value: it is listed in `setting`/);
  assert.equal(nonSecretNote('OTHER', k), undefined);
});

test('patterns that are not key names, or that match everything, are refused', () => {
  assert.equal(nonSecretPatternProblem('*_USER'), undefined);
  assert.match(nonSecretPatternProblem('DB-USER')!, /not a key name or pattern/);
  assert.match(nonSecretPatternProblem('a b')!, /not a key name or pattern/);
  assert.match(nonSecretPatternProblem('')!, /not a key name or pattern/);
  assert.match(nonSecretPatternProblem('**')!, /every key/);
  assert.deepEqual(nonSecretKeys(['*', 'x y', 'DB_USER', 'DB_USER'], 's').patterns, ['DB_USER']);
});

test('the setting is validated, and compiled once per settings object', () => {
  const parsed = parseServerSettings({ nonSecretKeys: ['*_USER', 'bad-name', 7, '*'] });
  assert.deepEqual(parsed.settings.nonSecretKeys, ['*_USER']);
  assert.deepEqual(parsed.problems, [
    "metaflowSecrets.nonSecretKeys[1]: 'bad-name' is not a key name or pattern (letters, digits, _ and the wildcards * and ?); ignored.",
    'metaflowSecrets.nonSecretKeys[2]: it is a number; ignored.',
    "metaflowSecrets.nonSecretKeys[3]: '*' would make every key non-secret; ignored.",
  ]);
  assert.deepEqual(parseServerSettings({ nonSecretKeys: 'DB_USER' }).problems, [
    'metaflowSecrets.nonSecretKeys must be an array of key names or patterns, got a string; ignored.',
  ]);
  assert.deepEqual(parseServerSettings({}).settings.nonSecretKeys, []);
  const k = nonSecretKeysOf(parsed.settings);
  assert.equal(nonSecretKeysOf(parsed.settings), k);
  assert.equal(k.origin, 'metaflowSecrets.nonSecretKeys');
});

test('known keys: a declared key is no leak, the others of the same secret still are', async () => {
  const text = flow(`@secrets(sources=[${INLINE}])`);
  assert.deepEqual(await leaks(text, []), ['MFS050@7', 'MFS050@8', 'MFS050@9']);
  assert.deepEqual(await leaks(text, ['DB_USER', '*_HOST']), ['MFS050@8']);
  // A broad wildcard leaves the password alone.
  assert.deepEqual(await leaks(text, ['DB_*']), ['MFS050@8']);
});

test('unknown keys (offline): a declared key is not assumed secret either', async () => {
  const text = flow('@secrets(sources=["db-credentials"])');
  // DB_HOST reads as a setting offline (its name), so it is not assumed secret even undeclared.
  assert.deepEqual(await leaks(text, []), ['MFS055@7', 'MFS055@8']);
  assert.deepEqual(await leaks(text, ['*_USER']), ['MFS055@8']);
});

test('the leak cache notices a change of the declared keys', async () => {
  const text = flow(`@secrets(sources=[${INLINE}])`);
  const cache = new LeakCache();
  assert.deepEqual(await leaks(text, [], cache), ['MFS050@7', 'MFS050@8', 'MFS050@9']);
  assert.deepEqual(await leaks(text, ['DB_USER'], cache), ['MFS050@8', 'MFS050@9']);
  assert.deepEqual(await leaks(text, [], cache), ['MFS050@7', 'MFS050@8', 'MFS050@9']);
});

test('secretNamesFromAnalysis leaves declared keys out of the names and carries the matcher', async () => {
  parser ??= PythonParser.create();
  const p = await parser;
  const text = flow(`@secrets(sources=[${INLINE}])`);
  const tree = p.parse(text);
  try {
    const { analysis } = analyzeDocument(p, text, tree, { config: fixedConfig({}) });
    const k = nonSecretKeys(['DB_USER'], 's');
    const names = secretNamesFromAnalysis(analysis.secrets, k)(analysis.model.flows[0].steps[0]);
    assert.deepEqual([...names!.names], ['DB_PASSWORD', 'DB_HOST']);
    assert.equal(names!.nonSecret, k);
    assert.equal(
      secretNamesFromAnalysis(analysis.secrets, nonSecretKeys([], 's'))(analysis.model.flows[0].steps[0])!.nonSecret,
      undefined,
      'no patterns, no matcher',
    );
  } finally {
    tree.delete();
  }
});

test('hovers mark declared keys and say which pattern of which setting made them non-secret', async () => {
  parser ??= PythonParser.create();
  const p = await parser;
  const text = flow(`@secrets(sources=[${INLINE}])`);
  const tree = p.parse(text);
  try {
    const { analysis, tree: t } = analyzeDocument(p, text, tree, { config: fixedConfig({}) });
    const k = nonSecretKeys(['DB_USER', '*_HOST', 'DB_*'], 'metaflowSecrets.nonSecretKeys');
    const source = hoverAt(analysis, t, { line: 4, character: 25 }, undefined, k)!;
    assert.match(source, /\*\*Injects\*\* \(3\): `DB_USER` \(not secret: listed\), `DB_PASSWORD`, `DB_HOST` \(not secret: `\*_HOST`\)/);
    assert.match(source, /declared in `metaflowSecrets\.nonSecretKeys`: printing them is not reported as a leak/);
    const host = hoverAt(analysis, t, { line: 9, character: 27 }, undefined, k)!;
    assert.match(host, /`DB_HOST` is set by @secrets source `db \(inline\)` on step `start`\./);
    assert.match(
      host,
      /Not a secret value: it matches `\*_HOST` in `metaflowSecrets\.nonSecretKeys`, so reading or printing `DB_HOST` is not reported as a leak\./,
    );
    const pw = hoverAt(analysis, t, { line: 8, character: 27 }, undefined, k)!;
    assert.match(pw, /`DB_PASSWORD` matches `DB_\*` .* but looks like a credential/);
    // Without declarations the hovers are as before.
    assert.doesNotMatch(hoverAt(analysis, t, { line: 9, character: 27 })!, /secret value/);
    assert.doesNotMatch(hoverAt(analysis, t, { line: 4, character: 25 })!, /not secret/);
  } finally {
    tree.delete();
  }
});
