import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { flowFile, heads, makeTree, runCli } from './cliHarness';
import { sarifValidator } from './sarifSchema';

// Suppression comments, --rule and baselines, seen from the command line: text hides what is
// silenced, SARIF keeps it marked (validated against the SARIF 2.1.0 schema), JSON lists it apart.

type Json = any;

let validate: (data: unknown) => boolean;
let schemaErrors: () => string;

before(() => {
  ({ validate, errors: schemaErrors } = sarifValidator());
});

// A canary inline value: it must never reach a report or a baseline file.
const CANARY = 'canary-Zq7vX2pLw9';
const INLINE = `{"type": "inline", "id": "t", "options": {"env_vars": {"DB_PASSWORD": "${CANARY}"}}}`;

const LEAKY = flowFile(
  'LeakyFlow',
  `    @secrets(sources=[${INLINE}])  # noqa: MFS018, MFS058
    @step
    def start(self):
        pw = os.environ["DB_PASSWORD"]
        print(pw)  # metaflow-secrets: ignore[MFS050]
        print(pw)
        x = 1  # noqa: E501, MFS052
        self.next(self.end)

    @secrets(  # noqa: MFS004
        sources=["prod/db.creds"],
    )
    @step
    def end(self):
        pass
`,
);

describe('suppressions on the command line', () => {
  test('text omits suppressed findings and reports unused suppressions of MFS codes', async () => {
    const dir = makeTree({ 'flow.py': LEAKY });
    const r = await runCli(['check', '--offline', '--severity', 'warning'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(heads(r.stdout), ['flow.py:11:15: warning MFS050', 'flow.py:12:16: information MFS080']);
    assert.match(r.stdout, /MFS080 Unused suppression of MFS052: it is not reported on this line/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(CANARY));
  });

  test('--rule changes a severity by code or name, or turns a rule off', async () => {
    const dir = makeTree({ 'flow.py': LEAKY });
    const r = await runCli(['check', '--offline', '--rule', 'secret-in-log=error', '--rule', 'MFS080=off'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(heads(r.stdout), ['flow.py:11:15: error MFS050']);
    const off = await runCli(['check', '--offline', '--severity', 'hint', '--rule=MFS050=off', '--rule', 'MFS080=off'], { cwd: dir });
    assert.equal(off.code, 0, off.stdout + off.stderr);
    const bad = await runCli(['check', '--offline', '--rule', 'MFS999=off'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--rule: unknown rule 'MFS999'/);
  });

  test('SARIF keeps suppressed findings with inSource suppressions, and --rule as configuration overrides', async () => {
    const dir = makeTree({ 'flow.py': LEAKY });
    const r = await runCli(['check', '--offline', '--format', 'sarif', '--rule', 'MFS053=off'], { cwd: dir });
    const log: Json = JSON.parse(r.stdout);
    assert.ok(validate(log), schemaErrors());
    const results: Json[] = log.runs[0].results;
    const suppressed = results.filter((x) => x.suppressions);
    assert.deepEqual(suppressed.map((x) => `${x.ruleId}@${x.locations[0].physicalLocation.region.startLine}`).sort(), [
      'MFS004@16',
      'MFS018@6',
      'MFS050@10',
      'MFS058@6',
    ]);
    const s = suppressed.find((x) => x.ruleId === 'MFS050').suppressions[0];
    assert.equal(s.kind, 'inSource');
    assert.equal(s.justification, '# metaflow-secrets: ignore[MFS050]');
    assert.equal(s.location.physicalLocation.region.startLine, 10);
    assert.deepEqual(
      results.filter((x) => !x.suppressions).map((x) => x.ruleId),
      ['MFS050', 'MFS080'],
    );
    assert.deepEqual(log.runs[0].invocations[0].ruleConfigurationOverrides, [
      { descriptor: { id: 'MFS053', index: log.runs[0].tool.driver.rules.findIndex((x: Json) => x.id === 'MFS053') }, configuration: { enabled: false } },
    ]);
    assert.doesNotMatch(r.stdout, new RegExp(CANARY));
  });

  test('JSON lists suppressed findings apart, marked', async () => {
    const dir = makeTree({ 'flow.py': LEAKY });
    const r = await runCli(['check', '--offline', '--format', 'json'], { cwd: dir });
    const out: Json = JSON.parse(r.stdout);
    assert.deepEqual(
      out.findings.map((f: Json) => f.code),
      ['MFS050', 'MFS080'],
    );
    assert.deepEqual(out.suppressed.find((f: Json) => f.code === 'MFS004').suppression, {
      kind: 'comment',
      scope: 'line',
      directive: '# noqa: MFS004',
      line: 15,
    });
  });
});

describe('baselines', () => {
  const BASE = flowFile(
    'OldFlow',
    `    @secrets(sources=[${INLINE}])
    @step
    def start(self):
        pw = os.environ["DB_PASSWORD"]
        print(pw)
        print(pw)
        self.next(self.end)

    @step
    def end(self):
        pass
`,
  );

  test('--write-baseline accepts what is there; a line shift does not bring it back, a new finding appears', async () => {
    const dir = makeTree({ 'flows/old.py': BASE });
    fs.mkdirSync(path.join(dir, '.git'));
    const w = await runCli(['check', '--offline', '--write-baseline', 'ci/baseline.json', 'flows'], { cwd: dir });
    assert.equal(w.code, 0, w.stdout + w.stderr);
    assert.equal(w.stdout, '');
    assert.match(w.stderr, /wrote 4 finding\(s\) to the baseline ci\/baseline\.json/);
    const text = fs.readFileSync(path.join(dir, 'ci', 'baseline.json'), 'utf8');
    assert.doesNotMatch(text, new RegExp(CANARY), 'no value in the baseline');
    const b: Json = JSON.parse(text);
    assert.deepEqual(
      b.findings.map((e: Json) => `${e.file} ${e.rule} ×${e.count}`),
      ['flows/old.py MFS018 ×1', 'flows/old.py MFS050 ×2', 'flows/old.py MFS058 ×1'],
    );
    assert.ok(b.findings.every((e: Json) => /^[0-9a-f]{32}$/.test(e.fingerprint)));
    // Stable: writing it again gives the same bytes.
    await runCli(['check', '--offline', '--write-baseline', 'ci/baseline.json', 'flows'], { cwd: dir });
    assert.equal(fs.readFileSync(path.join(dir, 'ci', 'baseline.json'), 'utf8'), text);

    // Lines shifted (an import and a comment above), and the same leak a third time plus a new one.
    const edited = BASE.replace('import os\n', 'import os\nimport sys\n# a comment that shifts every line\n').replace(
      '        print(pw)\n        print(pw)\n',
      '        print(pw)\n        print(pw)\n        print(pw)\n        sys.stderr.write(pw)\n',
    );
    fs.writeFileSync(path.join(dir, 'flows', 'old.py'), edited);
    // Run from a subdirectory: paths are relative to the repository root, not the working directory.
    const r = await runCli(['check', '--offline', '--severity', 'warning', '--baseline', '../ci/baseline.json', '.'], { cwd: path.join(dir, 'flows') });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(heads(r.stdout), ['old.py:14:15: warning MFS050', 'old.py:15:26: warning MFS050']);
    assert.match(r.stderr, /4 finding\(s\) in the baseline not reported/);

    const sarif = await runCli(['check', '--offline', '--format', 'sarif', '--baseline', 'ci/baseline.json'], { cwd: dir });
    const log: Json = JSON.parse(sarif.stdout);
    assert.ok(validate(log), schemaErrors());
    const external = log.runs[0].results.filter((x: Json) => x.suppressions?.[0].kind === 'external');
    assert.equal(external.length, 4);
  });

  test('an unreadable or foreign baseline is a usage error', async () => {
    const dir = makeTree({ 'flow.py': BASE, 'other.json': '{"version": 1}' });
    const missing = await runCli(['check', '--offline', '--baseline', 'absent.json'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--baseline: cannot read absent\.json: ENOENT/);
    const foreign = await runCli(['check', '--offline', '--baseline', 'other.json'], { cwd: dir });
    assert.equal(foreign.code, 2);
    assert.match(foreign.stderr, /not a metaflow-secrets baseline/);
  });
});
