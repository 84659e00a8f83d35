import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, flow } from './harness';
import { applyEdits } from './applyEdits';
import { Finding, QuickFix } from '../../server/src/core/findings';

function fix(f: Finding | undefined, title: RegExp): QuickFix {
  const x = f?.fixes?.find((q) => title.test(q.title));
  assert.ok(x, `no fix matching ${title}: ${JSON.stringify(f?.fixes?.map((q) => q.title))}`);
  return x;
}

test('mask in place replaces only the secret inside an f-string, with the other quote, and the warning goes away', async () => {
  const src = flow(`
tok = os.environ["API_KEY"]
print(f'key={tok} for user')
`);
  const [f] = await analyse(src);
  const m = fix(f, /^Mask `tok`/);
  assert.equal(m.isPreferred, true);
  const fixed = applyEdits(src, m.edits);
  assert.ok(fixed.includes(`print(f'key={"*" * len(str(tok))} for user')`), fixed);
  assert.deepEqual(await analyse(fixed), []);
});

test('mask in place works for a bare argument, concatenation, a logger call and an exception', async () => {
  const src = flow(`
tok = os.environ["API_KEY"]
print(tok)
logging.info("key " + tok)
raise RuntimeError("bad " + tok)
`);
  const findings = await analyse(src);
  assert.equal(findings.length, 3);
  let fixed = src;
  // Apply one at a time, re-analysing, as a user would.
  for (let i = 0; i < 3; i++) {
    const [f] = await analyse(fixed);
    fixed = applyEdits(fixed, fix(f, /^Mask/).edits);
  }
  assert.ok(fixed.includes(`print('*' * len(str(tok)))`), fixed);
  assert.ok(fixed.includes(`logging.info("key " + '*' * len(str(tok)))`), fixed);
  assert.deepEqual(await analyse(fixed), []);
});

test('remove the print deletes the whole line, or leaves pass when it is the only statement of a block', async () => {
  const src = flow(`
tok = os.environ["API_KEY"]
print("debug", tok)
if tok:
    logging.debug(tok)
`);
  const findings = await analyse(src);
  assert.equal(findings.length, 2);
  const rm1 = fix(findings[0], /^Remove this print\(\) call/);
  const after1 = applyEdits(src, rm1.edits);
  assert.ok(!after1.includes('print("debug", tok)'));
  assert.equal(after1.split('\n').length, src.split('\n').length - 1);
  const rm2 = fix(findings[1], /^Remove this logging\.debug\(\) call/);
  const after2 = applyEdits(src, rm2.edits);
  assert.match(after2, /if tok:\n\s+pass\n/);
  assert.deepEqual(await analyse(applyEdits(after1, fix((await analyse(after1))[0], /^Remove/).edits)), []);
});

test('keep an artifact as a local renames self.x to a local in the step, and the artifact warning goes away', async () => {
  const src = flow(
    `
self.key = os.environ["API_KEY"]
client = make(self.key)
`,
    { preamble: 'def make(k):\n    return None' },
  );
  const [f] = await analyse(src);
  assert.equal(f.code, 'MFS052');
  const k = fix(f, /^Keep `self\.key` as a local variable `key`/);
  const fixed = applyEdits(src, k.edits);
  assert.ok(fixed.includes('key = os.environ["API_KEY"]') && fixed.includes('client = make(key)') && !fixed.includes('self.key'), fixed);
  assert.deepEqual(await analyse(fixed), []);
});

test('keep as a local picks a free name and is not offered when another step reads the artifact', async () => {
  const clash = flow('key = 1\nself.key = os.environ["API_KEY"]\nprint(key)');
  const [f] = await analyse(clash);
  const k = fix(f, /^Keep `self\.key` as a local variable `key_local`/);
  assert.ok(applyEdits(clash, k.edits).includes('key_local = os.environ["API_KEY"]'));
  const shared = await analyse(flow('self.key = os.environ["API_KEY"]', { end: 'use(self.key)', preamble: 'def use(k):\n    pass' }));
  const store = shared.find((x) => x.code === 'MFS052');
  assert.ok(store);
  assert.equal(
    store.fixes?.some((q) => q.title.startsWith('Keep')),
    false,
  );
});

test('printing os.environ offers to print only the names', async () => {
  const src = flow('print(os.environ)');
  const [f] = await analyse(src);
  const s = fix(f, /^Show only the variable names/);
  const fixed = applyEdits(src, s.edits);
  assert.ok(fixed.includes('print(sorted(os.environ))'));
  assert.deepEqual(await analyse(fixed), []);
});
