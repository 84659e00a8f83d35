import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { GcpSecretManagerFake } from '../../scripts/emulators/gcpSecretManagerFake';
import { startGcpFake } from '../support/emulators';
import { cleanEnv, flowFile, heads, makeTree, runCli, tempDir } from './cliHarness';

// Online checking through the GCP Secret Manager backend (the unmodified client over gRPC against
// the project's fake): JSON keys known only to the backend drive the leak and typo checks.

const CANARY = 'canary-cli-gcp-user-4471';
const GUARD = path.join(__dirname, 'netGuard.js');
let sm: GcpSecretManagerFake;
let dir: string;

before(async () => {
  sm = await startGcpFake();
  sm.addVersion('123', 'db-json', JSON.stringify({ DB_USER: CANARY, port: 5432 }));
  dir = makeTree({
    'flow.py': flowFile(
      'GcpFlow',
      `    @secrets(sources=[{"type": "gcp-secret-manager", "id": "projects/123/secrets/db-json", "options": {"json": True}}])
    @step
    def start(self):
        print(os.environ["DB_USER"])
        self.port = os.environ["PORT"]
        self.next(self.end)

    @secrets(sources=["gcp-secret-manager.projects/123/secrets/absent"])
    @step
    def end(self):
        pass
`,
    ),
    'backend.json': JSON.stringify({ gcp: { endpoint: sm.endpoint, insecure: true } }),
  });
});

after(async () => {
  await sm?.stop();
});

test('online through GCP: the JSON keys the secret holds, a missing secret, no value printed, loopback only', async () => {
  const log = path.join(tempDir('mfs-guard-'), 'net.log');
  fs.writeFileSync(log, '');
  const before = sm.count('AccessSecretVersion');
  const r = await runCli(['check', '--backend-config', 'backend.json', '--severity', 'hint'], {
    cwd: dir,
    env: { ...cleanEnv(), NET_GUARD_LOG: log },
    nodeArgs: ['--require', GUARD],
  });
  assert.equal(sm.count('AccessSecretVersion') - before, 2, r.stderr);
  assert.deepEqual(heads(r.stdout), ['flow.py:9:15: warning MFS050', 'flow.py:10:32: warning MFS023', 'flow.py:13:23: error MFS030'], r.stdout + r.stderr);
  assert.match(r.stdout, /MFS023 'PORT' is not set by this step's @secrets \(it provides DB_USER, port\)\. Did you mean 'port'\?/);
  assert.equal(r.code, 1);
  assert.ok(!r.stdout.includes(CANARY) && !r.stderr.includes(CANARY));
  const net = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  assert.ok(
    net.some((e) => e.kind === 'connect'),
    'the backend was reached through a socket the guard saw',
  );
  assert.ok(
    net.every((e) => e.allowed !== false),
    JSON.stringify(net),
  );

  // Offline the keys are unknown: no leak, no typo, no missing secret.
  const offline = await runCli(['check', '--offline', '--severity', 'hint'], { cwd: dir, env: cleanEnv() });
  // Offline the keys are not known: the printed value is reported with its name assumed.
  assert.deepEqual(heads(offline.stdout), ['flow.py:9:15: information MFS055']);
  assert.equal(offline.code, 1, '--severity hint fails on an information finding');
});
