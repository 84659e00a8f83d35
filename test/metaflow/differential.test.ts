import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Finding } from '../../server/src/core/findings';
import { DocumentAnalysis } from '../../server/src/core/analyzer';
import { analyzeText } from '../support/analyze';
import { BUILTIN_TYPES } from '../../server/src/core/sourceSpec';
import { REPO } from '../support/lspClient';

// Fixture flows are really run with Metaflow (installed by scripts/setup-python.sh) and each
// step's outcome is compared with what the analyser predicts: the same error message, or
// success with the same variable names set.

const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const run = promisify(execFile);

interface Case {
  name: string;
  /** Decorator lines above `@step` of the start step. */
  decorators: string;
  /** Metaflow configuration, as environment variables without the METAFLOW_ prefix. */
  config?: Record<string, string>;
  /** Lines placed before the class (constants). */
  prelude?: string;
  /** Replaces the Metaflow import line. */
  imports?: string;
  /** A first line of the start step's body. */
  body?: string;
}

const inline = (id: string, vars: string) => `{"type": "inline", "id": "${id}", "options": {"env_vars": ${vars}}}`;
const DEFAULT_INLINE = { DEFAULT_SECRETS_BACKEND_TYPE: 'inline' };
const GET_SECRET_IMPORTS = 'from metaflow import FlowSpec, step, secrets, environment\nfrom metaflow.plugins.secrets import get_secret';

