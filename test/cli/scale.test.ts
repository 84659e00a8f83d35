import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowFile, heads, makeTree, runCli } from './cliHarness';

// A tree of 1,000 generated flows, checked in one run. The time is printed; the bound asserted is
// generous because CI machines are shared (the target is a few seconds).

function generatedFlow(i: number): string {
  const broken = i % 10 === 0;
  return flowFile(
    `Generated${i}Flow`,
    `    @secrets(sources=[${broken ? `"prod/db${i}.creds"` : `"aws-secrets-manager.prod/db${i}"`}, {"type": "inline", "id": "t", "options": {"env_vars": {"TOKEN_${i}": "x"}}}])
    @step
    def start(self):
        token = os.environ["TOKEN_${i}"]
        self.headers = {"Authorization": "Bearer " + token}
        self.next(self.middle)

    @step
    def middle(self):
        import hashlib
        self.digest = hashlib.sha256(self.headers["Authorization"].encode()).hexdigest()
        self.next(self.end)

    @step
    def end(self):
        print(self.digest)
`,
  );
}

test('1,000 flows are checked in one run, every broken one reported', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) files[`team${i % 20}/flow_${i}.py`] = generatedFlow(i);
  const dir = makeTree(files);
  const r = await runCli(['check', '--offline', '--severity', 'error'], { cwd: dir, timeoutMs: 120_000 });
  const perFile = (r.ms / 1000).toFixed(2);
  console.log(`metaflow-secrets check --offline: 1,000 flows in ${r.ms} ms (${perFile} ms per flow), process start included`);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /in 1000 checked file\(s\) \(offline\)/);
  const h = heads(r.stdout);
  // Every tenth flow has a dotted name read as an unknown backend type; every flow stores a secret as an artifact.
  assert.equal(h.filter((x) => x.endsWith('error MFS004')).length, 100);
  assert.equal(h.filter((x) => x.endsWith('warning MFS052')).length, 1000);
  assert.ok(r.ms < 60_000, `took ${r.ms} ms`);
});
