import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { DYNAMIC, SourceSpec } from '../../server/src/core/sourceSpec';
import { rule } from '../../server/src/core/rules';
import {
  backendSettings,
  FailedResolution,
  InlineProvider,
  parseBackendSettings,
  Resolution,
  ResolveContext,
  resolutionFindings,
  resolutionSummary,
  SecretMetadata,
  secretMetadataSummary,
  SecretProvider,
  SecretResolver,
} from '../../server/src/backends';
import { assertNoCanary, CapturingLogger, makeSpec } from './helpers';

// The resolver's own guarantees with a scripted in-memory provider: concurrency bound,
// de-duplication, TTLs, events, settings changes; plus the inline backend, the findings mapping
// and the settings parser.

/** A provider whose answers the test releases by hand. */
class ScriptedProvider implements SecretProvider {
  readonly type = 'aws-secrets-manager';
  running = 0;
  maxRunning = 0;
  calls = 0;
  aborted = 0;
  answer: (spec: SourceSpec) => Resolution = (spec) => ({
    ok: true,
    vars: new Map([['K', `canary-scripted-${spec.id}`]]),
    names: ['K'],
    meta: { resolvedId: spec.id, fetchedAt: 0 },
  });
  private gates: Array<() => void> = [];

  settingsFingerprint(s: ReturnType<typeof backendSettings>): string {
    return s.aws.region ?? '';
  }

  release(): void {
    for (const g of this.gates.splice(0)) g();
  }

