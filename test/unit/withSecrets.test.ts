import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLaunchJson } from '../../server/src/core/launchConfig';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { checkWithSecrets, parseDecoratorSpec } from '../../server/src/core/withSecrets';

const cfg = fixedConfig({ DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' });
const at = () => ({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
const check = (arg: string) => checkWithSecrets(arg, at, cfg).map((f) => `${f.code}: ${f.message}`);

describe('--with secrets:... parsing', () => {
  test('splits on commas that precede name=, values as JSON, int, float, else string', () => {
    const attrs = parseDecoratorSpec('sources=["a","b"],role=arn:aws:iam::1:role/x,allow_override=1');
    assert.deepEqual(
      attrs.map((a) => [a.name, a.parsedAs, a.value]),
      [
        ['sources', 'json', ['a', 'b']],
        ['role', 'string', 'arn:aws:iam::1:role/x'],
        ['allow_override', 'json', 1],
      ],
    );
  });
  test('escaped quotes are unescaped before JSON parsing', () => {
    assert.deepEqual(parseDecoratorSpec('sources=[\\"a\\"]')[0].value, ['a']);
  });
  test('valid JSON sources give no finding', () => {
    assert.deepEqual(check('secrets:sources=["db-creds", {"type": "inline", "id": "x"}]'), []);
  });
  test('single quotes keep sources a string iterated per character', () => {
    const [m] = check("secrets:sources=['db-creds']");
    assert.match(m, /^MFS020: sources=\['db-creds'\] is not parsed as a list \(single quotes are not JSON\)/);
  });
  test('curly quotes', () => {
    const m = check('secrets:sources=[“db”]');
    assert.ok(m.some((x) => x.startsWith('MFS020: Curly quotes')));
  });
  test('allow_override=False is truthy after re-serialisation', () => {
    for (const v of ['False', 'false', '0']) assert.match(check(`secrets:sources=["a"],allow_override=${v}`)[0], /^MFS021: allow_override=.* is truthy here/);
    assert.deepEqual(check('secrets:sources=["a"],allow_override=True'), []);
  });
  test('spec errors inside the list use the same rules as the code', () => {
    assert.match(check('secrets:sources=["prod/db.creds"]')[0], /^MFS004: Unknown secrets backend type prod\/db/);
    assert.match(check('secrets:sources=["outerbounds.db"]')[0], /^MFS024: 'outerbounds' is a secrets backend type of the Outerbounds platform/);
    assert.match(check('secrets:sources=["az-key-vault.x"]')[0], /^MFS006: Failed to retrieve secret 'x': cannot use simple secret id/);
    assert.match(check('secrets:source=["a"]')[0], /^MFS008: Decorator 'secrets' does not support the attribute 'source'/);
  });
  test('other decorators are ignored', () => {
    assert.deepEqual(check('kubernetes:cpu=2'), []);
  });
});

describe("--with secrets:... and the user's Metaflow", () => {
  const arg = 'secrets:sources=["outerbounds.my-secret"]';
  const codes = (types: Parameters<typeof checkWithSecrets>[3]) => checkWithSecrets(arg, at, cfg, types).map((f) => f.code);
  test("a distribution's type is assumed while the user's Metaflow is not known", () => {
    assert.deepEqual(codes({}), ['MFS024']);
  });
  test('once probed, what that Metaflow registers decides, as for @secrets in the code', () => {
    const oss = checkWithSecrets(arg, at, cfg, {
      registeredTypes: ['aws-secrets-manager', 'az-key-vault', 'gcp-secret-manager', 'inline'],
      registeredBy: 'your Metaflow (metaflow 2.19.39)',
    });
    assert.deepEqual(
      oss.map((f) => f.code),
      ['MFS004'],
    );
    assert.match(oss[0].message, /Your Metaflow \(metaflow 2\.19\.39\) does not register 'outerbounds'\.$/);
    assert.deepEqual(codes({ registeredTypes: ['aws-secrets-manager', 'outerbounds', 'inline'], registeredBy: 'your Metaflow (ob-metaflow 2.19.39.1)' }), []);
  });
});

describe('launch.json', () => {
  const launch = `{
  // comments are allowed
  "version": "0.2.0",
  "configurations": [
    { "type": "debugpy", "request": "launch", "program": "flow.py",
      "args": ["run", "--with", "secrets:sources=['db']", "–with", "retry"] },
    { "type": "metaflow", "request": "launch", "flow": "flow.py", "args": ["--with=secrets:sources=[\\"a\\"],allow_override=False"] }
  ]
}`;
  test('finds the traps with ranges inside the right string', () => {
    const f = checkLaunchJson(launch, cfg);
    assert.deepEqual(
      f.map((x) => x.code),
      ['MFS020', 'MFS020', 'MFS021'],
    );
    assert.equal(f[0].range.start.line, 5);
    const line5 = launch.split('\n')[5];
    assert.equal(line5.slice(f[0].range.start.character, f[0].range.end.character), "['db']");
    assert.match(f[1].message, /typographic dash/);
    assert.equal(f[2].range.start.line, 6);
  });
  test('broken JSON gives no crash', () => {
    assert.deepEqual(checkLaunchJson('{"configurations": [ {"args": ["--with", ', cfg), []);
  });
});
