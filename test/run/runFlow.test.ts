/**
 * Runs without debugging, the way the client starts them (a process whose environment, not
 * its command line, carries the payload), against real Metaflow: in-code @secrets get the
 * editor's values without "already exists in env"; extra sources follow `--with` semantics;
 * Metaflow's own checks still apply; an unresolved source fails clearly without touching
 * the network; no value ends up in a file or a command line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'crypto';
import * as net from 'net';
import { buildLaunchPlan, LaunchRequest, ResolvedSource } from '../../shared/run';
import { applyEnv, CmdlineSampler, EXTENSION_SITE, filesContaining, makeWorkspace, PYTHON, Ran, requireVenv, runProcess } from './runWorkspace';
import { GET_SECRET_FLOW, TWO_SECRETS_FLOW } from './flows';

const CANARY_DB = `canary-db-${randomBytes(8).toString('hex')}`;
const CANARY_TOKEN = `canary-token-${randomBytes(8).toString('hex')}`;
const CANARY_EXTRA = `canary-extra-${randomBytes(8).toString('hex')}`;
const CANARIES = [CANARY_DB, CANARY_TOKEN, CANARY_EXTRA];

const DB: ResolvedSource = { type: 'aws-secrets-manager', id: 'prod/db-creds', options: {}, role: null, env: { DB_PASSWORD: CANARY_DB } };
const TOKEN: ResolvedSource = {
  type: 'inline',
  id: 'svc',
  options: { env_vars: { API_TOKEN: 'literal-in-code' } },
  role: null,
  env: { API_TOKEN: CANARY_TOKEN },
};
const EXTRA: ResolvedSource = { type: 'aws-secrets-manager', id: 'extra/one', options: {}, role: null, env: { EXTRA_KEY: CANARY_EXTRA } };

requireVenv();
const ws = makeWorkspace(TWO_SECRETS_FLOW);
const sampler = new CmdlineSampler(CANARIES, ws.flowFile);
sampler.start();

function request(extra: Partial<LaunchRequest> = {}): LaunchRequest {
  return { flowFile: ws.flowFile, mode: 'run', resolved: [DB, TOKEN], python: PYTHON, extensionSite: EXTENSION_SITE, maxWorkers: 1, baseEnv: ws.env, ...extra };
}

/** Starts the plan's terminal process the way VS Code would: shellPath + shellArgs, env applied. */
async function runPlan(req: LaunchRequest, envExtra: NodeJS.ProcessEnv = {}): Promise<Ran & { all: string }> {
  const plan = buildLaunchPlan(req);
  for (const c of CANARIES) assert.ok(!plan.display.includes(c) && !plan.terminal.shellArgs.join(' ').includes(c), 'no value on the command line');
  const r = await runProcess(plan.terminal.shellPath, plan.terminal.shellArgs, {
    cwd: plan.terminal.cwd,
    env: applyEnv({ ...ws.env, ...envExtra }, plan.terminal.env),
  });
  return { ...r, all: r.stdout + r.stderr };
}

test('in-code @secrets get the editor-resolved values, with no "already exists in env"', { timeout: 120_000 }, async () => {
  const r = await runPlan(request());
  assert.equal(r.code, 0, r.all);
  assert.doesNotMatch(r.all, /already exists in env/);
  assert.match(r.all, /end payload visible: False/);
  for (const c of CANARIES) assert.ok(!r.all.includes(c), 'no value in the output');
});

test("control: a variable already in the environment still trips Metaflow's clash check (why values are not pre-set)", { timeout: 120_000 }, async () => {
  // What a .env or launch.json holding the value would do: the provider serves the value, and
  // Metaflow refuses to overwrite the existing variable.
  const r = await runPlan(request(), { DB_PASSWORD: 'set-by-dotenv' });
  assert.notEqual(r.code, 0);
  assert.match(r.all, /Secret 'prod\/db-creds \(aws-secrets-manager\)' will inject 'DB_PASSWORD' as env var, but it already exists in env/);
});

test('extra sources follow --with semantics: dropped for steps with in-code @secrets', { timeout: 120_000 }, async () => {
  const r = await runPlan(request({ resolved: [DB, TOKEN, EXTRA], extraSources: ['aws-secrets-manager.extra/one'] }));
  assert.equal(r.code, 0, r.all);
  assert.match(r.all, /start EXTRA_KEY present: False/);
  assert.match(r.all, /end EXTRA_KEY present: True/);
});

test('a single step where spin is missing: resume <step> gets the values too', { timeout: 120_000 }, async () => {
  // Before any spin: spin records its own run as the latest, which plain `resume` cannot use
  // (hence resumeOriginRunId).
  const r = await runPlan(request({ step: 'report', stepCommand: 'resume' }));
  assert.equal(r.code, 0, r.all);
  assert.doesNotMatch(r.all, /already exists in env/);
  assert.match(r.all, /end payload visible: False/);
});