const CASES: Case[] = [
  { name: 'inline source sets its names', decorators: `@secrets(sources=[${inline('a', '{"DB_USER": "u", "DB_PASSWORD": "p"}')}])` },
  { name: 'two inline sources', decorators: `@secrets(sources=[${inline('a', '{"A": "1"}')}, ${inline('b', '{"B": "2"}')}])` },
  { name: 'tuple of sources', decorators: `@secrets(sources=(${inline('a', '{"A": "1"}')},))` },
  { name: 'empty sources', decorators: '@secrets(sources=[])' },
  { name: 'bare decorator', decorators: '@secrets' },
  { name: 'string sources iterated per char (default inline)', decorators: '@secrets(sources="abc")', config: DEFAULT_INLINE },
  { name: 'string sources without a default type', decorators: '@secrets(sources="abc")' },
  { name: 'plain name without a default type', decorators: '@secrets(sources=["db-creds"])' },
  { name: 'dict without type, no default', decorators: '@secrets(sources=[{"id": "x"}])' },
  { name: 'dict without type, default inline', decorators: '@secrets(sources=[{"id": "x", "options": {"env_vars": {"K": "v"}}}])', config: DEFAULT_INLINE },
  { name: 'dotted AWS name read as a type', decorators: '@secrets(sources=["prod/db.creds"])' },
  { name: 'Azure URL as a plain string', decorators: '@secrets(sources=["https://myvault.vault.azure.net/secrets/x"])' },
  { name: 'extension type unknown to open source', decorators: '@secrets(sources=["outerbounds.x"])' },
  { name: 'unknown default type', decorators: '@secrets(sources=["x"])', config: { DEFAULT_SECRETS_BACKEND_TYPE: 'vault' } },
  { name: 'item that is an int', decorators: '@secrets(sources=[5])' },
  { name: 'sources=None', decorators: '@secrets(sources=None)' },
  { name: 'type must be a string', decorators: '@secrets(sources=[{"type": 5, "id": "x"}])' },
  { name: 'id missing', decorators: '@secrets(sources=[{"type": "inline"}])' },
  { name: 'options must be a dict', decorators: '@secrets(sources=[{"type": "inline", "id": "x", "options": ["a"]}])' },
  { name: 'role must be a str', decorators: '@secrets(sources=[{"type": "inline", "id": "x", "role": 5}])' },
  { name: 'Azure short id without prefix', decorators: '@secrets(sources=["az-key-vault.db-pass"])' },
  { name: 'Azure bad domain', decorators: '@secrets(sources=["az-key-vault.https://example.com/secrets/x"])' },
  { name: 'Azure bad vault name', decorators: '@secrets(sources=[{"type": "az-key-vault", "id": "https://a--b.vault.azure.net/secrets/x"}])' },
  { name: 'Azure bad secret name', decorators: '@secrets(sources=[{"type": "az-key-vault", "id": "https://vlt.vault.azure.net/secrets/1x"}])' },
  { name: 'Azure bad version', decorators: '@secrets(sources=[{"type": "az-key-vault", "id": "https://vlt.vault.azure.net/secrets/x/123"}])' },
  {
    name: 'Azure partial with too many parts',
    decorators: '@secrets(sources=["az-key-vault.a/b/c"])',
    config: { AZURE_KEY_VAULT_PREFIX: 'https://vlt.vault.azure.net/' },
  },
  {
    name: 'Azure short version id behind a prefix (a copied trap)',
    decorators: '@secrets(sources=["az-key-vault.api-keys/abc123"])',
    config: { AZURE_KEY_VAULT_PREFIX: 'https://vlt.vault.azure.net/' },
  },
  {
    name: 'Azure prefix with a /secrets path',
    decorators: '@secrets(sources=["az-key-vault.api-keys"])',
    config: { AZURE_KEY_VAULT_PREFIX: 'https://vlt.vault.azure.net/secrets' },
  },
  { name: 'GCP short id without prefix', decorators: '@secrets(sources=["gcp-secret-manager.db"])' },
  { name: 'GCP non-numeric project', decorators: '@secrets(sources=["gcp-secret-manager.projects/my-proj/secrets/db"])' },
  { name: 'invalid variable name', decorators: `@secrets(sources=[${inline('a', '{"1A": "x"}')}])` },
  { name: 'METAFLOW_ variable name', decorators: `@secrets(sources=[${inline('a', '{"METAFLOW_X": "x"}')}])` },
  { name: 'non-string value', decorators: `@secrets(sources=[${inline('a', '{"A": 5}')}])` },
  { name: 'two sources set one name', decorators: `@secrets(sources=[${inline('a', '{"A": "1"}')}, ${inline('b', '{"A": "2"}')}])` },
  {
    name: 'two sources set one name, allow_override',
    decorators: `@secrets(sources=[${inline('a', '{"A": "1"}')}, ${inline('b', '{"A": "2"}')}], allow_override=True)`,
  },
  { name: 'clash with @environment', decorators: `@secrets(sources=[${inline('a', '{"A": "1"}')}])\n@environment(vars={"A": "z"})` },
  {
    name: 'clash with @environment, allow_override',
    decorators: `@secrets(sources=[${inline('a', '{"A": "1"}')}], allow_override=True)\n@environment(vars={"A": "z"})`,
  },
  { name: 'unknown attribute', decorators: '@secrets(source=["x"])' },
  { name: 'twice on a step', decorators: `@secrets(sources=[${inline('a', '{"A": "1"}')}])\n@secrets(sources=[])` },
  { name: 'positional argument', decorators: "@secrets(['a'])" },
  { name: 'constant list through a name', decorators: '@secrets(sources=SOURCES)', prelude: `SOURCES = [${inline('a', '{"FROM_CONST": "1"}')}]` },
  { name: 'Ellipsis placeholder item', decorators: '@secrets(sources=[...])  # TODO' },
  { name: 'sources=... placeholder', decorators: '@secrets(sources=...)' },
  { name: '"..." placeholder string', decorators: '@secrets(sources=["..."])', config: DEFAULT_INLINE },
  { name: 'TODO placeholder without a default type', decorators: '@secrets(sources=["TODO"])' },
  { name: 'secrets not imported', decorators: '@secrets(sources=[])', imports: 'from metaflow import FlowSpec, step, environment' },
  {
    name: 'secrets rebound by import secrets',
    decorators: '@secrets(sources=[])',
    imports: 'from metaflow import FlowSpec, step, secrets, environment\nimport secrets',
  },
  {
    name: 'secrets rebound to a dict before the class',
    decorators: '@secrets(sources=[])',
    imports: 'from metaflow import FlowSpec, step, secrets, environment\nsecrets = {"db": "x"}',
  },
  {
    name: 'get_secret imported from metaflow',
    decorators: '@secrets(sources=[])',
    imports: 'from metaflow import FlowSpec, step, secrets, environment, get_secret',
  },
  {
    name: 'current.secrets in the step',
    decorators: `@secrets(sources=[${inline('a', '{"API_KEY": "k"}')}])`,
    imports: 'from metaflow import FlowSpec, step, secrets, current',
    body: 'print(current.secrets["a"]["API_KEY"])',
  },
  { name: 'get_secret of an int', decorators: '', imports: GET_SECRET_IMPORTS, body: 'get_secret(5)' },
  { name: 'get_secret without a default type', decorators: '', imports: GET_SECRET_IMPORTS, body: 'get_secret("db-creds")' },
  { name: 'get_secret sets no variable', decorators: '', imports: GET_SECRET_IMPORTS, body: `assert get_secret(${inline('a', '{"A": "1"}')}) == {"A": "1"}` },
  { name: 'a decorator bound to a name and applied as @name', decorators: '@DB', prelude: `DB = secrets(sources=[${inline('a', '{"FROM_ALIAS": "1"}')}])` },
  { name: 'an aliased decorator with an error', decorators: '@BAD', prelude: 'BAD = secrets(sources="abc")' },
  { name: 'error in the second source comes after the first', decorators: `@secrets(sources=[${inline('a', '{"A": "1"}')}, "prod/x.y"])` },
];

