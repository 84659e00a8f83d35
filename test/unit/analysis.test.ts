import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeText, oneStepFlow } from '../support/analyze';

const AWS = { DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' } as const;

/** A one-step flow with the given decorator lines above @step. */
function flow(decorators: string, body = 'pass', prelude = ''): string {
  return oneStepFlow({ decorators, body, prelude, imports: 'from metaflow import FlowSpec, step, secrets, environment' });
}

async function codes(text: string, config: Record<string, string> = AWS): Promise<string[]> {
  return (await analyzeText(text, config)).findings.map((f) => f.code).sort();
}

async function messages(text: string, config: Record<string, string> = AWS): Promise<string[]> {
  return (await analyzeText(text, config)).findings.map((f) => `${f.code}: ${f.message}`);
}

describe('valid declarations get no error', () => {
  const cases: [string, string, Record<string, string>?][] = [
    ['plain names with a default type', '@secrets(sources=["db-creds", "api-key"])'],
    ['explicit AWS type with a dotted name', '@secrets(sources=["aws-secrets-manager.my.secret"])'],
    ['dict AWS source with options', '@secrets(sources=[{"type": "aws-secrets-manager", "id": "x", "options": {"region": "eu-west-1"}}])'],
    ['ARN', '@secrets(sources=["aws-secrets-manager.arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"])'],
    ['tuple of sources', '@secrets(sources=("a", "b"))'],
    ['empty sources', '@secrets(sources=[])'],
    ['bare decorator', '@secrets'],
    ['no arguments', '@secrets()'],
    ['role and allow_override', '@secrets(sources=["a"], role="arn:aws:iam::1:role/r", allow_override=True)'],
    ['Azure full URL in dict form', '@secrets(sources=[{"type": "az-key-vault", "id": "https://myvault.vault.azure.net/secrets/db-pass"}])'],
    ['Azure URL with a type prefix', '@secrets(sources=["az-key-vault.https://myvault.vault.azure.net/secrets/db-pass/0123456789abcdef0123456789abcdef"])'],
    ['Azure short id with prefix', '@secrets(sources=["az-key-vault.db-pass"])', { AZURE_KEY_VAULT_PREFIX: 'https://myvault.vault.azure.net/' }],
    ['GCP full id', '@secrets(sources=["gcp-secret-manager.projects/123/secrets/db/versions/2"])'],
    ['GCP short id with prefix', '@secrets(sources=["gcp-secret-manager.db"])', { GCP_SECRET_MANAGER_PREFIX: 'projects/123/secrets/' }],
    ['extra types are not unknown', '@secrets(sources=["aws-secrets-manager.a"])'],
  ];
  for (const [name, deco, config] of cases) {
    test(name, async () => {
      assert.deepEqual(await codes(flow(deco), { ...AWS, ...(config ?? {}) }), []);
    });
  }
});

describe('sources shape', () => {
  test('a string is iterated per character', async () => {
    const m = await messages(flow('@secrets(sources="db")'));
    assert.equal(m.length, 1);
    assert.match(
      m[0],
      /^MFS001: sources is a str, not a list: Metaflow iterates it character by character, so this declares 2 source\(s\) 'd', 'b' instead of 'db'/,
    );
  });
  test('a string with no default type also reports the default-type error once', async () => {
    assert.deepEqual(await codes(flow('@secrets(sources="db")'), {}), ['MFS001', 'MFS005']);
  });
  test('a dict is iterated per key', async () => {
    assert.deepEqual(await codes(flow('@secrets(sources={"type": "inline", "id": "x"})')), ['MFS001']);
  });
  test('None is not iterable', async () => {
    assert.deepEqual(await codes(flow('@secrets(sources=None)')), ['MFS001']);
  });
  test('items neither str nor dict', async () => {
    const m = await messages(flow('@secrets(sources=["a", 5, ["b"]])'));
    assert.deepEqual(m, [
      'MFS002: @secrets sources items must be either a string or a dict',
      'MFS002: @secrets sources items must be either a string or a dict',
    ]);
  });
  test('dynamic sources are not guessed', async () => {
    for (const expr of ['get_sources()', 'f"{x}.y"', 'config_expr("s")', 'lambda ctx: ["a"]', 'self.x', 'UNKNOWN']) {
      assert.deepEqual(await codes(flow(`@secrets(sources=${expr})`)), ['MFS015'], expr);
    }
  });
  test('a dynamic item is skipped, the others checked', async () => {
    assert.deepEqual(await codes(flow('@secrets(sources=[name(), "prod/x.y"])')), ['MFS004']);
  });
});

describe('dict sources', () => {
  const bad: [string, string][] = [
    ['{"type": 5, "id": "x"}', "Bad @secrets specification - 'type' must be a string - found <class 'int'>"],
    ['{"type": "inline"}', "Bad @secrets specification - 'id' must be a string - found <class 'NoneType'>"],
    ['{"id": ["x"]}', "Bad @secrets specification - 'id' must be a string - found <class 'list'>"],
    ['{"id": "x", "options": ["a"]}', "Bad @secrets specification - 'option' must be a dict - found <class 'list'>"],
    ['{"id": "x", "role": 1.5}', "Bad @secrets specification - 'role' must be a str - found <class 'float'>"],
    ['{"id": "x", "type": None}', "Bad @secrets specification - 'type' must be a string - found <class 'NoneType'>"],
  ];
  for (const [src, msg] of bad) {
    test(src, async () => {
      assert.deepEqual(await messages(flow(`@secrets(sources=[${src}])`)), [`MFS003: ${msg}`]);
    });
  }
  test('a dict without type needs the default', async () => {
    assert.deepEqual(await messages(flow('@secrets(sources=[{"id": "x"}])'), {}), [
      'MFS005: No default secrets backend type configured, but needed by @secrets. Set METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE. ' +
        'Read from: the environment (none sets it); set it there, in the setting metaflowSecrets.metaflowConfig, or with --set in the CLI. ' +
        'Metaflow is not configured on this machine, so this is what a run from here would do; where the flow really runs, its configuration may set it.',
    ]);
  });
  test('unknown keys are ignored and role None falls back', async () => {
    assert.deepEqual(await codes(flow('@secrets(sources=[{"id": "x", "extra": 1, "role": None}])')), []);
  });
});

describe('backend types', () => {
  test('a dotted AWS name is read as a backend type', async () => {
    const [m] = await messages(flow('@secrets(sources=["prod/db.creds"])'));
    assert.match(
      m,
      /^MFS004: Unknown secrets backend type prod\/db \(available types: aws-secrets-manager, gcp-secret-manager, az-key-vault\)\. A string source is split on its first dot/,
    );
  });
  test('an Azure URL as a plain string names the type https://v', async () => {
    const [m] = await messages(flow('@secrets(sources=["https://v1.vault.azure.net/secrets/x"])'));
    assert.match(m, /^MFS004: Unknown secrets backend type https:\/\/v1 \(available types/);
    assert.match(m, /az-key-vault\.https:\/\/v1/);
  });
  test('a typo in a type suggests the known one', async () => {
    const [m] = await messages(flow('@secrets(sources=["aws-secret-manager.x"])'));
    assert.match(m, /Did you mean 'aws-secrets-manager'\?/);
  });
  test('the Outerbounds type is assumed present (Information), not an Error, when the Metaflow is not known', async () => {
    const a = await analyzeText(flow('@secrets(sources=["outerbounds.my-secret"])'), AWS);
    assert.deepEqual(
      a.findings.map((f) => [f.code, f.severity]),
      [['MFS024', 'information']],
    );
    assert.match(a.findings[0].message, /Outerbounds platform.*assumes.*Unknown secrets backend type outerbounds.*metaflowSecrets\.extraBackendTypes/);
    const src = a.secrets.steps[0].sources[0];
    assert.equal(src.names.known, false, 'its keys are not guessed');
  });
  test("the Outerbounds type is an Error with Metaflow's message when the registered types are known", async () => {
    const a = await analyzeText(flow('@secrets(sources=["outerbounds.my-secret"])'), AWS, {
      registeredTypes: ['inline', 'aws-secrets-manager', 'gcp-secret-manager', 'az-key-vault'],
    });
    assert.deepEqual(
      a.findings.map((f) => f.code),
      ['MFS004'],
    );
    assert.match(a.findings[0].message, /^Unknown secrets backend type outerbounds \(available types: aws-secrets-manager, gcp-secret-manager, az-key-vault\)/);
  });
  test('a type declared in extraBackendTypes is clean', async () => {
    const a = await analyzeText(flow('@secrets(sources=["outerbounds.my-secret"])'), AWS, { extraTypes: ['outerbounds'] });
    assert.deepEqual(
      a.findings.map((f) => f.code),
      [],
    );
  });
  test('an unknown dotted prefix says how to declare an extension type', async () => {
    const [m] = await messages(flow('@secrets(sources=["prod.creds"])'));
    assert.match(m, /^MFS004: .*metaflowSecrets\.extraBackendTypes \(CLI: --backend-type prod\)/);
  });
  test('a default type that is not a known type is reported', async () => {
    assert.deepEqual(await codes(flow('@secrets(sources=["x"])'), { DEFAULT_SECRETS_BACKEND_TYPE: 'vault' }), ['MFS004']);
  });
  test('inline is flagged as test-only', async () => {
    assert.deepEqual(await codes(flow('@secrets(sources=[{"type": "inline", "id": "x", "options": {"env_vars": {"A": "1"}}}])')), ['MFS018']);
  });
});

describe('Azure and GCP ids', () => {
  const az: [string, Record<string, string>, RegExp][] = [
    ['az-key-vault.db', {}, /cannot use simple secret id without setting METAFLOW_AZURE_KEY_VAULT_PREFIX\. None$/],
    ['az-key-vault.a/b/c', { AZURE_KEY_VAULT_PREFIX: 'https://v1x.vault.azure.net' }, /unsupported partial secret a\/b\/c$/],
    ['az-key-vault.https://example.com/secrets/x', {}, /bad key vault domain https:\/\/example\.com\/secrets\/x$/],
    ['az-key-vault.https://a--b.vault.azure.net/secrets/x', {}, /bad key vault name a--b$/],
    ['az-key-vault.https://vlt.vault.azure.net/keys/x', {}, /bad secret type keys$/],
    ['az-key-vault.https://vlt.vault.azure.net/secrets/1x', {}, /bad secret name 1x$/],
    [
      'az-key-vault.https://vlt.vault.azure.net/secrets/x/123',
      {},
      /bad secret version 123\. An Azure Key Vault version id is 32 letters and digits \('123' has 3 characters\)/,
    ],
    // The copied trap: a short version id behind a prefix.
    [
      'az-key-vault.api-keys/abc123',
      { AZURE_KEY_VAULT_PREFIX: 'https://v1x.vault.azure.net/' },
      /bad secret version abc123\. An Azure Key Vault version id is 32/,
    ],
    // A prefix with a path: Metaflow appends /secrets/<id> to it as written.
    [
      'az-key-vault.api-keys',
      { AZURE_KEY_VAULT_PREFIX: 'https://v1x.vault.azure.net/secrets' },
      /bad secret version api-keys\. METAFLOW_AZURE_KEY_VAULT_PREFIX must be the vault URL alone .* its path 'secrets' makes the id https:\/\/v1x\.vault\.azure\.net\/secrets\/secrets\/api-keys$/,
    ],
    ['az-key-vault.https://vlt.vault.azure.net/secrets', {}, /bad secret uri path \['secrets'\]$/],
  ];
  for (const [src, cfg, re] of az) {
    test(src, async () => {
      const m = await messages(flow(`@secrets(sources=["${src}"])`), { ...AWS, ...cfg });
      assert.equal(m.length, 1, m.join('\n'));
      assert.match(m[0], /^MFS00[67]|^MFS017/);
      assert.match(m[0], re);
    });
  }
  const gcp: [string, Record<string, string>, RegExp][] = [
    ['gcp-secret-manager.db', {}, /Cannot use simple secret_id without setting METAFLOW_GCP_SECRET_MANAGER_PREFIX\. None$/],
    [
      'gcp-secret-manager.projects/my-proj/secrets/db',
      {},
      /Invalid secret_id: projects\/my-proj\/secrets\/db\. Must be either a full path or a simple string\.$/,
    ],
    ['gcp-secret-manager.a/b', {}, /Invalid secret_id: a\/b\./],
  ];
  for (const [src, cfg, re] of gcp) {
    test(src, async () => {
      const m = await messages(flow(`@secrets(sources=["${src}"])`), { ...AWS, ...cfg });
      assert.equal(m.length, 1, m.join('\n'));
      assert.match(m[0], /^MFS007: Failed to retrieve secret '/);
      assert.match(m[0], re);
    });
  }
});

describe('decorator placement and attributes', () => {
  test('unknown attribute with a suggestion', async () => {
    const a = await analyzeText(flow('@secrets(source=["a"])'), AWS);
    assert.equal(
      a.findings[0].message,
      "Decorator 'secrets' does not support the attribute 'source'. These attributes are supported: sources, role, allow_override.",
    );
    assert.equal(a.findings[0].fixes?.[0].edits[0].newText, 'sources');
  });
  test('twice on a step', async () => {
    const a = await analyzeText(flow('@secrets(sources=["a"])\n@secrets(sources=["b"])'), AWS);
    assert.deepEqual(
      a.findings.map((f) => f.message),
      ["Step 'start' already has a decorator 'secrets'. You can specify this decorator only once."],
    );
    assert.equal(a.findings[0].range.start.line, 3, 'the upper one fails');
  });
  test('below @step', async () => {
    const text = `from metaflow import FlowSpec, step, secrets
class F(FlowSpec):
    @step
    @secrets(sources=["a"])
    def start(self):
        pass
`;
    const m = await messages(text);
    assert.equal(m.length, 1);
    assert.match(
      m[0],
      /^MFS010: @secrets is placed below @step\. Metaflow fails when the flow is loaded: You tried to apply decorator 'secrets' on 'start' which is not declared as a @step/,
    );
  });
  test('on a class and on a plain function', async () => {
    const text = `from metaflow import FlowSpec, step, secrets
@secrets(sources=["a"])
class F(FlowSpec):
    @secrets(sources=["a"])
    def helper(self):
        pass
`;
    assert.deepEqual(await codes(text), ['MFS010', 'MFS010']);
  });
  test('positional argument', async () => {
    assert.deepEqual(await codes(flow('@secrets(["a"])')), ['MFS016']);
  });
  test("stdlib's secrets module is not Metaflow's", async () => {
    const text = `import secrets
from metaflow import FlowSpec, step
class F(FlowSpec):
    @secrets.something(sources="x")
    @step
    def start(self):
        pass
`;
    assert.deepEqual(await codes(text), []);
  });
});

describe('variable names and clashes', () => {
  const inline = (vars: string) => `{"type": "inline", "id": "x", "options": {"env_vars": ${vars}}}`;
  test('invalid and METAFLOW_ names', async () => {
    const m = (await messages(flow(`@secrets(sources=[${inline('{"1A": "x", "METAFLOW_X": "y", "OK": "z"}')}])`))).filter((x) => !x.startsWith('MFS018'));
    assert.deepEqual(m, ["MFS011: Found invalid env var name '1A'.", "MFS012: Found disallowed env var name 'METAFLOW_X' (starts with 'METAFLOW_')."]);
  });
  test('env_var_name options are sanitised like Metaflow does', async () => {
    const a = await analyzeText(
      flow('@secrets(sources=[{"type": "aws-secrets-manager", "id": "x", "options": {"json": False, "env_var_name": "my-var"}}])'),
      AWS,
    );
    assert.deepEqual(a.secrets.steps[0].sources[0].names, { known: true, names: ['my_var'], from: 'literal' });
  });
  test('two sources setting one name fail even with allow_override', async () => {
    const m = (
      await messages(
        flow(`@secrets(sources=[${inline('{"A": "1"}')}, {"type": "inline", "id": "y", "options": {"env_vars": {"A": "2"}}}], allow_override=True)`),
      )
    ).filter((x) => !x.startsWith('MFS018'));
    assert.deepEqual(m, ["MFS013: Secret 'y (inline)' will inject 'A' as env var, and it is also added by 'x (inline)'"]);
  });
  test('Azure secrets named alike clash', async () => {
    const m = await messages(
      flow(
        '@secrets(sources=["az-key-vault.https://vlt.vault.azure.net/secrets/db-pass", {"type": "az-key-vault", "id": "https://other.vault.azure.net/secrets/db-pass"}])',
      ),
    );
    assert.equal(m.length, 1);
    assert.match(
      m[0],
      /^MFS013: Secret 'https:\/\/other\.vault\.azure\.net\/secrets\/db-pass \(az-key-vault\)' will inject 'db_pass' as env var, and it is also added by/,
    );
  });
  test('a clash with @environment unless allow_override', async () => {
    const deco = `@secrets(sources=[${inline('{"A": "1"}')}])\n@environment(vars={"A": "z"})`;
    const a = await analyzeText(flow(deco), AWS);
    const clash = a.findings.find((f) => f.code === 'MFS014')!;
    assert.match(clash.message, /^Secret 'x \(inline\)' will inject 'A' as env var, but it already exists in env/);
    assert.equal(clash.fixes?.[0].edits[0].newText, ', allow_override=True');
    const ok = await codes(flow(`@secrets(sources=[${inline('{"A": "1"}')}], allow_override=True)\n@environment(vars={"A": "z"})`));
    assert.deepEqual(ok, ['MFS018']);
  });
  test('non-string inline values', async () => {
    const m = (await messages(flow(`@secrets(sources=[${inline('{"A": 5, "B": True}')}])`))).filter((x) => !x.startsWith('MFS018'));
    assert.deepEqual(m, ["MFS019: Found non string value 5 (<class 'int'>) for 'A'.", "MFS019: Found non string value True (<class 'bool'>) for 'B'."]);
  });
});

describe('names resolved through bindings', () => {
  test('a module constant list', async () => {
    const text = flow('@secrets(sources=SOURCES)', 'pass', 'SOURCES = ["prod/db.creds"]');
    const a = await analyzeText(text, AWS);
    assert.deepEqual(
      a.findings.map((f) => f.code),
      ['MFS004'],
    );
    assert.equal(a.findings[0].range.start.line, 3, 'reported at the use site');
    assert.deepEqual(a.findings[0].fixes ?? [], [], 'no text edits through a name');
  });
  test('a name bound twice is dynamic', async () => {
    const text = flow('@secrets(sources=SOURCES)', 'pass', 'SOURCES = ["prod/db.creds"]\nSOURCES = []');
    assert.deepEqual(await codes(text), ['MFS015']);
  });
  test('a class attribute and list concatenation', async () => {
    const text = `from metaflow import FlowSpec, step, secrets
BASE = ["a"]
class F(FlowSpec):
    EXTRA = BASE + ["prod/x.y"]
    @secrets(sources=EXTRA)
    @step
    def start(self):
        pass
`;
    assert.deepEqual(await codes(text), ['MFS004']);
  });
  test('aliases: import metaflow as mf, from metaflow import secrets as s', async () => {
    const text = `import metaflow as mf
from metaflow import secrets as s, step as st
class F(mf.FlowSpec):
    @s(sources="x")
    @st
    def start(self):
        pass
    @mf.secrets(sources="y")
    @mf.step
    def end(self):
        pass
`;
    assert.deepEqual(await codes(text), ['MFS001', 'MFS001']);
  });
});

describe('environment reads', () => {
  const src = '@secrets(sources=[{"type": "inline", "id": "x", "options": {"env_vars": {"DB_PASSWORD": "1", "DB_USER": "2"}}}])';
  test('a near miss of a provided name', async () => {
    const a = await analyzeText(flow(src, 'print(len(os.environ["DB_PASWORD"]))'), AWS);
    const f = a.findings.find((x) => x.code === 'MFS023')!;
    assert.match(f.message, /^'DB_PASWORD' is not set by this step's @secrets \(it provides DB_PASSWORD, DB_USER\)\. Did you mean 'DB_PASSWORD'\?/);
  });
  test('unrelated variables are not flagged', async () => {
    assert.deepEqual(await codes(flow(src, 'x = os.getenv("HOME")')), ['MFS018']);
  });
  test('a name provided by another step only', async () => {
    const text = `from metaflow import FlowSpec, step, secrets
class F(FlowSpec):
    ${src}
    @step
    def start(self):
        self.next(self.end)
    @step
    def end(self):
        print(len(os.environ.get("DB_USER")))
`;
    const a = await analyzeText(text, AWS);
    const f = a.findings.find((x) => x.code === 'MFS023')!;
    assert.match(f.message, /^'DB_USER' is set by @secrets on step 'start', not on 'end': secrets are injected per task/);
  });
});
