/**
 * Debugging with the resolved secrets injected, through real debugpy (`python -m debugpy.adapter`)
 * and real Metaflow: a breakpoint in each of two steps with different secrets, then a single
 * step with spin. Afterwards no canary is in any file or any process's command line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { buildLaunchPlan, childAttachConfiguration, childSessionServer, LaunchRequest, PAYLOAD_ENV, ResolvedSource } from '../../shared/run';
import { DapClient } from '../support/dapClient';
import { applyEnv, CmdlineSampler, EXTENSION_SITE, filesContaining, lineOf, makeWorkspace, PYTHON, requireVenv, runProcess } from './runWorkspace';
import { TWO_SECRETS_FLOW } from './flows';

const CANARY_DB = `canary-db-${randomBytes(8).toString('hex')}`;
const CANARY_TOKEN = `canary-token-${randomBytes(8).toString('hex')}`;
const CANARIES = [CANARY_DB, CANARY_TOKEN];

const RESOLVED: ResolvedSource[] = [
  { type: 'aws-secrets-manager', id: 'prod/db-creds', options: {}, role: null, env: { DB_PASSWORD: CANARY_DB } },
  { type: 'inline', id: 'svc', options: { env_vars: { API_TOKEN: 'literal-in-code' } }, role: null, env: { API_TOKEN: CANARY_TOKEN } },
];

requireVenv();
const ws = makeWorkspace(TWO_SECRETS_FLOW);
const BP_START = lineOf(TWO_SECRETS_FLOW, 'BP:start');
const BP_REPORT = lineOf(TWO_SECRETS_FLOW, 'BP:report');
const sampler = new CmdlineSampler(CANARIES, ws.flowFile);

function request(extra: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    flowFile: ws.flowFile,
    mode: 'debug',
    resolved: RESOLVED,
    python: PYTHON,
    extensionSite: EXTENSION_SITE,
    maxWorkers: 1,
    baseEnv: ws.env,
    debug: { type: 'debugpy', console: 'internalConsole', justMyCode: true },
    ...extra,
  };
}

async function debugSession(
  req: LaunchRequest,
  visit: (stepName: string, evalIn: (expr: string) => Promise<string>) => Promise<void>,
  expectedStops: number,
  runInTerminal = false,
): Promise<DapClient> {
  const plan = buildLaunchPlan(req);
  assert.ok(plan.debugConfiguration);
  // The adapter runs in the inherited environment; the values travel only inside the launch request.
  const client = DapClient.start(
    PYTHON,
    {
      breakpoints: { [ws.flowFile]: [BP_START, BP_REPORT] },
      childConfiguration: childAttachConfiguration,
      timeoutMs: 90_000,
      runInTerminal,
    },
    ws.env,
  );
  try {
    await client.launch(plan.debugConfiguration as unknown as { [k: string]: unknown });
    for (let i = 0; i < expectedStops; i++) {
      const stop = await client.nextStop();
      const frame = await stop.session.topFrame(stop.threadId);
      assert.equal(frame.source?.path, ws.flowFile);
      await visit(frame.name, (expr) => stop.session.evaluate(stop.threadId, expr));
      await stop.session.continue(stop.threadId);
    }
    const code = await client.waitForExit(90_000);
    assert.equal(code, 0, client.output.join(''));
    return client;
  } finally {
    await client.close();
  }
}

test("a breakpoint in each of two steps sees that step's secrets, and only those", { timeout: 180_000 }, async () => {
  sampler.start();
  const seen: string[] = [];
  const client = await debugSession(
    request(),
    async (stepName, evalIn) => {
      seen.push(stepName);
      assert.equal(await evalIn(`'${PAYLOAD_ENV}' in os.environ`), 'False', 'the payload is hidden from user code in the task');
      if (stepName === 'start') {
        assert.equal(await evalIn("os.environ['DB_PASSWORD']"), `'${CANARY_DB}'`);
        assert.equal(await evalIn("'API_TOKEN' in os.environ"), 'False');
      } else if (stepName === 'report') {
        assert.equal(await evalIn("os.environ['API_TOKEN']"), `'${CANARY_TOKEN}'`);
        assert.equal(await evalIn("'DB_PASSWORD' in os.environ"), 'False');
      } else {
        assert.fail(`stopped in unexpected frame ${stepName}`);
      }
    },
    2,
  );
  assert.deepEqual(seen, ['start', 'report']);
  // debugpy hands the launch configuration back for each task; the child sessions were started without the env.
  assert.ok(client.startDebuggingRequests.length >= 3, 'one child session per task');
  assert.ok(
    client.startDebuggingRequests.every((c) => typeof (c.env as Record<string, string> | undefined)?.[PAYLOAD_ENV] === 'string'),
    'debugpy copies the launch env into every startDebugging configuration (why childAttachConfiguration drops it)',
  );
  // VS Code adds the request kind from startDebugging to the configuration it starts.
  assert.ok(
    client.startDebuggingRequests.every((c) => childSessionServer({ ...c, request: 'attach' }) !== undefined),
    'each child names the adapter port to connect to',
  );
  const out = client.output.join('');
  assert.doesNotMatch(out, /already exists in env/);
  assert.match(out, /end payload visible: False/);
  for (const c of CANARIES) assert.ok(!out.includes(c), 'no value in the session output');
});

test('a single step with spin stops at its breakpoint with its secret (console: integratedTerminal)', { timeout: 180_000 }, async () => {
  // spin needs a previous run; it ran in the test above. The plan's default console makes
  // debugpy start its launcher through the client's terminal (runInTerminal).
  const seen: string[] = [];
  const client = await debugSession(
    request({ step: 'report', stepCommand: 'spin', debug: { type: 'debugpy' } }),
    async (stepName, evalIn) => {
      seen.push(stepName);
      assert.equal(stepName, 'report');
      assert.equal(await evalIn("os.environ['API_TOKEN']"), `'${CANARY_TOKEN}'`);
      assert.equal(await evalIn("'DB_PASSWORD' in os.environ"), 'False');
    },
    1,
    true,
  );
  assert.deepEqual(seen, ['report']);
  const out = client.output.join('');
  assert.doesNotMatch(out, /Ignoring Step decorator 'secrets'/);
  assert.equal(client.runInTerminalRequests.length, 1, 'debugpy started its launcher through the terminal');
  const text = JSON.stringify(client.runInTerminalRequests);
  for (const c of CANARIES) assert.ok(!text.includes(c), 'no value in runInTerminal');
  assert.ok(!text.includes(PAYLOAD_ENV), 'the payload stays in the launch request');
});

test('without secrets in the spin list, spin ignores @secrets (why the plan sets it)', { timeout: 120_000 }, async () => {
  const plan = buildLaunchPlan(request({ mode: 'run', step: 'report', stepCommand: 'spin' }));
  const env = applyEnv(ws.env, plan.env);
  delete env.METAFLOW_SPIN_ALLOWED_DECORATORS;
  const r = await runProcess(plan.python, [plan.program, ...plan.args], { cwd: plan.cwd, env });
  assert.match(r.stdout + r.stderr, /Ignoring Step decorator 'secrets' as it is not supported in spin steps/);
  assert.match(r.stdout + r.stderr, /KeyError: 'API_TOKEN'/);
});

test('after the sessions, no value is in any file or command line', () => {
  sampler.stop();
  assert.ok(
    sampler.samples > 10 && sampler.flowProcessesSeen.size >= 3,
    `the sampler watched the runs (${sampler.samples} samples, ${sampler.flowProcessesSeen.size} flow processes)`,
  );
  assert.deepEqual(sampler.hits, []);
  assert.ok(fs.existsSync(`${ws.dir}/.metaflow`), 'the runs wrote a datastore');
  const scan = filesContaining(CANARIES, [ws.dir], ws.startedAt);
  assert.ok(scan.files > 20, `scanned the workspace, datastore and temp files (${scan.files})`);
  assert.deepEqual(scan.hits, []);
});
