import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, flow } from './harness';
import { ALL_RULES } from '../../server/src/core/rules';

function lineOf(src: string, needle: string): number {
  const i = src.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `no line with ${needle}`);
  return i;
}

test('the finding sits on the sink argument, names the variable, and its related info walks source → hops → sink', async () => {
  const src = flow(`
pw = os.environ["DB_PASSWORD"]
url = f"postgres://u:{pw}@db"
print(url)
`);
  const [f, ...rest] = await analyse(src);
  assert.equal(rest.length, 0);
  assert.equal(f.code, 'MFS050');
  const printLine = lineOf(src, 'print(url)');
  assert.equal(f.range.start.line, printLine);
  assert.equal(f.range.start.character, src.split('\n')[printLine].indexOf('url'));
  assert.match(f.message, /`DB_PASSWORD`/);
  assert.match(f.message, /via `url`/);
  assert.match(f.message, /print\(\)/);
  const related = f.related ?? [];
  assert.deepEqual(
    related.map((r) => r.range.start.line),
    [lineOf(src, 'pw = os'), lineOf(src, 'pw = os'), lineOf(src, 'url = f')],
  );
  assert.match(related[0].message, /`DB_PASSWORD` is read from the environment, where @secrets of step `start` put it/);
  assert.match(related[1].message, /flows into `pw`/);
  assert.match(related[2].message, /flows into `url`/);
});

test('an artifact leak is reported where it is stored (datastore, Client API) and where a later step prints it, with the path through both steps', async () => {
  const src = flow('self.key = os.environ["API_KEY"]', { end: 'print("key", self.key)' });
  const findings = await analyse(src);
  const store = findings.find((f) => f.code === 'MFS052');
  const log = findings.find((f) => f.code === 'MFS050');
  assert.ok(store && log, JSON.stringify(findings.map((f) => f.code)));
  assert.match(store.message, /artifact `self\.key`/);
  assert.match(store.message, /persists it to the datastore/);
  assert.match(store.message, /Client API/);
  assert.match(store.message, /Flow\('LeakFlow'\)\[run_id\]\['start'\]\.task\.data\.key/);
  assert.equal(log.range.start.line, lineOf(src, 'print("key", self.key)'));
  const msgs = (log.related ?? []).map((r) => r.message);
  assert.deepEqual(msgs, [
    '`API_KEY` is read from the environment, where @secrets of step `start` put it',
    'stored in the artifact `self.key` (step `start`)',
    'read back as `self.key` in step `end`',
  ]);
});

test('a helper function in the same file appears in the path (parameter in, value returned)', async () => {
  const src = flow('print(wrap(os.environ["API_KEY"]))', { preamble: 'def wrap(v):\n    out = "[" + v + "]"\n    return out' });
  const [f] = await analyse(src);
  assert.equal(f.code, 'MFS050');
  const msgs = (f.related ?? []).map((r) => r.message);
  assert.ok(msgs.includes('enters `wrap()` as `v`'), msgs.join(' | '));
  assert.ok(msgs.includes('flows into `out`'), msgs.join(' | '));
  assert.ok(msgs.includes('returned by `wrap()`'), msgs.join(' | '));
  assert.ok(msgs.indexOf('enters `wrap()` as `v`') < msgs.indexOf('returned by `wrap()`'));
});

test('two secrets reaching one sink give one finding naming both', async () => {
  const [f, ...rest] = await analyse(flow('print(os.environ["DB_USER"] + ":" + os.environ["DB_PASSWORD"])'));
  assert.equal(rest.length, 0);
  assert.match(f.message, /^Secrets `DB_PASSWORD` and `DB_USER`/);
});

