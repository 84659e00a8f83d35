/**
 * The pure run-plan pieces, with the parts that mirror Metaflow (the `--with secrets:` text,
 * the spin probe, the spin default list) checked against the installed Metaflow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as path from 'path';
import {
  buildLaunchPlan,
  buildPayload,
  childAttachConfiguration,
  commandLine,
  DEFAULT_SPIN_ALLOWED_DECORATORS,
  dotenvConflicts,
  LaunchRequest,
  OWNER_ENV,
  parseProbeOutput,
  PAYLOAD_ENV,
  probeCommand,
  remoteCommand,
  ResolvedSource,
  RunPlanError,
  runSpecKey,
  secretsDecoSpec,
  spinAllowedDecorators,
  MAX_PAYLOAD_BYTES,
  childSessionServer,
  debugAdapterCommand,
} from '../../shared/run';
import { DYNAMIC, SourceSpec } from '../../server/src/core/sourceSpec';
import { resolvedFromSpec } from '../../server/src/lsp/runPreparation';
import { EXTENSION_SITE, PYTHON, requireVenv } from './runWorkspace';

requireVenv();
const FLOW = '/ws/flows/my_flow.py';
const VALUE = 'value-that-must-stay-in-env';
const SRC: ResolvedSource = { type: 'aws-secrets-manager', id: 'prod/db', options: {}, role: null, env: { DB_PASSWORD: VALUE } };

function req(extra: Partial<LaunchRequest> = {}): LaunchRequest {
  return { flowFile: FLOW, mode: 'run', resolved: [SRC], python: '/py/bin/python', extensionSite: EXTENSION_SITE, pathDelimiter: ':', ...extra };
}

test('a flow run: `run`, max workers, payload and PYTHONPATH in env, no value in the arguments', () => {
  const plan = buildLaunchPlan(req({ maxWorkers: 1, extraArgs: ['--tag', 'x'], baseEnv: { PYTHONPATH: '/src' } }));
  assert.deepEqual(plan.args, ['run', '--max-workers', '1', '--tag', 'x']);
  assert.equal(plan.program, FLOW);
  assert.equal(plan.cwd, '/ws/flows');
  assert.equal(plan.env.PYTHONPATH, `${EXTENSION_SITE}:/src`);
  assert.equal(plan.env[OWNER_ENV], null);
  assert.deepEqual(JSON.parse(plan.env[PAYLOAD_ENV] as string), { v: 1, fallback: false, sources: [SRC] });
  assert.equal(plan.env.METAFLOW_SPIN_ALLOWED_DECORATORS, undefined);
  assert.ok(!plan.display.includes(VALUE) && !plan.args.join(' ').includes(VALUE));
  assert.deepEqual(plan.terminal.shellArgs, [FLOW, ...plan.args]);
  assert.equal(plan.debugConfiguration, undefined);
});

test('a single step: spin with secrets added to the spin list; resume where spin is missing', () => {
  const spin = buildLaunchPlan(req({ step: 'train', maxWorkers: 1 }));
  assert.deepEqual(spin.args, ['spin', 'train']);
  assert.deepEqual(JSON.parse(spin.env.METAFLOW_SPIN_ALLOWED_DECORATORS as string), [...DEFAULT_SPIN_ALLOWED_DECORATORS, 'secrets']);
  const resume = buildLaunchPlan(req({ step: 'train', stepCommand: 'resume', maxWorkers: 2 }));
  assert.deepEqual(resume.args, ['resume', 'train', '--max-workers', '2']);
  assert.deepEqual(buildLaunchPlan(req({ step: 'train', stepCommand: 'resume', resumeOriginRunId: '17' })).args, ['resume', 'train', '--origin-run-id', '17']);
  assert.equal(resume.env.METAFLOW_SPIN_ALLOWED_DECORATORS, undefined);
  assert.equal(spinAllowedDecorators(['card']), '["card","secrets"]');
  assert.equal(spinAllowedDecorators(['sec']), '["sec"]', 'Metaflow matches by prefix');
  assert.throws(() => buildLaunchPlan(req({ step: 'a b' })), RunPlanError);
  assert.throws(() => buildLaunchPlan(req({ maxWorkers: 0 })), /at least 1/);
  assert.throws(() => buildLaunchPlan(req({ flowFile: 'flow.py' })), /absolute/);
});

test("the default spin list is the installed Metaflow's", () => {
  const out = execFileSync(PYTHON, ['-c', 'import json; from metaflow import metaflow_config as c; print(json.dumps(c.SPIN_ALLOWED_DECORATORS))'], {
    env: { PATH: process.env.PATH, METAFLOW_HOME: '/nonexistent-mfs', USERNAME: 'tester' },
  }).toString();
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), [...DEFAULT_SPIN_ALLOWED_DECORATORS]);
});

test('debug: a launch configuration with subProcess, justMyCode and the env; children drop the env', () => {
  const plan = buildLaunchPlan(req({ mode: 'debug', step: 'train', debug: { type: 'debugpy' } }));
  const c = plan.debugConfiguration!;
  assert.equal(c.type, 'debugpy');
  assert.equal(c.request, 'launch');
  assert.equal(c.subProcess, true);
  assert.equal(c.justMyCode, true);
  assert.equal(c.console, 'integratedTerminal');
  assert.equal(c.program, FLOW);
  assert.equal(c.python, '/py/bin/python');
  assert.deepEqual(c.args, ['spin', 'train']);
  assert.equal(typeof c.env[PAYLOAD_ENV], 'string');
  assert.ok(!JSON.stringify({ ...c, env: undefined }).includes(VALUE), 'values only in env');
  const child = childAttachConfiguration({ request: 'attach', subProcessId: 7, connect: { host: '127.0.0.1', port: 1 }, env: c.env });
  assert.equal(child.env, undefined);
  assert.equal(child.subProcessId, 7);
  assert.throws(() => buildLaunchPlan(req({ mode: 'debug' })), /debug adapter type/);
  assert.deepEqual(debugAdapterCommand('/py'), { command: '/py', args: ['-m', 'debugpy.adapter'] });
  assert.deepEqual(childSessionServer(child), { host: '127.0.0.1', port: 1 });
  assert.equal(childSessionServer(c), undefined, 'the root launch is not a child');
});

test('.env: a name a secret also sets is warned about and removed from the session; its PYTHONPATH is kept', () => {
  const dotenvText = '# local\nexport DB_PASSWORD="old"\nPYTHONPATH=lib\nOTHER=1\n';
  assert.deepEqual(dotenvConflicts(dotenvText, new Set(['DB_PASSWORD'])), [{ name: 'DB_PASSWORD', line: 1 }]);
  const plan = buildLaunchPlan(req({ mode: 'debug', debug: { type: 'debugpy' }, dotenvText, baseEnv: { PYTHONPATH: '/ignored' } }));
  assert.equal(plan.env.DB_PASSWORD, null);
  assert.equal(plan.debugConfiguration!.env.DB_PASSWORD, null);
  assert.equal(plan.env.PYTHONPATH, `${EXTENSION_SITE}:lib`);
  assert.equal(plan.warnings.length, 1);
  assert.match(plan.warnings[0], /^\.env:2 sets DB_PASSWORD, which a secret of this run also sets/);
  assert.ok(!plan.warnings[0].includes('old'));
});

test('METAFLOW_EXTENSIONS_SEARCH_DIRS, when set, gets the extension directory', () => {
  const plan = buildLaunchPlan(req({ baseEnv: { METAFLOW_EXTENSIONS_SEARCH_DIRS: '/exts' } }));
  assert.equal(plan.env.METAFLOW_EXTENSIONS_SEARCH_DIRS, `/exts:${EXTENSION_SITE}`);
});

test('payload: de-duplicated by spec identity, size-limited, only static specs', () => {
  const again = { ...SRC, options: {} };
  const p = JSON.parse(buildPayload([SRC, again], { allowNetworkFallback: true }));
  assert.equal(p.sources.length, 1);
  assert.equal(p.fallback, true);
  assert.equal(runSpecKey({ type: 't', id: 'i', options: { b: { y: 1, x: 2 }, a: 1 }, role: null }), '["t","i",{"a":1,"b":{"x":2,"y":1}},null]');
  assert.throws(() => buildPayload([{ ...SRC, env: { BIG: 'x'.repeat(MAX_PAYLOAD_BYTES) } }]), /too large/);
  const spec = { index: 0, form: 'dict', type: 'inline', typeFromDefault: false, id: 'x', options: DYNAMIC, role: undefined } as unknown as SourceSpec;
  assert.throws(() => resolvedFromSpec(spec, {}), /computed at run time/);
  assert.deepEqual(resolvedFromSpec({ ...spec, options: { a: 1 }, role: 'r' } as SourceSpec, { A: 'v' }), {
    type: 'inline',
    id: 'x',
    options: { a: 1 },
    role: 'r',
    env: { A: 'v' },
  });
});

/** What the installed Metaflow makes of each `--with <spec>`: the attributes, and again after it re-serialises them for a task. */
function metaflowReads(specs: string[]): Array<{ first?: unknown; task?: unknown; error?: string }> {
  const code = [
    'import json, sys',
    'from metaflow.plugins.secrets.secrets_decorator import SecretsDecorator',
    'out = []',
    'for arg in sys.argv[1:]:',
    '    spec = arg.split(":", 1)[1]',
    '    try:',
    '        d = SecretsDecorator.parse_decorator_spec(spec)',
    '        first = {k: v for k, v in d.attributes.items() if k != "allow_override"}',
    '        again = SecretsDecorator.parse_decorator_spec(d.make_decorator_spec().split(":", 1)[1])',
    '        task = {k: v for k, v in again.attributes.items() if k != "allow_override"}',
    '        out.append({"first": first, "task": task})',
    '    except Exception as e:',
    '        out.append({"error": str(e)})',
    'print(json.dumps(out))',
  ].join('\n');
  const out = execFileSync(PYTHON, ['-c', code, ...specs], {
    env: { PATH: process.env.PATH, METAFLOW_HOME: '/nonexistent-mfs', USERNAME: 'tester', PYTHONDONTWRITEBYTECODE: '1' },
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('--with secrets: text that Metaflow reads back exactly, for the run and for each task', () => {
  const cases: Array<{ sources: Parameters<typeof secretsDecoSpec>[0]; role?: string }> = [
    { sources: ['aws-secrets-manager.extra/one'] },
    {
      sources: ['a.b', { type: 'aws-secrets-manager', id: 'arn:aws:secretsmanager:us-east-1:1:secret:x', options: { region: 'us-east-1', json: false } }],
      role: 'arn:aws:iam::123456789012:role/reader',
    },
    { sources: [{ type: 'inline', id: 'i', options: { env_vars: { A: 'héllo wörld, ünïcode' } } }] },
  ];
  const specs = cases.map((c) => secretsDecoSpec(c.sources, c.role));
  const reads = metaflowReads(specs);
  cases.forEach((c, i) => {
    const expected: { [k: string]: unknown } = { sources: c.sources, role: c.role ?? null };
    assert.deepEqual(reads[i].first, expected, specs[i]);
    assert.deepEqual(reads[i].task, expected, specs[i]);
  });
});

test('--with secrets: text Metaflow would misread is refused, and Metaflow indeed misreads it', () => {
  const bad: Array<{ sources: Parameters<typeof secretsDecoSpec>[0]; role?: string }> = [
    { sources: [{ type: 'inline', id: 'i', options: { env_vars: { A: 'b, c=d' } } }] },
    { sources: ['x'], role: '12345' },
    { sources: [{ type: 'inline', id: 'i', options: { env_vars: { A: 'say "q"' } } }] },
  ];
  for (const c of bad) assert.throws(() => secretsDecoSpec(c.sources, c.role), RunPlanError);
  const raws = bad.map((c) => `secrets:sources=${JSON.stringify(c.sources)}${c.role !== undefined ? `,role=${c.role}` : ''}`);
  metaflowReads(raws).forEach((mf, i) => {
    const expected = { sources: bad[i].sources, role: bad[i].role ?? null };
    assert.ok(
      mf.error !== undefined || JSON.stringify(mf.first) !== JSON.stringify(expected) || JSON.stringify(mf.task) !== JSON.stringify(expected),
      JSON.stringify(mf),
    );
  });
  assert.throws(() => secretsDecoSpec([]), /No extra secrets sources/);
});

test('remote runs and deployments: quoted `--with secrets:...`, nothing injected', () => {
  const k8s = remoteCommand({
    flowFile: FLOW,
    python: 'python',
    target: 'kubernetes',
    extraSources: ['aws-secrets-manager.prod/db'],
    extraSourcesRole: 'arn:aws:iam::1:role/r',
  });
  assert.deepEqual(k8s.argv, [
    'python',
    FLOW,
    '--with',
    'secrets:sources=["aws-secrets-manager.prod/db"],role=arn:aws:iam::1:role/r',
    'run',
    '--with',
    'kubernetes',
  ]);
  assert.deepEqual(k8s.env, { [PAYLOAD_ENV]: null, [OWNER_ENV]: null });
  const argo = remoteCommand({ flowFile: FLOW, python: 'python', target: 'argo-workflows', extraSources: [{ type: 'aws-secrets-manager', id: "it's" }] });
  assert.deepEqual(argo.argv.slice(-2), ['argo-workflows', 'create']);
  // The POSIX line, split by a real shell, gives the argv back.
  for (const cmd of [k8s, argo]) {
    const line = cmd.commandLine('posix');
    const out = execFileSync('bash', ['-c', `printf '%s\\0' ${line}`]).toString();
    assert.deepEqual(out.split('\0').slice(0, -1), cmd.argv);
  }
  assert.equal(commandLine(['a b', 'c"d'], 'cmd'), '"a b" "c\\"d"');
  assert.equal(commandLine(["it's"], 'powershell'), "'it''s'");
});

test('the probe reports the installed Metaflow, spin and debugpy', () => {
  const { command, args } = probeCommand(PYTHON);
  const out = execFileSync(command, args, {
    env: { PATH: process.env.PATH, METAFLOW_HOME: '/nonexistent-mfs', USERNAME: 'tester', PYTHONDONTWRITEBYTECODE: '1' },
  }).toString();
  const r = parseProbeOutput(out);
  assert.deepEqual(r, { metaflowVersion: '2.19.39', hasSpin: true, debugpyVersion: '1.8.22' });
  assert.ok(!args.join(' ').includes(VALUE));
  assert.equal(parseProbeOutput('nothing'), undefined);
  // -S: the same interpreter without its site-packages, i.e. without Metaflow.
  const none = execFileSync(command, ['-S', ...args], { env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1' } }).toString();
  const r2 = parseProbeOutput(none)!;
  assert.equal(r2.metaflowVersion, undefined);
  assert.equal(r2.hasSpin, false);
  assert.equal(path.isAbsolute(EXTENSION_SITE), true);
});

test('the Python payload reader: matches structurally, hides the payload in tasks, never echoes bad text', () => {
  const code = [
    'import importlib.util, json, os, sys',
    'spec = importlib.util.spec_from_file_location("p", sys.argv[1])',
    'def fresh():',
    '    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m',
    'out = {}',
    'os.environ["METAFLOW_EDITOR_SECRETS_PAYLOAD"] = os.environ.pop("TEST_PAYLOAD")',
    'os.environ.pop("METAFLOW_EDITOR_SECRETS_OWNER_PID", None)',
    'm = fresh(); m.load()',
    'out["launcher_keeps"] = "METAFLOW_EDITOR_SECRETS_PAYLOAD" in os.environ',
    'out["owner_is_me"] = os.environ.get("METAFLOW_EDITOR_SECRETS_OWNER_PID") == str(os.getpid())',
    'out["tuple_options"] = m.find("inline", "i", {"env_vars": {"A": "x"}, "list": (1, 2.0)}, None)',
    'out["role_differs"] = m.find("inline", "i", {"env_vars": {"A": "x"}, "list": [1, 2]}, "r")',
    'os.environ["METAFLOW_EDITOR_SECRETS_OWNER_PID"] = "1"',
    'm = fresh(); m.load()',
    'out["task_hides"] = "METAFLOW_EDITOR_SECRETS_PAYLOAD" not in os.environ',
    'out["task_still_has_values"] = m.find("inline", "i", {"env_vars": {"A": "x"}, "list": [1, 2]}, None)',
    'os.environ["METAFLOW_EDITOR_SECRETS_PAYLOAD"] = "{not json " + os.environ["TEST_VALUE"]',
    'm = fresh(); m.load()',
    'out["bad_error"] = m.payload_error()',
    'os.environ["METAFLOW_EDITOR_SECRETS_PAYLOAD"] = json.dumps({"v": 99})',
    'm = fresh(); m.load()',
    'out["version_error"] = m.payload_error()',
    'print(json.dumps(out))',
  ].join('\n');
  const payload = buildPayload([{ type: 'inline', id: 'i', options: { env_vars: { A: 'x' }, list: [1, 2] }, role: null, env: { A: VALUE } }]);
  const file = path.join(EXTENSION_SITE, 'metaflow_extensions', 'metaflow_secrets_editor', 'plugins', 'payload.py');
  // Values through the environment, as in real runs; only the module path is an argument.
  const out = JSON.parse(
    execFileSync(PYTHON, ['-c', code, file], {
      env: { PATH: process.env.PATH, TEST_PAYLOAD: payload, TEST_VALUE: VALUE, PYTHONDONTWRITEBYTECODE: '1' },
    }).toString(),
  );
  assert.equal(out.launcher_keeps, true);
  assert.equal(out.owner_is_me, true);
  assert.deepEqual(out.tuple_options, { A: VALUE });
  assert.equal(out.role_differs, null);
  assert.equal(out.task_hides, true);
  assert.deepEqual(out.task_still_has_values, { A: VALUE });
  assert.equal(out.bad_error, "the editor's secrets payload is not valid JSON");
  assert.match(out.version_error, /unsupported version/);
});