test('a single step: spin with an extra source (top-level --with reaches the spun step)', { timeout: 120_000 }, async () => {
  // spin needs a previous run: the first test made one.
  const r = await runPlan(request({ step: 'end', stepCommand: 'spin', resolved: [DB, TOKEN, EXTRA], extraSources: ['aws-secrets-manager.extra/one'] }));
  assert.equal(r.code, 0, r.all);
  assert.match(r.all, /end EXTRA_KEY present: True/);
  assert.doesNotMatch(r.all, /Ignoring Step decorator 'secrets'/);
});

/** A loopback server standing in for the AWS endpoint: it only counts connections. */
async function countingEndpoint(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, connections: () => n, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const AWS_TO_ENDPOINT = (url: string): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_MAX_ATTEMPTS: '1',
});

test('a source the editor did not resolve fails clearly and nothing reaches the network', { timeout: 120_000 }, async () => {
  const endpoint = await countingEndpoint();
  try {
    const r = await runPlan(request({ resolved: [TOKEN] }), AWS_TO_ENDPOINT(endpoint.url));
    assert.notEqual(r.code, 0);
    assert.match(
      r.all,
      /Failed to retrieve secret 'prod\/db-creds': prod\/db-creds \(aws-secrets-manager\) was not resolved by the editor before this run \(no role, options \{\}\)\. Nothing was fetched from the network\./,
    );
    assert.equal(endpoint.connections(), 0);
  } finally {
    await endpoint.close();
  }
});

test("with fallback allowed, the unresolved source goes to Metaflow's own provider, announced", { timeout: 120_000 }, async () => {
  const endpoint = await countingEndpoint();
  try {
    const r = await runPlan(request({ resolved: [TOKEN], allowNetworkFallback: true }), AWS_TO_ENDPOINT(endpoint.url));
    assert.notEqual(r.code, 0, 'the stand-in endpoint answers nothing');
    assert.match(r.all, /metaflow-secrets: prod\/db-creds \(aws-secrets-manager\) was not resolved by the editor; fetching it with Metaflow's own provider/);
    assert.ok(endpoint.connections() > 0, 'the core provider called the endpoint');
  } finally {
    await endpoint.close();
  }
});

test("Metaflow's own checks still apply to editor-resolved values", { timeout: 120_000 }, async () => {
  const bad: ResolvedSource = { ...DB, env: { 'bad-name': CANARY_DB } };
  const r = await runPlan(request({ resolved: [bad, TOKEN] }));
  assert.notEqual(r.code, 0);
  assert.match(r.all, /Found invalid env var name 'bad-name'\./);
  for (const c of CANARIES) assert.ok(!r.all.includes(c));
});

test("a type no installed Metaflow knows fails with Metaflow's own message, even when the editor sent it", { timeout: 120_000 }, async () => {
  const custom = makeWorkspace(TWO_SECRETS_FLOW.replace('"aws-secrets-manager.prod/db-creds"', '"custom-vault.prod/db-creds"'));
  const plan = buildLaunchPlan({ ...request(), flowFile: custom.flowFile, baseEnv: custom.env, resolved: [{ ...DB, type: 'custom-vault' }, TOKEN] });
  const r = await runProcess(plan.python, [plan.program, ...plan.args], { cwd: plan.cwd, env: applyEnv(custom.env, plan.env) });
  assert.notEqual(r.code, 0);
  // Metaflow lists the types from a set: their order changes from process to process.
  const m = /Unknown secrets backend type custom-vault \(available types: ([a-z, -]+)\)/.exec(r.stdout + r.stderr);
  assert.ok(m, r.stdout + r.stderr);
  assert.deepEqual(m[1].split(', ').sort(), ['aws-secrets-manager', 'az-key-vault', 'gcp-secret-manager']);
});

test('get_secret() in a step is served the editor-resolved value too (no network)', { timeout: 120_000 }, async () => {
  const other = makeWorkspace(GET_SECRET_FLOW);
  const plan = buildLaunchPlan({
    flowFile: other.flowFile,
    mode: 'run',
    resolved: [DB],
    python: PYTHON,
    extensionSite: EXTENSION_SITE,
    maxWorkers: 1,
    baseEnv: other.env,
  });
  const r = await runProcess(plan.terminal.shellPath, plan.terminal.shellArgs, { cwd: plan.terminal.cwd, env: applyEnv(other.env, plan.terminal.env) });
  const all = r.stdout + r.stderr;
  assert.equal(r.code, 0, all);
  assert.match(all, /get_secret matches @secrets: True/);
  assert.ok(!all.includes(CANARY_DB), 'no value in the output');
});

test('after the runs, no value is in any file or command line', () => {
  sampler.stop();
  assert.ok(
    sampler.samples > 10 && sampler.flowProcessesSeen.size >= 3,
    `the sampler watched the runs (${sampler.samples} samples, ${sampler.flowProcessesSeen.size} flow processes)`,
  );
  assert.deepEqual(sampler.hits, []);
  const scan = filesContaining(CANARIES, [ws.dir], ws.startedAt);
  assert.ok(scan.files > 20, `scanned the workspace, datastore and temp files (${scan.files})`);
  assert.deepEqual(scan.hits, []);
});