test('get_secret and the whole environment are named as such', async () => {
  const g = await analyse(flow('print(get_secret("aws-secrets-manager.db"))', { imports: 'from metaflow.plugins.secrets import get_secret', secrets: false }));
  assert.equal(g.length, 1);
  assert.match(g[0].message, /`get_secret\("aws-secrets-manager\.db"\)`/);
  const e = await analyse(flow('print(os.environ)', { secrets: false }));
  assert.equal(e[0].code, 'MFS057', "a step without @secrets: the platform's credentials, not @secrets values");
  assert.match(e[0].message, /whole environment \(`os\.environ`\) of a step without @secrets, with the platform's credentials/);
  const s = await analyse(flow('print(os.environ)'));
  assert.match(s[0].message, /whole environment \(`os\.environ`\), with every secret @secrets injected into this task/);
});

test("severity follows the setting, and defaults to each rule's severity", async () => {
  const src = flow('print(os.environ["API_KEY"])\nself.k = os.environ["API_KEY"]\nraise ValueError(os.environ["API_KEY"])');
  const def = await analyse(src);
  assert.equal(def.length, 3);
  for (const f of def) assert.equal(f.severity, ALL_RULES.find((r) => r.code === f.code)?.severity);
  for (const sev of ['error', 'information', 'hint'] as const) {
    const got = await analyse(src, { severity: sev });
    assert.deepEqual(
      got.map((f) => f.severity),
      [sev, sev, sev],
    );
  }
});

test('conservative mode decides whether unknown names count (complete vs incomplete names)', async () => {
  const src = flow('print(os.environ["OTHER"])\nprint(os.environ[os.environ["WHICH"]])');
  assert.equal((await analyse(src, { complete: true, conservative: false })).length, 0);
  // Not conservative, names incomplete: both reads are assumed secrets (MFS055), worded as assumptions.
  const assumed = await analyse(src, { complete: false, conservative: false });
  assert.deepEqual(
    assumed.map((f) => f.code),
    ['MFS055', 'MFS055'],
  );
  assert.match(
    assumed[0].message,
    /^`OTHER` is probably provided by @secrets sources of step `start` \(their keys are not known offline, so the name is assumed\)/,
  );
  assert.equal(assumed[0].severity, 'information');
  const cons = await analyse(src, { complete: false, conservative: true });
  assert.equal(cons.length, 2);
  assert.match(cons[0].message, /`OTHER` \(possibly a secret\)/);
  // With complete names, only the dynamic read is suspicious in conservative mode.
  const complete = await analyse(src, { complete: true, conservative: true });
  assert.equal(complete.length, 1);
  assert.match(complete[0].message, /possibly a secret/);
});

test('names are per step: a name provided to one step is not a secret in another', async () => {
  const src = flow('print(os.environ["API_KEY"])', { end: 'print(os.environ["API_KEY"])' });
  const f = await analyse(src);
  assert.deepEqual(
    f.map((x) => x.code),
    ['MFS050', 'MFS056'],
    'in the end step API_KEY only looks like a credential',
  );
  assert.equal(f[0].range.start.line, lineOf(src, 'print(os.environ["API_KEY"])'));
});

test('onlySteps restricts the report to the edited step but artifacts still flow from the others', async () => {
  const src = flow('self.key = os.environ["API_KEY"]', { end: 'print(self.key)' });
  const f = await analyse(src, { leakOptions: { onlySteps: new Set(['LeakFlow.end']) } });
  assert.deepEqual(
    f.map((x) => x.code),
    ['MFS050'],
  );
});

test('every leak rule is in the one rule table with an explanation', () => {
  for (const code of ['MFS050', 'MFS051', 'MFS052', 'MFS053', 'MFS054']) {
    const r = ALL_RULES.find((x) => x.code === code);
    assert.ok(r && r.explanation.length > 40 && r.name && r.title, code);
  }
});

test('half-typed code never throws', async () => {
  const src = flow('pw = os.environ["DB_PASSWORD"\nprint(pw\nself.x = \nfor a in :\n  logging.info(f"{pw');
  await assert.doesNotReject(analyse(src));
});

test('warnings.warn: reported at information, worded as dropped in Metaflow runs (its CLI ignores warnings)', async () => {
  const [w] = await analyse(flow('warnings.warn("key " + os.environ["API_KEY"])', { imports: 'import warnings' }));
  assert.equal(w.code, 'MFS050');
  assert.equal(w.severity, 'information');
  assert.match(w.message, /Metaflow's CLI ignores warnings .* so in a Metaflow run it is dropped; run elsewhere \(a test, a notebook importing this code\)/);
  const [e] = await analyse(flow('warnings.warn("key " + os.environ["API_KEY"])', { imports: 'import warnings' }), { severity: 'error' });
  assert.equal(e.severity, 'information', 'the setting never raises a dropped sink above information');
});

test('assumed and credential-name findings stay at their own severity under a stricter setting, and name no value', async () => {
  const src = flow('print(os.environ["HF_TOKEN"])', { end: 'print(os.environ["GITHUB_TOKEN"])' });
  const got = await analyse(src, { complete: false, names: [], severity: 'error' });
  assert.deepEqual(
    got.map((f) => `${f.code}:${f.severity}`),
    ['MFS055:information', 'MFS056:hint'],
  );
  assert.match(got[1].message, /^`GITHUB_TOKEN`, read from the environment, has a name that looks like a credential \(not known to come from @secrets\)/);
  const hint = await analyse(src, { complete: false, names: [], severity: 'hint' });
  assert.deepEqual(
    hint.map((f) => f.severity),
    ['hint', 'hint'],
    'a lower setting lowers them too',
  );
});