  async resolve(spec: SourceSpec, _ctx: ResolveContext, signal: AbortSignal): Promise<Resolution> {
    this.calls++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await new Promise<void>((resolve, reject) => {
        this.gates.push(resolve);
        signal.addEventListener('abort', () => {
          this.aborted++;
          reject(signal.reason);
        });
      });
      return this.answer(spec);
    } finally {
      this.running--;
    }
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const config = fixedConfig({});

test('at most maxConcurrent calls run at once; the rest queue', async () => {
  const p = new ScriptedProvider();
  const r = new SecretResolver({ providers: [p], settings: backendSettings({ maxConcurrent: 2 }) });
  const all = Array.from({ length: 6 }, (_, i) => r.resolve(makeSpec('aws-secrets-manager', `s${i}`), config));
  await tick();
  assert.equal(p.running, 2);
  while (p.calls < 6 || p.running > 0) {
    p.release();
    await tick();
  }
  assert.ok((await Promise.all(all)).every((x) => x.ok));
  assert.equal(p.maxRunning, 2);
  assert.equal(p.calls, 6);
  r.dispose();
});

test('a background prefetch is not cancelled by callers that give up, and reports through onDidResolve', async () => {
  const p = new ScriptedProvider();
  const r = new SecretResolver({ providers: [p] });
  const events: string[] = [];
  r.onDidResolve((e) => events.push(`${e.spec.id}:${e.resolution.ok}`));
  const spec = makeSpec('aws-secrets-manager', 'bg');
  r.prefetch(spec, config);
  const ac = new AbortController();
  const waiting = r.resolve(spec, config, ac.signal);
  ac.abort();
  assert.equal((await waiting).ok, false);
  await tick();
  assert.equal(p.aborted, 0, 'the prefetch keeps the request alive');
  p.release();
  await tick();
  assert.deepEqual(events, ['bg:true']);
  assert.equal(r.peek(spec, config)?.ok, true);
  assert.equal(p.calls, 1);
  r.dispose();
});

test('transient failures are cached for the short TTL, real answers for the long one', async () => {
  let clock = 0;
  const p = new ScriptedProvider();
  p.answer = (spec): FailedResolution => ({ ok: false, kind: spec.id === 'flaky' ? 'throttled' : 'not-found', message: 'x' });
  const r = new SecretResolver({ providers: [p], now: () => clock, settings: backendSettings({ cacheTtlMs: 60_000, transientTtlMs: 5_000 }) });
  for (const id of ['flaky', 'gone']) {
    const pr = r.resolve(makeSpec('aws-secrets-manager', id), config);
    await tick();
    p.release();
    await pr;
  }
  clock = 6_000;
  assert.equal(r.peek(makeSpec('aws-secrets-manager', 'flaky'), config), undefined);
  assert.equal(r.peek(makeSpec('aws-secrets-manager', 'gone'), config)?.ok, false);
  assert.equal(r.peekLatest(makeSpec('aws-secrets-manager', 'flaky'), config)?.fresh, false);
  r.dispose();
});

test('past its TTL an answer is still shown (names only) while a new request runs', async () => {
  let clock = 0;
  const p = new ScriptedProvider();
  const r = new SecretResolver({ providers: [p], now: () => clock, settings: backendSettings({ cacheTtlMs: 1_000 }) });
  const spec = makeSpec('aws-secrets-manager', 'k');
  const pr = r.resolve(spec, config);
  await tick();
  p.release();
  const first = await pr;
  assert.equal(first.ok && first.vars.get('K'), 'canary-scripted-k');
  clock = 2_000;
  assert.equal(r.peek(spec, config), undefined);
  const latest = r.peekLatest(spec, config);
  assert.equal(latest?.fresh, false);
  assert.deepEqual(latest?.resolution.ok && latest.resolution.names, ['K']);
  assert.equal(latest?.resolution.ok && latest.resolution.vars.size, 0, 'values are dropped once expired');
  r.dispose();
});

test('changing settings that shape a request forgets old answers; unrelated changes do not', async () => {
  const p = new ScriptedProvider();
  const r = new SecretResolver({ providers: [p], settings: backendSettings({ aws: { region: 'us-east-1' } }) });
  const spec = makeSpec('aws-secrets-manager', 'x');
  const pr = r.resolve(spec, config);
  await tick();
  p.release();
  await pr;
  r.setSettings(backendSettings({ aws: { region: 'us-east-1' }, timeoutMs: 2000 }));
  assert.equal(r.peek(spec, config)?.ok, true);
  r.setSettings(backendSettings({ aws: { region: 'eu-west-1' } }));
  assert.equal(r.peek(spec, config), undefined);
  // Metaflow configuration is part of the key too: another default region is another source.
  assert.notEqual(
    r.keyOf(spec, fixedConfig({ AWS_SECRETS_MANAGER_DEFAULT_REGION: 'a' })),
    r.keyOf(spec, fixedConfig({ AWS_SECRETS_MANAGER_DEFAULT_REGION: 'b' })),
  );
  r.dispose();
});

test('going offline cancels requests in flight and answers from nothing', async () => {
  const p = new ScriptedProvider();
  const r = new SecretResolver({ providers: [p] });
  const spec = makeSpec('aws-secrets-manager', 'x');
  r.prefetch(spec, config);
  const pending = r.resolve(spec, config);
  await tick();
  r.setSettings(backendSettings({ offline: true }));
  const res = await pending;
  assert.ok(!res.ok && res.kind === 'cancelled');
  assert.equal(p.aborted, 1);
  const after = await r.resolve(spec, config);
  assert.ok(!after.ok && after.kind === 'offline');
  assert.equal(p.calls, 1);
  r.dispose();
});

test('unknown types and run-time options are not resolved', async () => {
  const r = new SecretResolver({ providers: [new InlineProvider()] });
  const unknown = await r.resolve(makeSpec('outerbounds.vault', 'x'), config);
  assert.ok(!unknown.ok && unknown.kind === 'unsupported');
  const dyn = { ...makeSpec('inline', 'x'), options: DYNAMIC } as SourceSpec;
  const d = await r.resolve(dyn, config);
  assert.ok(!d.ok && d.kind === 'unsupported');
  assert.deepEqual(resolutionFindings(dyn, d), []);
  r.dispose();
});

test('inline returns options.env_vars exactly; bad shapes fail like Metaflow without values', async () => {
  const logger = new CapturingLogger();
  const r = new SecretResolver({ logger });
  const ok = await r.resolve(makeSpec('inline', 'ignored', { env_vars: { A: 'canary-inline-aa11', B: 'canary-inline-bb22' } }), config);
  assert.deepEqual(ok.ok && [...ok.vars.entries()], [
    ['A', 'canary-inline-aa11'],
    ['B', 'canary-inline-bb22'],
  ]);
  const none = await r.resolve(makeSpec('inline', 'x'), config);
  assert.deepEqual(none.ok && none.names, []);
  const list = await r.resolve(makeSpec('inline', 'y', { env_vars: ['canary-inline-cc33'] }), config);
  assert.ok(!list.ok && list.kind === 'bad-content' && list.message === "'list' object has no attribute 'items'");
  const num = await r.resolve(makeSpec('inline', 'z', { env_vars: { N: 5 } }), config);
  assert.ok(!num.ok && num.message === "Found non string value for 'N' (<class 'int'>)");
  const bad = makeSpec('inline', 'w', { env_vars: { 'bad-name': 'canary-inline-dd44', METAFLOW_RUN: 'canary-inline-ee55' } });
  const badRes = await r.resolve(bad, config);
  assert.deepEqual(
    resolutionFindings(bad, badRes).map((f) => f.code),
    ['MFS036', 'MFS037'],
  );
  assertNoCanary(logger.text() + JSON.stringify([list, num]), [
    'canary-inline-aa11',
    'canary-inline-bb22',
    'canary-inline-cc33',
    'canary-inline-dd44',
    'canary-inline-ee55',
  ]);
  r.dispose();
});

test('every failure kind maps to a rule with the intended severity', () => {
  const spec = makeSpec('aws-secrets-manager', 'x');
  const f = (kind: FailedResolution['kind']) => resolutionFindings(spec, { ok: false, kind, message: 'm', fix: 'do it' });
  const expected: Array<[FailedResolution['kind'], string | undefined, string | undefined]> = [
    ['not-found', 'MFS030', 'error'],
    ['access-denied', 'MFS031', 'error'],
    ['credentials', 'MFS032', 'warning'],
    ['throttled', 'MFS033', 'information'],
    ['unreachable', 'MFS033', 'information'],
    ['timeout', 'MFS033', 'information'],
    ['bad-content', 'MFS034', 'error'],
    ['duplicate-key', 'MFS035', 'error'],
    ['invalid-id', 'MFS038', 'error'],
    ['other', 'MFS038', 'error'],
    ['cancelled', undefined, undefined],
    ['offline', undefined, undefined],
    ['unsupported', undefined, undefined],
  ];
  for (const [kind, code, severity] of expected) {
    const got = f(kind);
    assert.equal(got[0]?.code, code, kind);
    assert.equal(got[0]?.severity, severity, kind);
    if (got[0]) {
      assert.equal(got[0].message, 'm Fix: do it');
      assert.deepEqual(got[0].range, spec.range);
    }
  }
  // Environment reads not provided by a step's sources are MFS023, a static rule fed by resolved names.
  assert.equal(rule('MFS023').name, 'env-read-not-provided');
});

test('the hover summary lists names, ids and origins, never values', () => {
  const spec = makeSpec('aws-secrets-manager', 'db-creds', {}, 'arn:aws:iam::1:role/r', 'decorator');
  const lines = resolutionSummary(
    spec,
    {
      ok: true,
      vars: new Map([['DB_USER', 'canary-summary-value-1']]),
      names: ['DB_USER'],
      meta: {
        resolvedId: 'arn:aws:secretsmanager:eu-west-1:1:secret:db-creds-AbC',
        region: 'eu-west-1',
        roleUsed: 'arn:aws:iam::1:role/r',
        roleOrigin: 'decorator',
        identity: "AWS profile 'dev'",
        fetchedAt: 1_000,
      },
    },
    121_000,
  );
  assert.deepEqual(lines, [
    '**AWS Secrets Manager** `db-creds`',
    'Resolved: `arn:aws:secretsmanager:eu-west-1:1:secret:db-creds-AbC`',
    'Region: eu-west-1',
    'Role: `arn:aws:iam::1:role/r` (from decorator)',
    "As: AWS profile 'dev'",
    'Injects: `DB_USER`',
    'Fetched 2 min ago',
  ]);
  const failed = resolutionSummary(spec, { ok: false, kind: 'credentials', message: 'Unable to locate credentials', fix: 'aws sso login' });
  assert.deepEqual(failed.slice(1), ['Not resolved (credentials): Unable to locate credentials', 'Fix: `aws sso login`']);
});

test('metadata renders as one line of dates, version and rotation, in UTC days', () => {
  const day = 86_400_000;
  const now = Date.UTC(2026, 11, 2, 9, 30);
  const m: SecretMetadata = {
    valueSetAt: Date.UTC(2026, 11, 1, 23, 59),
    rotatedAt: Date.UTC(2026, 11, 1, 23, 59),
    version: 'a1b2c3d4-0000-4000-8000-abcdefabcdef',
    stages: ['AWSCURRENT'],
    rotation: { enabled: true, every: '30 days', nextAt: Date.UTC(2026, 11, 31) },
  };
  assert.equal(
    secretMetadataSummary(m, now),
    'updated 2026-12-01 (yesterday) · rotated 2026-12-01 (yesterday) · version `a1b2c3d4…` (AWSCURRENT) · rotation on (every 30 days, next 2026-12-31)',
  );
  assert.equal(
    secretMetadataSummary({ version: '3', valueSetAt: now - 5 * day, rotation: { enabled: false } }, now),
    'updated 2026-11-27 (5 days ago) · version `3` · rotation off',
  );
  // A later change of properties only (tags, expiry) is shown apart from the value's own date.
  assert.equal(
    secretMetadataSummary({ valueSetAt: now - 3 * day, changedAt: now, expiresAt: now + 2 * day }, now),
    'updated 2026-11-29 (3 days ago) · properties changed 2026-12-02 (today) · expires 2026-12-04 (in 2 days)',
  );
  assert.equal(
    secretMetadataSummary({ changedAt: now - day, state: 'disabled', expiresAt: now - day }, now),
    'changed 2026-12-01 (yesterday) · disabled · expired 2026-12-01 (yesterday)',
  );
  assert.equal(secretMetadataSummary({}, now), undefined);
  const spec = makeSpec('aws-secrets-manager', 'db-creds');
  const lines = resolutionSummary(
    spec,
    { ok: true, vars: new Map([['K', 'canary-meta-value-1']]), names: ['K'], meta: { resolvedId: 'db-creds', fetchedAt: now, metadata: m } },
    now,
  );
  assert.ok(lines.includes(secretMetadataSummary(m, now)!), lines.join('\n'));
});

/** A provider whose value comes at once and whose metadata is scripted per test. */
class DescribingProvider extends InlineProvider {
  describeCalls = 0;
  aborted = 0;
  constructor(private readonly metadata: (signal: AbortSignal) => Promise<SecretMetadata | undefined>) {
    super();
  }
  describe(_spec: SourceSpec, _ctx: ResolveContext, signal: AbortSignal): Promise<SecretMetadata | undefined> {
    this.describeCalls++;
    signal.addEventListener('abort', () => this.aborted++);
    return this.metadata(signal);
  }
}

test('metadata is asked beside the value only when enabled, merged, and never fails or delays the answer much', async () => {
  const spec = makeSpec('inline', 'x', { env_vars: { K: 'canary-describe-1' } });
  const answered = new DescribingProvider(async () => ({ version: '7', rotation: { enabled: true } }));
  const off = new SecretResolver({ providers: [answered] });
  const plain = await off.resolve(spec, config);
  assert.ok(plain.ok && plain.meta.metadata === undefined);
  assert.equal(answered.describeCalls, 0, 'the CLI resolver does not ask');
  off.dispose();

  const on = new SecretResolver({ providers: [answered], metadata: true });
  const res = await on.resolve(spec, config);
  assert.deepEqual(res.ok && res.meta.metadata, { version: '7', rotation: { enabled: true } });
  assert.deepEqual(res.ok && [...res.vars.keys()], ['K']);
  on.dispose();

  for (const failing of [
    new DescribingProvider(async () => {
      throw new Error('AccessDeniedException');
    }),
    new DescribingProvider(async () => undefined),
  ]) {
    const r = new SecretResolver({ providers: [failing], metadata: true });
    const x = await r.resolve(spec, config);
    assert.ok(x.ok, 'a failed metadata request leaves the resolution ok');
    assert.equal(x.ok && x.meta.metadata, undefined);
    r.dispose();
  }

  // Metadata that never comes: the value is answered after the grace, not at the timeout, and the request is cancelled.
  const hanging = new DescribingProvider((signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
  const r = new SecretResolver({ providers: [hanging], metadata: true, settings: backendSettings({ timeoutMs: 60_000 }) });
  const t0 = Date.now();
  const slow = await r.resolve(spec, config);
  const took = Date.now() - t0;
  assert.ok(slow.ok && slow.meta.metadata === undefined);
  assert.ok(took >= 900 && took < 5000, `answered after ${took} ms`);
  assert.equal(hanging.aborted, 1, 'the metadata request was cancelled');
  r.dispose();

  // A timeout shorter than the grace: the answer still beats it.
  const short = new SecretResolver({ providers: [hanging], metadata: true, settings: backendSettings({ timeoutMs: 400 }) });
  const beat = await short.resolve(spec, config);
  assert.ok(beat.ok, !beat.ok ? `${beat.kind}: ${beat.message}` : '');
  assert.equal(short.counters.timeouts, 0);
  short.dispose();
});

test("forget: a source's cached answer goes, and an answer still in flight is not cached afterwards", async () => {
  const p = new ScriptedProvider();
  const r = new SecretResolver({ providers: [p] });
  const spec = makeSpec('aws-secrets-manager', 'made-just-now');
  p.answer = () => ({ ok: false, kind: 'not-found', message: 'not there' });
  const first = r.resolve(spec, config);
  await tick();
  p.release();
  assert.ok(!(await first).ok);
  assert.ok(r.peek(spec, config), 'cached');
  r.forget(spec, config);
  assert.equal(r.peek(spec, config), undefined);
  // A background request asked before the secret existed, forgotten while it runs: its answer is not kept.
  const events: boolean[] = [];
  r.onDidResolve((e) => events.push(e.resolution.ok));
  r.prefetch(spec, config);
  await tick();
  r.forget(spec, config);
  p.release();
  await tick();
  assert.deepEqual(events, [false], 'its caller still hears the answer');
  assert.equal(r.peek(spec, config), undefined, 'but a stale "not found" is not cached');
  assert.equal(r.isPending(spec, config), false);
  r.dispose();
});

test('settings from the client: defaults, conversions, untrusted means offline, bad input explained', () => {
  const ok = parseBackendSettings(
    { timeoutMs: 2500, cacheTtlSeconds: 60, aws: { profile: 'dev', endpoint: 'http://127.0.0.1:5000' }, gcp: { endpoint: '127.0.0.1:9090', insecure: true } },
    { offline: false, trusted: true },
  );
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.settings.timeoutMs, 2500);
  assert.equal(ok.settings.cacheTtlMs, 60_000);
  assert.equal(ok.settings.offline, false);
  assert.deepEqual(ok.settings.aws, { profile: 'dev', endpoint: 'http://127.0.0.1:5000' });
  assert.deepEqual(ok.settings.gcp, { endpoint: '127.0.0.1:9090', insecure: true });
  assert.equal(parseBackendSettings({}, { offline: false, trusted: false }).settings.offline, true);
  assert.equal(parseBackendSettings(undefined, { offline: true, trusted: true }).settings.offline, true);
  const bad = parseBackendSettings(
    { timeoutMs: -1, aws: { endpoint: 'not a url', region: 5 }, azure: 'x', gcp: { endpoint: 'http://x/y/z' } },
    { offline: false, trusted: true },
  );
  assert.equal(bad.settings.timeoutMs, 10_000);
  assert.deepEqual(bad.problems, [
    'metaflowSecrets.backends.azure must be an object; ignored.',
    'metaflowSecrets.backends.gcp.endpoint must be host:port such as 127.0.0.1:9090; ignored.',
    'metaflowSecrets.backends.timeoutMs must be a number between 100 and 300000; the default is used.',
    'metaflowSecrets.backends.aws.region must be a string; ignored.',
    'metaflowSecrets.backends.aws.endpoint must be an http(s) URL such as http://127.0.0.1:5000; ignored.',
  ]);
});