function flowText(c: Case): string {
  const decos = c.decorators
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n');
  return `import json
import os
${c.imports ?? 'from metaflow import FlowSpec, step, secrets, environment'}
${c.prelude ?? ''}

class DiffFlow(FlowSpec):
${decos}
    @step
    def start(self):
        ${c.body ?? 'pass'}
        baseline = set(json.loads(os.environ["MFS_BASELINE"]))
        print("MFS_NAMES=" + json.dumps(sorted(k for k in os.environ if k not in baseline and not k.startswith("METAFLOW_"))))
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DiffFlow()
`;
}

/** The order in which Metaflow meets problems: load time, spec building, per source, clashes. */
const PHASE: Record<string, number> = {
  MFS028: -2,
  MFS026: -1,
  MFS027: -1,
  MFS025: 1,
  MFS008: 0,
  MFS009: 0,
  MFS010: 0,
  MFS016: 0,
  MFS001: 1,
  MFS002: 1,
  MFS003: 1,
  MFS005: 1,
  MFS004: 2,
  MFS006: 2,
  MFS007: 2,
  MFS017: 2,
  MFS011: 2,
  MFS012: 2,
  MFS019: 2,
  MFS013: 3,
  MFS014: 4,
  MFS029: 5,
};

function firstError(a: DocumentAnalysis): Finding | undefined {
  // MFS005 is a Warning when nothing configures Metaflow here (the configuration may live where the
  // flow runs), but it is still what a run with this configuration does.
  const errors = a.findings.filter((f) => (f.severity === 'error' || f.code === 'MFS005') && f.code in PHASE);
  // A str iterated per character is an error of intent, not a runtime failure, unless a char fails.
  const runtime = errors.filter((f) => !(f.code === 'MFS001' && f.message.startsWith('sources is a')));
  runtime.sort((x, y) => PHASE[x.code] - PHASE[y.code] || x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
  return runtime[0];
}

/** The names the analyser predicts for the start step, when all are known. */
function predictedNames(a: DocumentAnalysis): string[] {
  const step = a.secrets.steps.find((s) => s.step.name === 'start');
  if (!step) return [];
  const names: string[] = [];
  for (const src of step.sources) {
    assert.ok(src.names.known, `names of ${src.spec.id} should be known statically`);
    if (src.names.known) names.push(...src.names.names);
  }
  return [...new Set(names)].sort();
}

/** Metaflow's error text: log prefixes removed, lines joined. */
function metaflowError(output: string): string {
  return output
    .split('\n')
    .map((l) => l.replace(/^\S+ \S+ \[[^\]]+\] /, '').trim())
    .filter(Boolean)
    .join('\n');
}

