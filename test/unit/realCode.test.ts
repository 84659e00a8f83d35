import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeText, oneStepFlow } from '../support/analyze';
import { Finding } from '../../server/src/core/findings';
import { analyzeDocument } from '../../server/src/core/analyzer';
import { readMetaflowConfig } from '../../server/src/core/metaflowConfig';
import { PythonParser } from '../../server/src/core/parser';

// Patterns taken from how public Metaflow projects and tutorials write @secrets (re-written
// here, not copied): placeholders left from examples, many plain names on a machine without
// configuration, imports that Python itself rejects.

const AWS = { DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' } as const;

function flow(decorators: string, imports = 'from metaflow import FlowSpec, step, secrets', body = 'pass'): string {
  return oneStepFlow({ decorators, imports, body });
}

async function findings(text: string, config: Record<string, string> = AWS): Promise<Finding[]> {
  return (await analyzeText(text, config)).findings;
}

function only(fs: Finding[], code: string): Finding {
  assert.deepEqual(
    fs.map((f) => f.code),
    [code],
    fs.map((f) => `${f.code} ${f.message}`).join('\n'),
  );
  return fs[0];
}

describe('placeholders are Errors that say what Metaflow does (MFS025)', () => {
  test('an Ellipsis item', async () => {
    const f = only(await findings(flow('@secrets(sources=[...])  # TODO')), 'MFS025');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /^`\.\.\.` is a placeholder.*Metaflow fails: @secrets sources items must be either a string or a dict$/);
  });
  test('sources=...', async () => {
    const f = only(await findings(flow('@secrets(sources=...)')), 'MFS025');
    assert.match(f.message, /fails with TypeError: 'ellipsis' object is not iterable$/);
  });
  for (const name of ['TODO', '<your-secret>', 'CHANGEME', 'aws-secrets-manager.<secret-name>', 'your-secret-name']) {
    test(`"${name}" with a default type: Metaflow asks the backend for it`, async () => {
      const f = only(await findings(flow(`@secrets(sources=["${name}"])`)), 'MFS025');
      assert.match(f.message, /Metaflow asks aws-secrets-manager for a secret with id '.*', and the task fails unless one exists\.$/);
    });
  }
  test('"..." is split on its first dot: an unknown empty type', async () => {
    const f = only(await findings(flow('@secrets(sources=["..."])')), 'MFS025');
    assert.match(f.message, /Metaflow fails: Unknown secrets backend type {2}\(available types: /);
  });
  test('a placeholder without a default type says so, once', async () => {
    const f = only(await findings(flow('@secrets(sources=["TODO"])'), {}), 'MFS025');
    assert.match(f.message, /Metaflow fails: No default secrets backend type configured/);
  });
  test('placeholders are not sent to a backend', async () => {
    const a = await analyzeText(flow('@secrets(sources=["TODO", "db-creds"])'), AWS);
    assert.deepEqual(
      a.secrets.steps[0].sources.map((s) => s.spec.id),
      ['db-creds'],
    );
  });
  for (const name of ['my-secret', 'todo-list-api', 'prod/db', 'xxx-service']) {
    test(`"${name}" is a name, not a placeholder`, async () => {
      assert.deepEqual(
        (await findings(flow(`@secrets(sources=["${name}"])`))).map((f) => f.code),
        [],
      );
    });
  }
});

describe('a missing default backend type is one finding per file (MFS005)', () => {
  const text = `from metaflow import FlowSpec, step, secrets

class F(FlowSpec):
    @secrets(sources=["a", "b"])
    @step
    def start(self):
        self.next(self.end)

    @secrets(sources=[{"id": "c"}])
    @step
    def end(self):
        pass
`;
  test('on the first source, pointing at the others, with a fix', async () => {
    const fs = (await findings(text, {})).filter((f) => f.code === 'MFS005');
    assert.equal(fs.length, 1);
    const [f] = fs;
    assert.equal(f.range.start.line, 3);
    assert.match(
      f.message,
      /^No default secrets backend type configured, but needed by @secrets\. Set METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE\. Read from: the environment/,
    );
    assert.match(f.message, /2 more sources in this file need it too\.$/);
    assert.deepEqual(
      f.related?.map((r) => r.range.start.line),
      [3, 8],
    );
    assert.deepEqual(
      f.fixes?.map((x) => x.action),
      ['set-default-backend-type'],
    );
  });
  test('an Error where Metaflow is configured, a Warning where nothing configures it', async () => {
    const configured = readMetaflowConfig({
      env: {},
      startDir: '/w',
      homeDir: '/home/u',
      fs: { isDirectory: () => false, readFile: (p) => (p === '/home/u/.metaflowconfig/config.json' ? '{"METAFLOW_DEFAULT_DATASTORE": "s3"}' : undefined) },
    });
    const here = (await analyzeConfigured(text, configured)).findings.find((f) => f.code === 'MFS005');
    assert.equal(here?.severity, 'error');
    const nowhere = (await findings(text, {})).find((f) => f.code === 'MFS005');
    assert.equal(nowhere?.severity, 'warning');
    assert.match(nowhere?.message ?? '', /Metaflow is not configured on this machine, so this is what a run from here would do/);
  });
  test('the fix is handed the project config file the analysis consulted, so the editor writes where Metaflow reads', async () => {
    const inProject = readMetaflowConfig({
      env: {},
      startDir: '/w/flows/sub',
      homeDir: '/home/u',
      fs: { isDirectory: (p) => p === '/w/.metaflow', readFile: () => undefined },
    });
    const f = (await analyzeConfigured(text, inProject)).findings.find((x) => x.code === 'MFS005');
    assert.deepEqual(f?.fixes?.[0].actionArgs, ['/w/.metaflow/config.json']);
    const none = (await findings(text, {})).find((x) => x.code === 'MFS005');
    assert.equal(none?.fixes?.[0].actionArgs, undefined, 'no .metaflow directory: the editor picks the place');
  });
  test('names the configuration files it read', async () => {
    const fs = (await findings(text, {})).filter((f) => f.code === 'MFS005');
    assert.match(fs[0].message, /\(none sets it\); set it there, in the setting metaflowSecrets\.metaflowConfig, or with --set in the CLI\./);
  });
});

describe("Python's own name errors come first (MFS026-MFS028)", () => {
  test('@secrets never imported: NameError, with a fix that imports it', async () => {
    const text = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step');
    const f = (await findings(text)).find((x) => x.code === 'MFS026');
    assert.ok(f);
    assert.match(f.message, /NameError: name 'secrets' is not defined$/);
    assert.deepEqual(f.fixes?.[0].edits, [{ range: { start: { line: 0, character: 35 }, end: { line: 0, character: 35 } }, newText: ', secrets' }]);
  });
  test('no metaflow import line: the fix adds one after the docstring', async () => {
    const text = `"""A flow."""\nfrom metaflow import FlowSpec, step\nimport os\n` + flow('@environment(vars={"A": "b"})', '').split('\n').slice(1).join('\n');
    const f = (await findings(text)).find((x) => x.code === 'MFS026');
    assert.ok(f);
    assert.match(f.message, /name 'environment' is not defined/);
  });
  test('a `*` import from another module may bind it: not reported', async () => {
    const text = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step\nfrom helpers import *');
    assert.equal((await findings(text)).filter((x) => x.code === 'MFS026').length, 0);
  });
  test('`import secrets` after the Metaflow import: TypeError', async () => {
    const text = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step, secrets\nimport secrets');
    const f = (await findings(text)).find((x) => x.code === 'MFS027');
    assert.ok(f);
    assert.match(
      f.message,
      /It shadows Metaflow's secrets, imported earlier\. When the class body runs, Python fails with TypeError: 'module' object is not callable$/,
    );
    assert.equal(f.related?.[0].range.start.line, 1);
    assert.deepEqual(
      f.fixes?.[0].edits.map((e) => e.newText),
      ['secrets as py_secrets'],
    );
  });
  test('`secrets = {...}` before the flow class: TypeError, pointing at the assignment', async () => {
    const text = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step, secrets\nsecrets = {"db": "x"}');
    const f = (await findings(text)).find((x) => x.code === 'MFS027');
    assert.ok(f);
    assert.match(f.message, /rebound to a dict after it was imported from metaflow.*TypeError: 'dict' object is not callable$/);
    assert.equal(f.related?.[0].range.start.line, 1);
  });
  test('a wrapper def, a literal rebound again by a call, or an assignment after the class: not reported', async () => {
    const wrapper = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step, secrets\ndef secrets(**kw):\n    return kw');
    const again = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step, secrets\nsecrets = []\nsecrets = make()');
    const after = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step, secrets') + '\nsecrets = {}\n';
    for (const text of [wrapper, again, after]) assert.equal((await findings(text)).filter((x) => x.code === 'MFS027').length, 0, text);
  });
  test('`import secrets` before the Metaflow import is harmless', async () => {
    const text = flow('@secrets(sources=["a"])', 'import secrets\nfrom metaflow import FlowSpec, step, secrets');
    assert.deepEqual(
      (await findings(text)).map((x) => x.code),
      [],
    );
  });
  test('from metaflow import get_secret: ImportError, and where it lives', async () => {
    const text = flow('@secrets(sources=["a"])', 'from metaflow import FlowSpec, step, secrets, get_secret');
    const f = (await findings(text)).find((x) => x.code === 'MFS028');
    assert.ok(f);
    assert.match(f.message, /ImportError: cannot import name 'get_secret' from 'metaflow'\. It lives in metaflow\.plugins\.secrets/);
    assert.deepEqual(
      f.fixes?.[0].edits.map((e) => e.newText),
      ['', 'from metaflow.plugins.secrets import get_secret\n'],
    );
  });
  test('a lone get_secret import: the fix changes the module', async () => {
    const text = 'from metaflow import get_secret\n' + flow('@secrets(sources=["a"])');
    const f = (await findings(text)).find((x) => x.code === 'MFS028');
    assert.deepEqual(
      f?.fixes?.[0].edits.map((e) => e.newText),
      ['metaflow.plugins.secrets'],
    );
  });
});

describe('the traps users copy from popular docs', () => {
  test('current.secrets[src][KEY] (MFS029) is rewritten to os.environ[KEY]', async () => {
    const text = flow(
      '@secrets(sources=["api-keys"])',
      'from metaflow import FlowSpec, step, secrets, current',
      'key = current.secrets["api-keys"]["API_KEY"]',
    );
    const f = only(await findings(text), 'MFS029');
    assert.match(f.message, /AttributeError: 'Current' object has no attribute 'secrets'/);
    assert.deepEqual(
      f.fixes?.[0].edits.map((e) => e.newText),
      ['os.environ["API_KEY"]', 'import os\n'],
    );
  });
  test('current.secrets.src.get(KEY, default) keeps the call form, and an existing import os', async () => {
    const text = flow(
      '@secrets(sources=["api-keys"])',
      'import os\nfrom metaflow import FlowSpec, step, secrets, current',
      'key = current.secrets.api_keys.get("API_KEY", "")',
    );
    const f = only(await findings(text), 'MFS029');
    assert.deepEqual(
      f.fixes?.[0].edits.map((e) => e.newText),
      ['os.environ.get("API_KEY", "")'],
    );
  });
  test("a current that is not Metaflow's is left alone", async () => {
    const text = flow('@secrets(sources=["api-keys"])', 'from metaflow import FlowSpec, step, secrets\nfrom app import current', 'key = current.secrets["k"]');
    assert.deepEqual(
      (await findings(text)).map((f) => f.code),
      [],
    );
  });
  test('a GCP prefix without its trailing slash (MFS039)', async () => {
    const text = flow('@secrets(sources=["gcp-secret-manager.api-keys"])');
    const f = only(await findings(text, { GCP_SECRET_MANAGER_PREFIX: 'projects/my-project/secrets' }), 'MFS039');
    assert.match(
      f.message,
      /asks GCP for 'projects\/my-project\/secretsapi-keys\/versions\/latest'.*Write it with the trailing slash: 'projects\/my-project\/secrets\/'\.$/,
    );
    assert.deepEqual(
      (await findings(text, { GCP_SECRET_MANAGER_PREFIX: 'projects/my-project/secrets/' })).map((x) => x.code),
      [],
    );
  });
  test('an f-string of current.namespace is evaluated before any task (MFS040)', async () => {
    const text = flow('@secrets(sources=[f"api-keys-{current.namespace}"])', 'from metaflow import FlowSpec, step, secrets, current');
    const f = only(await findings(text), 'MFS040');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /current\.namespace is None when the decorator is evaluated .* so this source is 'api-keys-None'\./);
  });
  test('current.flow_name as a dict id is None: Metaflow rejects it', async () => {
    const text = flow('@secrets(sources=[{"type": "aws-secrets-manager", "id": current.flow_name}])', 'from metaflow import FlowSpec, step, secrets, current');
    const f = only(await findings(text), 'MFS003');
    assert.match(f.message, /'id' must be a string - found <class 'NoneType'>$/);
  });
  test('an f-string of a literal constant is not reported', async () => {
    const text = flow('@secrets(sources=[f"api-keys-{ENV}"])', 'from metaflow import FlowSpec, step, secrets\nENV = "prod"');
    assert.deepEqual(
      (await findings(text)).map((x) => x.code).filter((c) => c === 'MFS040'),
      [],
    );
  });
});

