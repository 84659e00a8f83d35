import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { ALL_RULES } from '../../server/src/core/rules';
import { sarifReport } from '../../server/src/cli/sarifReport';
import { flowFile, makeTree, runCli, tempDir } from './cliHarness';
import { sarifValidator } from './sarifSchema';

// `--format sarif` validated against the SARIF 2.1.0 JSON schema (vendored, see SARIF-SCHEMA.md),
// with rule metadata, help, %SRCROOT%-relative locations and leak paths as code flows.

type Json = any;

let validate: (data: unknown) => boolean;
let schemaErrors: () => string;

before(() => {
  ({ validate, errors: schemaErrors } = sarifValidator());
});

const FLOWS = {
  'flows/leaky.py': flowFile(
    'LeakyFlow',
    `    @secrets(sources=[{"type": "inline", "id": "t", "options": {"env_vars": {"DB_PASSWORD": "x"}}}])
    @step
    def start(self):
        pw = os.environ["DB_PASSWORD"]
        self.token = "Bearer " + pw
        self.next(self.end)

    @step
    def end(self):
        print(self.token)
`,
  ),
  'flows/bad dir/bad.py': flowFile(
    'BadFlow',
    `    @secrets(sources=["prod/db.creds"], role=1, source=[])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
  ),
};

test('the SARIF log validates against the SARIF 2.1.0 schema and carries every rule', async () => {
  const dir = makeTree(FLOWS);
  const r = await runCli(['check', '--offline', '--format', 'sarif', '--output', 'results.sarif'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const log: Json = JSON.parse(fs.readFileSync(path.join(dir, 'results.sarif'), 'utf8'));
  assert.ok(validate(log), schemaErrors());
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  const driver = run.tool.driver;
  assert.equal(driver.name, 'metaflow-secrets');
  assert.deepEqual(
    driver.rules.map((x: Json) => x.id),
    ALL_RULES.map((x) => x.code),
  );
  for (const [i, rule] of ALL_RULES.entries()) {
    const d = driver.rules[i];
    assert.equal(d.name, rule.name);
    assert.equal(d.shortDescription.text, rule.title);
    assert.equal(d.fullDescription.text, rule.explanation);
    assert.equal(d.defaultConfiguration.level, { error: 'error', warning: 'warning', information: 'note', hint: 'note' }[rule.severity]);
    assert.ok(d.help.text.includes(rule.explanation) && d.help.markdown.includes(rule.title));
  }
  assert.equal(run.originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(dir + '/').href);

  // Every result points to its rule and to a file relative to %SRCROOT% (spaces percent-encoded).
  const uris = new Set<string>();
  for (const res of run.results) {
    assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
    const loc = res.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    uris.add(loc.artifactLocation.uri);
    assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
  }
  assert.deepEqual([...uris].sort(), ['flows/bad%20dir/bad.py', 'flows/leaky.py']);
  const unknownAttr = run.results.find((x: Json) => x.ruleId === 'MFS008');
  assert.match(unknownAttr.message.text, /Decorator 'secrets' does not support the attribute 'source'/);
  assert.equal(unknownAttr.level, 'error');
  const col = FLOWS['flows/bad dir/bad.py'].split('\n')[5].indexOf('source=[]') + 1;
  assert.deepEqual(unknownAttr.locations[0].physicalLocation.region, { startLine: 6, startColumn: col, endLine: 6, endColumn: col + 'source'.length });
});

test('a leak is a code flow from the secret, through the artifact, to the sink', async () => {
  const dir = makeTree(FLOWS);
  const r = await runCli(['check', '--offline', '--format', 'sarif', 'flows/leaky.py'], { cwd: dir });
  const log: Json = JSON.parse(r.stdout);
  assert.ok(validate(log), schemaErrors());
  const leaks = log.runs[0].results.filter((x: Json) => /^MFS05\d$/.test(x.ruleId));
  assert.ok(leaks.length >= 1, JSON.stringify(log.runs[0].results, null, 1));
  const printed = leaks.find((x: Json) => x.ruleId === 'MFS050');
  assert.ok(printed, 'print(self.token) in the next step is a log leak');
  const steps = printed.codeFlows[0].threadFlows[0].locations;
  assert.ok(steps.length >= 3, JSON.stringify(steps));
  // First the read of the secret, last the sink itself, each with a message.
  assert.equal(steps[0].location.physicalLocation.region.startLine, 9);
  assert.match(steps[0].location.message.text, /DB_PASSWORD/);
  const last = steps[steps.length - 1].location;
  assert.deepEqual(last.physicalLocation.region, printed.locations[0].physicalLocation.region);
  assert.equal(last.physicalLocation.region.startLine, 15);
  for (const s of steps) assert.equal(s.location.physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
  // The artifact hop is on the path.
  assert.ok(
    steps.some((s: Json) => /self\.token/.test(s.location.message.text)),
    JSON.stringify(steps),
  );
  // Non-leak results have no code flow.
  assert.ok(log.runs[0].results.filter((x: Json) => !/^MFS05\d$/.test(x.ruleId)).every((x: Json) => x.codeFlows === undefined));
});

test('files outside the working directory get absolute file URIs; an empty run is still valid', async () => {
  const dir = makeTree(FLOWS);
  const elsewhere = tempDir();
  const r = await runCli(['check', '--offline', '--format', 'sarif', path.join(dir, 'flows', 'leaky.py')], { cwd: elsewhere });
  const log: Json = JSON.parse(r.stdout);
  assert.ok(validate(log), schemaErrors());
  const loc = log.runs[0].results[0].locations[0].physicalLocation.artifactLocation;
  assert.equal(loc.uriBaseId, undefined);
  assert.equal(loc.uri, pathToFileURL(path.join(dir, 'flows', 'leaky.py')).href);

  const empty = await runCli(['check', '--offline', '--format', 'sarif'], { cwd: elsewhere });
  assert.equal(empty.code, 0);
  const emptyLog: Json = JSON.parse(empty.stdout);
  assert.ok(validate(emptyLog), schemaErrors());
  assert.deepEqual(emptyLog.runs[0].results, []);
});

test('rule help links point to the README rules section when the package names its homepage', () => {
  const text = sarifReport([], { cwd: '/work', toolVersion: '1.2.3', readmeUri: 'https://example.org/metaflow-secrets#readme' });
  const log: Json = JSON.parse(text);
  assert.ok(validate(log), schemaErrors());
  assert.equal(log.runs[0].tool.driver.informationUri, 'https://example.org/metaflow-secrets');
  for (const d of log.runs[0].tool.driver.rules) {
    assert.equal(d.helpUri, 'https://example.org/metaflow-secrets#rules');
    assert.match(d.help.markdown, /\(https:\/\/example\.org\/metaflow-secrets#rules\)/);
  }
});