describe('differential: the analyser agrees with real Metaflow', { concurrency: 2 }, () => {
  let root: string;
  const env = { ...process.env } as Record<string, string>;
  for (const k of Object.keys(env)) if (k.startsWith('METAFLOW_')) delete env[k];

  before(() => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: run scripts/setup-python.sh`);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-diff-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const dir = path.join(root, `case${i}`);
      fs.mkdirSync(dir);
      const text = flowText(c);
      fs.writeFileSync(path.join(dir, 'flow.py'), text);
      const runEnv: Record<string, string> = { ...env, USERNAME: 'tester', METAFLOW_HOME: path.join(dir, 'home') };
      for (const [k, v] of Object.entries(c.config ?? {})) runEnv[`METAFLOW_${k}`] = v;
      runEnv.MFS_BASELINE = JSON.stringify([...Object.keys(runEnv), 'MFS_BASELINE']);

      let output: string;
      let ok: boolean;
      try {
        const r = await run(PYTHON, ['flow.py', '--no-pylint', 'run'], { cwd: dir, env: runEnv, timeout: 60000 });
        output = r.stdout + r.stderr;
        ok = true;
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        output = (err.stdout ?? '') + (err.stderr ?? '');
        ok = false;
      }

      // Open-source Metaflow runs here: the analyser is told exactly which types it registers.
      const analysis = await analyzeText(text, c.config ?? {}, { registeredTypes: BUILTIN_TYPES });
      const predicted = firstError(analysis);
      if (ok) {
        assert.equal(predicted, undefined, `Metaflow succeeded but the analyser predicts: ${predicted?.code} ${predicted?.message}`);
        const line = output.split('\n').find((l) => l.includes('MFS_NAMES='));
        assert.ok(line, `no names line in:\n${output}`);
        const actual = JSON.parse(line.slice(line.indexOf('MFS_NAMES=') + 'MFS_NAMES='.length));
        assert.deepEqual(predictedNames(analysis), actual);
      } else {
        assert.ok(predicted, `Metaflow failed but the analyser predicts success. Metaflow said:\n${output}`);
        const said = normaliseTypes(metaflowError(output));
        // Our message starts with (or quotes) Metaflow's own; find Metaflow's in its output.
        const core = normaliseTypes(metaflowPart(predicted.message));
        assert.ok(said.includes(core), `expected Metaflow to say:\n  ${core}\nbut it said:\n${said}`);
      }
    });
  }
});

/** The part of our message that is Metaflow's own words (before our explanation). */
function metaflowPart(message: string): string {
  const quoted = /Metaflow fails when the flow is loaded: (.*)$/.exec(message) ?? /fails: (You tried .*)$/.exec(message);
  if (quoted) return quoted[1];
  const attributeErr = /(AttributeError: '\w+' object has no attribute '\w+')/.exec(message);
  if (attributeErr) return attributeErr[1];
  const pythonErr = /fails with ((?:NameError|ImportError): .*?)(?:\. It lives in .*)?$/.exec(message);
  if (pythonErr) return pythonErr[1];
  const typeErr = /fails with TypeError: (.*)$/.exec(message);
  if (typeErr) return typeErr[1];
  const placeholder = /Metaflow fails: (.*)$/.exec(message);
  if (placeholder) return placeholder[1];
  const cut = message.search(
    /\. (A string source|An Azure Key Vault version|METAFLOW_AZURE_KEY_VAULT_PREFIX must|Did you mean|Write|If '|Read from:)|: @environment sets| for '[^']*'\.$/,
  );
  return cut > 0 ? message.slice(0, cut) : message;
}

/** Metaflow lists the available types in plugin-load order, which varies between runs. */
function normaliseTypes(s: string): string {
  return s.replace(/\(available types: ([^)]*)\)/g, (_, list: string) => `(available types: ${list.split(', ').sort().join(', ')})`);
}