describe('configuration names Metaflow does not read (MFS041)', () => {
  const text = flow('@secrets(sources=["db-creds"])');
  const configWith = (env: Record<string, string>, files: Record<string, string> = {}) =>
    readMetaflowConfig({
      env,
      startDir: '/w/flows',
      homeDir: '/home/u',
      fs: { isDirectory: (p) => Object.keys(files).some((f) => f.startsWith(p + '/')), readFile: (p) => files[p] },
    });
  test('METAFLOW_SECRETS_BACKEND_TYPE in the environment: MFS005 says which name was meant', async () => {
    const a = await analyzeConfigured(text, configWith({ METAFLOW_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' }));
    assert.deepEqual(a.findings.map((f) => f.code).sort(), ['MFS005', 'MFS041']);
    const f005 = a.findings.find((f) => f.code === 'MFS005');
    assert.match(
      f005?.message ?? '',
      /METAFLOW_SECRETS_BACKEND_TYPE is set \(in the environment\) but Metaflow does not read that name; it reads METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE\./,
    );
  });
  test('a near miss in .metaflow/config.json, and real names left alone', async () => {
    const cfg = configWith(
      { METAFLOW_KUBERNETES_SECRETS: 'x' },
      {
        '/w/.metaflow/config.json': JSON.stringify({
          METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager',
          METAFLOW_DEFAULT_SECRET_ROLE: 'arn:aws:iam::1:role/r',
        }),
      },
    );
    const f = (await analyzeConfigured(text, cfg)).findings;
    assert.deepEqual(
      f.map((x) => x.code),
      ['MFS041'],
    );
    assert.match(
      f[0].message,
      /^METAFLOW_DEFAULT_SECRET_ROLE is set \(in \/w\/\.metaflow\/config\.json\) but Metaflow does not read that name; it reads METAFLOW_DEFAULT_SECRETS_ROLE\./,
    );
  });
});

async function analyzeConfigured(text: string, config: ReturnType<typeof readMetaflowConfig>) {
  const p = await PythonParser.create();
  return analyzeDocument(p, text, p.parse(text), { config }).analysis;
}

describe('quick fixes keep the quotes the user wrote', () => {
  test('a key fix in double quotes stays in double quotes, single in single', async () => {
    const inline = '{"type": "inline", "id": "a", "options": {"env_vars": {"DB_PASSWORD": "x"}}}';
    for (const [read, expected] of [
      ['os.environ["DB_PASWORD"]', '"DB_PASSWORD"'],
      ["os.environ['DB_PASWORD']", "'DB_PASSWORD'"],
    ]) {
      const text = flow(`@secrets(sources=[${inline}])`, 'import os\nfrom metaflow import FlowSpec, step, secrets', `x = ${read}`);
      const f = (await findings(text)).find((x) => x.code === 'MFS023');
      assert.equal(f?.fixes?.[0].edits[0].newText, expected);
    }
  });
  test('a type fix of a double-quoted source', async () => {
    const f = (await findings(flow('@secrets(sources=["prod/db.creds"])'))).find((x) => x.code === 'MFS004');
    assert.ok(
      f?.fixes?.every((x) => x.edits[0].newText.startsWith('"') || x.edits[0].newText.startsWith('{')),
      JSON.stringify(f?.fixes),
    );
  });
});

describe('partial knowledge still helps (MFS023)', () => {
  const inline = '{"type": "inline", "id": "a", "options": {"env_vars": {"DB_PASSWORD": "x"}}}';
  const imports = 'import os\nfrom metaflow import FlowSpec, step, secrets';
  test('a one-key typo of a known name, while another source is not known: information, with the fix', async () => {
    const text = flow(`@secrets(sources=[${inline}, "api-keys"])`, imports, 'x = os.environ["DB_PASWORD"]');
    const f = only(
      (await findings(text)).filter((x) => x.code !== 'MFS018'),
      'MFS023',
    );
    assert.equal(f.severity, 'information');
    assert.match(f.message, /it may come from source 'api-keys \(aws-secrets-manager\)', whose names are not known here\. Did you mean 'DB_PASSWORD'\?$/);
    assert.equal(f.fixes?.[0].edits[0].newText, '"DB_PASSWORD"');
  });
  test('a different name is left to the unknown source', async () => {
    const text = flow(`@secrets(sources=[${inline}, "api-keys"])`, imports, 'x = os.environ["API_KEY"]');
    assert.deepEqual(
      (await findings(text)).map((f) => f.code),
      ['MFS018'],
    );
  });
});

describe('get_secret() is checked like a one-source @secrets', () => {
  const imports = 'from metaflow import FlowSpec, step\nfrom metaflow.plugins.secrets import get_secret';
  const call = (args: string) => flow('', imports, `creds = get_secret(${args})`).replace('\n    \n', '\n');
  test('its source is modelled: type, id, role from the configuration', async () => {
    const a = await analyzeText(call('"db-creds"'), { ...AWS, DEFAULT_SECRETS_ROLE: 'arn:aws:iam::1:role/r' });
    assert.deepEqual(
      a.findings.map((f) => f.code),
      [],
    );
    assert.equal(a.secrets.calls.length, 1);
    const src = a.secrets.calls[0].source;
    assert.deepEqual(
      [src.spec.type, src.spec.id, src.spec.role, a.secrets.calls[0].step?.name],
      ['aws-secrets-manager', 'db-creds', 'arn:aws:iam::1:role/r', 'start'],
    );
  });
  test("a source that is neither str nor dict: get_secret's own words", async () => {
    const f = only(await findings(call('5')), 'MFS002');
    assert.equal(f.message, 'get_secrets sources items must be either a string or a dict');
  });
  test('an unknown type, a placeholder, no default type', async () => {
    assert.deepEqual(
      (await findings(call('"prod/db.creds"'))).map((f) => f.code),
      ['MFS004'],
    );
    assert.deepEqual(
      (await findings(call('"<your-secret>"'))).map((f) => f.code),
      ['MFS025'],
    );
    assert.deepEqual(
      (await findings(call('source="db"'), {})).map((f) => f.code),
      ['MFS005'],
    );
  });
  test("a get_secret that is not Metaflow's is left alone", async () => {
    const text = flow('', 'from metaflow import FlowSpec, step\nfrom vault import get_secret', 'creds = get_secret(5)');
    assert.deepEqual(
      (await findings(text)).map((f) => f.code),
      [],
    );
  });
});

describe('a Metaflow decorator bound to a name', () => {
  test('`DB = secrets(sources=[...])` then `@DB` on two steps: both get its sources, findings point at the call', async () => {
    const text = `from metaflow import FlowSpec, step, secrets

DB = secrets(sources=["prod/db.creds"])

class F(FlowSpec):
    @DB
    @step
    def start(self):
        self.next(self.end)

    @DB
    @step
    def end(self):
        pass
`;
    const a = await analyzeText(text, AWS);
    assert.deepEqual(
      a.secrets.steps.map((s) => s.step.name),
      ['start', 'end'],
    );
    const f = a.findings.filter((x) => x.code === 'MFS004');
    assert.deepEqual(
      f.map((x) => x.range.start.line),
      [2],
      'one finding on the call, for both steps (deduplicated)',
    );
  });
});
