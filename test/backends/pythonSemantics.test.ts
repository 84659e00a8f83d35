import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { PyJsonDecodeError, pyJsonLoads } from '../../server/src/backends/pythonJson';
import { pyStr } from '../../server/src/backends/pythonStr';
import { ContentError, decodeUtf8Strict, expandJsonObject } from '../../server/src/backends/secretContent';
import { repoRoot } from '../support/emulators';

// The re-implementations of json.loads, str() and bytes.decode are pinned against the real
// CPython in the project's .venv (the interpreter Metaflow runs on).

function python(script: string, input: unknown): any {
  const root = repoRoot();
  const out = execFileSync(path.join(root, '.venv', 'bin', 'python'), [path.join(root, 'test', 'backends', 'oracles', script)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out);
}

const VALID = [
  '{"a": 1}',
  '{"b": true, "1": null, "0": false}',
  '[1, "x", 1.0, 1e16, 1e15, 0.0001, 0.00001, -0.0, 1.5e300, 123456789012345678901234567890, 1E400, -1e-7]',
  '{"n": {"a": [1, {"b": null}], "c": "it\'s"}}',
  '"quote\\"s and \'single\'"',
  '{"ctl": "a\\u0001b\\t\\n\\r\\u007f\\\\"}',
  '{"u": "\\u00e9\\u00a0\\u2028\\ud83d\\ude00 \\u00ad \\ufeff"}',
  '{"lone": ["\\ud800x"]}',
  'NaN',
  '[Infinity, -Infinity, NaN]',
  '{"a":1,"a":2,"b":3}',
  '[0.1, 100.0, 2.5e-5, 12345.678, 1.7976931348623157e308, 5e-324, 1e22, 123456789.123456789, 0.3]',
  '{"mixed": [true, false, null, "x\\"y", "both\'\\"q"]}',
  '  {"ws": 1}\n\t',
  '-0',
  '{"e": 1e5, "E": 2E-3, "neg": -12.5e+2}',
  '{"😀": "😀", "k": [[], {}]}',
];
const INVALID = [
  '',
  ' ',
  '{',
  '{"a" 1}',
  '{"a":1,}',
  '[1,]',
  '[1 2]',
  '{"a":1} x',
  'tru',
  '"abc',
  '"a\\qb"',
  '"\\u12"',
  '"\\u12zz"',
  '"a\u0001"',
  '\ufeff{}',
  '01',
  '-',
  '{1:2}',
  '[',
  '{"a":',
  'nul',
  '\n\n  {"a": }',
  '{"é": x}',
  '"😀" x',
  '1.',
  '.5',
  '1e',
  '[1e+]',
  "{'a': 1}",
  '{"a": True}',
  '"\\ud83d\\u12"',
  '[-]',
  '{"a":1 "b":2}',
];

test('json.loads + str() match CPython for valid documents', () => {
  const py = python('python_json_oracle.py', { texts: VALID, bytes: [] });
  VALID.forEach((text, i) => {
    const want = py.texts[i];
    assert.equal(want.ok, true, `python parses ${text}`);
    const got = pyJsonLoads(text);
    assert.equal(pyStr(got), want.str, `str() of ${JSON.stringify(text)}`);
    if (want.values) {
      // The variable map: order and str() of each value, as Metaflow builds it.
      const vars = [...expandJsonObject(text, true).entries()];
      assert.deepEqual(
        vars,
        want.values.map(([k, v]: [string, string]) => [k.replace(/[-./]/g, '_'), v]),
        `variables of ${text}`,
      );
    }
  });
});

test("json.loads errors have CPython's exact text and position", () => {
  const py = python('python_json_oracle.py', { texts: INVALID, bytes: [] });
  INVALID.forEach((text, i) => {
    const want = py.texts[i];
    assert.equal(want.ok, false, `python refuses ${JSON.stringify(text)}`);
    assert.throws(
      () => pyJsonLoads(text),
      (e: unknown) => e instanceof PyJsonDecodeError && e.message === want.msg,
      `error for ${JSON.stringify(text)}: want ${want.msg}`,
    );
  });
});

test('GCP passes the JSONDecodeError text through; AWS uses its own sentence', () => {
  const py = python('python_json_oracle.py', { texts: ['not json'], bytes: [] });
  assert.throws(
    () => expandJsonObject('not json', false),
    (e: unknown) => e instanceof ContentError && e.message === py.texts[0].msg,
  );
  assert.throws(
    () => expandJsonObject('not json', true),
    (e: unknown) => e instanceof ContentError && e.message === 'Secret string could not be parsed as JSON',
  );
  assert.throws(
    () => expandJsonObject('[1, 2]', true),
    (e: unknown) => e instanceof ContentError && e.message === "Secret string is a JSON, but not an object (dict-like) - actual type <class 'list'>.",
  );
  assert.throws(
    () => expandJsonObject('{"a-b": 1, "a_b": 2}', true),
    (e: unknown) => e instanceof ContentError && e.kind === 'duplicate-key' && e.message === "Duplicate key in secret: 'a_b' (sanitizes to 'a_b')",
  );
});

test('bytes.decode("UTF-8") errors match CPython', () => {
  const cases = [
    [0xff],
    [0x61, 0xe2, 0x28, 0xa1],
    [0xe2, 0x82],
    [0xed, 0xa0, 0x80],
    [0xf0, 0x9f, 0x98],
    [0xc0, 0xaf],
    [0xf4, 0x90, 0x80, 0x80],
    [0x68, 0x69, 0xc3, 0xa9],
    [0xf0, 0x9f, 0x98, 0x80],
  ];
  const py = python('python_json_oracle.py', { texts: [], bytes: cases });
  cases.forEach((bytes, i) => {
    const want = py.bytes[i];
    if (want.ok) assert.equal(decodeUtf8Strict(Uint8Array.from(bytes)), Buffer.from(bytes).toString('utf8'));
    else
      assert.throws(
        () => decodeUtf8Strict(Uint8Array.from(bytes)),
        (e: unknown) => e instanceof ContentError && e.message === want.msg,
        `bytes ${bytes}: want ${want.msg}`,
      );
  });
});
