import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FaultProxy, RunningEmulator, startMoto } from '../support/emulators';
import { cleanEnv, CliRun, flowFile, heads, makeTree, runCli, tempDir } from './cliHarness';

// Online and offline checking against moto_server (AWS Secrets Manager) through a counting
// proxy, with every outgoing connection and DNS lookup of the command recorded by netGuard.

const CANARY_PW = 'canary-cli-pw-5Qx!91';
const CANARY_USER = 'canary-cli-user-77ab';
const GUARD = path.join(__dirname, 'netGuard.js');

let moto: RunningEmulator;
let proxy: FaultProxy;
let endpoint: string;
let dir: string;

const DB_FLOW = flowFile(
  'DbFlow',
  `    @secrets(sources=["aws-secrets-manager.prod/db"])
    @step
    def start(self):
        pw = os.environ["DB_PASSWORD"]
        print(pw)
        user = os.environ["DB_USR"]
        self.next(self.end)

    @secrets(sources=["aws-secrets-manager.prod/missing"])
    @step
    def end(self):
        pass
`,
);

/** The same source in a second file: the backend is still asked once. */
const SAME_SOURCE_FLOW = flowFile(
  'OtherFlow',
  `    @secrets(sources=["aws-secrets-manager.prod/db"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
);

before(async () => {
  moto = await startMoto();
  proxy = new FaultProxy(moto.url);
  endpoint = await proxy.start();
  const sm = new SecretsManagerClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await sm.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: JSON.stringify({ DB_USER: CANARY_USER, DB_PASSWORD: CANARY_PW }) }));
  sm.destroy();
  dir = makeTree({
    'flows/db.py': DB_FLOW,
    'flows/other.py': SAME_SOURCE_FLOW,
    'backend.json': JSON.stringify({ aws: { endpoint, region: 'us-east-1', maxAttempts: 1 } }),
  });
});

after(async () => {
  await proxy?.stop();
  await moto?.stop();
});

interface GuardEntry {
  kind: 'connect' | 'lookup' | 'ipc';
  host?: string;
  port?: number | string;
  allowed?: boolean;
}

/** Runs the command with netGuard loaded; returns its result and what it tried on the network. */
async function guarded(args: string[], env: Record<string, string>): Promise<CliRun & { net: GuardEntry[] }> {
  const log = path.join(tempDir('mfs-guard-'), 'net.log');
  fs.writeFileSync(log, '');
  const r = await runCli(args, { cwd: dir, env: { ...env, NET_GUARD_LOG: log }, nodeArgs: ['--require', GUARD] });
  const net = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as GuardEntry);
  return { ...r, net };
}

const awsEnv = () => cleanEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });

function assertNoCanary(...texts: string[]): void {
  for (const t of texts) {
    assert.ok(!t.includes(CANARY_PW) && !t.includes(CANARY_USER), 'a secret value reached the output');
  }
}

test('--offline makes no network call at all, even with credentials, an endpoint and a proxy configured', async () => {
  const before = proxy.requests.length;
  const env = { ...awsEnv(), HTTP_PROXY: endpoint, HTTPS_PROXY: endpoint, http_proxy: endpoint, https_proxy: endpoint };
  const r = await guarded(['check', '--offline', '--backend-config', 'backend.json', '--severity', 'hint'], env);
  assert.deepEqual(r.net, [], 'no connection, no DNS lookup');
  assert.equal(proxy.requests.length, before, 'the counting proxy saw nothing');
  // Statically, nothing is wrong with these sources. Their keys are unknown offline, so the
  // password printed in a step is reported with its name assumed (MFS055, Information): no error.
  assert.deepEqual(heads(r.stdout), ['flows/db.py:10:15: information MFS055'], r.stdout);
  assert.match(r.stdout, /`DB_PASSWORD` \(via `pw`\) is probably provided by @secrets source 'prod\/db'/);
  assert.match(r.stderr, /1 information in 2 checked file\(s\) \(offline\)/);
  assert.equal(r.code, 1, '--severity hint fails on it; the default (error) would not');

  // Conservatively, a read of any variable in a step with @secrets counts as a secret.
  const conservative = await guarded(['check', '--offline', '--conservative-leaks'], env);
  assert.deepEqual(conservative.net, []);
  assert.deepEqual(heads(conservative.stdout), ['flows/db.py:10:15: warning MFS050']);
});

test('online: each distinct source is asked once; missing secrets, real keys, leaks and typos are reported; no value is printed', async () => {
  const before = proxy.count('secretsmanager.GetSecretValue');
  const sarif = path.join(tempDir(), 'out.sarif');
  const r = await guarded(['check', '--backend-config', 'backend.json', '--format', 'sarif', '--output', sarif], awsEnv());
  assert.equal(proxy.count('secretsmanager.GetSecretValue') - before, 2, 'prod/db once for both files, prod/missing once');
  // The guard saw the command's connections: all to the loopback proxy.
  const connects = r.net.filter((e) => e.kind === 'connect');
  assert.ok(connects.length >= 1, JSON.stringify(r.net));
  assert.ok(
    connects.every((e) => e.allowed && e.host === '127.0.0.1' && Number(e.port) === proxy.port),
    JSON.stringify(r.net),
  );

  const log = JSON.parse(fs.readFileSync(sarif, 'utf8'));
  const found = log.runs[0].results.map(
    (x: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }) => {
      const l = x.locations[0].physicalLocation;
      return `${l.artifactLocation.uri}:${l.region.startLine} ${x.ruleId}`;
    },
  );
  assert.deepEqual(
    found.sort(),
    ['flows/db.py:10 MFS050', 'flows/db.py:11 MFS023', 'flows/db.py:14 MFS030'].sort(),
    JSON.stringify(log.runs[0].results, null, 1),
  );
  const typo = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'MFS023');
  assert.match(typo.message.text, /Did you mean 'DB_USER'/);
  const missing = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'MFS030');
  assert.equal(missing.level, 'error');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /online: 2 source\(s\) asked, 1 failed/);
  assertNoCanary(r.stdout, r.stderr, fs.readFileSync(sarif, 'utf8'));

  // Text output of the same run carries no value either.
  const text = await guarded(['check', '--backend-config', 'backend.json', '--severity', 'hint'], awsEnv());
  assert.deepEqual(heads(text.stdout), ['flows/db.py:10:15: warning MFS050', 'flows/db.py:11:27: warning MFS023', 'flows/db.py:14:23: error MFS030']);
  assertNoCanary(text.stdout, text.stderr);
});

test('online with a backend that hangs: every call times out, the command still finishes and reports it', async () => {
  proxy.fault = () => ({ kind: 'hang' });
  try {
    const started = Date.now();
    const r = await guarded(['check', '--backend-config', 'backend.json', '--timeout', '1', '--severity', 'hint'], awsEnv());
    assert.ok(Date.now() - started < 30_000, 'no hang');
    const timeouts = heads(r.stdout).filter((h) => h.endsWith('information MFS033'));
    assert.equal(timeouts.length, 3, r.stdout);
    assert.equal(r.code, 1, 'information is at or above --severity hint');
  } finally {
    proxy.fault = undefined;
  }
});

test('Ctrl-C cancels backend calls in flight: the command stops at once with 130', async () => {
  proxy.fault = () => ({ kind: 'hang' });
  try {
    let interruptedAt = 0;
    const asked = proxy.count('secretsmanager.GetSecretValue');
    const r = await runCli(['check', '--backend-config', 'backend.json', '--timeout', '60'], {
      cwd: dir,
      env: awsEnv(),
      onSpawn: (child) => {
        // Interrupt once the backend has been asked (the proxy holds the requests).
        const poll = setInterval(() => {
          if (proxy.count('secretsmanager.GetSecretValue') > asked && child.exitCode === null) {
            clearInterval(poll);
            interruptedAt = Date.now();
            child.kill('SIGINT');
          }
        }, 50);
        child.once('close', () => clearInterval(poll));
      },
    });
    assert.ok(interruptedAt > 0, 'the backend was asked');
    assert.equal(r.code, 130, r.stderr);
    assert.ok(Date.now() - interruptedAt < 10_000, 'stopped long before the 60 s timeout');
  } finally {
    proxy.fault = undefined;
  }
});

test('online without an endpoint goes to AWS itself: the guard sees and refuses it, and the command reports the backend unreachable', async () => {
  const r = await guarded(['check', '--timeout', '5'], cleanEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' }));
  const refused = r.net.filter((e) => !e.allowed);
  assert.ok(refused.length >= 1, `the guard must catch the call to AWS: ${JSON.stringify(r.net)}`);
  assert.ok(
    refused.some((e) => /secretsmanager\.us-east-1\.amazonaws\.com/.test(String(e.host))),
    JSON.stringify(refused),
  );
  assert.match(r.stdout, /MFS033/);
  assert.equal(r.code, 0, 'unreachable is information only: it does not fail the default --severity error');
});
