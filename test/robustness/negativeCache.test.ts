import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendSettings, FailedResolution, Resolution, ResolveContext, SecretProvider, SecretResolver } from '../../server/src/backends';
import { FailureKind } from '../../server/src/backends/provider';
import { PRIORITY } from '../../server/src/backends/resolver';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { SourceSpec } from '../../server/src/core/sourceSpec';
import { makeSpec } from '../backends/helpers';

// How the resolver keeps failures: those that may pass by themselves (credentials, throttling,
// 5xx, timeouts, unreadable answers) briefly, asked again with backoff (5 s, 10 s, 20 s ... up to
// transientTtl); answers about the source (not found, access denied) for the cache TTL; a retry
// that brings the same answer is not reported (nothing to republish, no flicker); a change of a
// backend's credentials makes its failures stale at once; queued requests go most urgent first.
// A scripted provider, a hand-driven clock and a hand-driven scheduler: no test waits for time.

const config = fixedConfig({});

class Clock {
  now = 0;
  private pending: { at: number; fn: () => void; cancelled: boolean }[] = [];
  readonly delays: number[] = [];
  schedule = (fn: () => void, ms: number) => {
    const p = { at: this.now + ms, fn, cancelled: false };
    this.delays.push(ms);
    this.pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  };
  /** Moves time on, running what falls due. */
  advance(ms: number): void {
    this.now += ms;
    for (const p of this.pending.splice(0)) {
      if (p.cancelled) continue;
      if (p.at <= this.now) p.fn();
      else this.pending.push(p);
    }
  }
}

/** Answers from a script; can be held to fill the queue. */
class Provider implements SecretProvider {
  calls: string[] = [];
  disposed = 0;
  hold = false;
  private gates: (() => void)[] = [];
  constructor(
    readonly type: string,
    public answer: (spec: SourceSpec) => Resolution,
  ) {}
  settingsFingerprint(): string {
    return '';
  }
  async resolve(spec: SourceSpec, _ctx: ResolveContext, signal: AbortSignal): Promise<Resolution> {
    this.calls.push(spec.id);
    if (this.hold) await new Promise<void>((resolve, reject) => (this.gates.push(resolve), signal.addEventListener('abort', () => reject(signal.reason))));
    return this.answer(spec);
  }
  release(): void {
    for (const g of this.gates.splice(0)) g();
  }
  dispose(): void {
    this.disposed++;
  }
}

const ok = (spec: SourceSpec): Resolution => ({ ok: true, vars: new Map([['K', 'v']]), names: ['K'], meta: { resolvedId: spec.id, fetchedAt: Date.now() } });
const fail =
  (kind: FailureKind, message = `${kind}!`) =>
  (): FailedResolution => ({ ok: false, kind, message });
const tick = () => new Promise((r) => setImmediate(r));

function setup(answer: (spec: SourceSpec) => Resolution, settings = backendSettings({ cacheTtlMs: 300_000, transientTtlMs: 30_000 })) {
  const clock = new Clock();
  const aws = new Provider('aws-secrets-manager', answer);
  const gcp = new Provider('gcp-secret-manager', answer);
  const r = new SecretResolver({ providers: [aws, gcp], settings, now: () => clock.now, schedule: clock.schedule });
  const events: string[] = [];
  const due: string[] = [];
  r.onDidResolve((e) => events.push(`${e.spec.id}:${e.resolution.ok ? 'ok' : e.resolution.kind}`));
  r.onRetryDue((key) => due.push(key));
  return { clock, aws, gcp, r, events, due };
}

for (const kind of ['credentials', 'throttled', 'unreachable', 'timeout', 'other'] as const) {
  test(`${kind}: kept 5 s, then 10, 20, up to transientTtl (30 s), and announced when due`, async () => {
    const { clock, aws, r, due } = setup(fail(kind));
    const spec = makeSpec('aws-secrets-manager', 'flaky');
    for (let i = 0; i < 5; i++) {
      await r.resolve(spec, config);
      assert.equal(r.peek(spec, config)?.ok, false);
      clock.advance(clock.delays[i]);
      assert.equal(r.peek(spec, config), undefined, 'expired once its backoff has passed');
      assert.equal(r.peekLatest(spec, config)?.fresh, false, 'but still shown');
      assert.equal(due.length, i + 1, 'and announced as due');
    }
    assert.deepEqual(clock.delays, [5_000, 10_000, 20_000, 30_000, 30_000]);
    assert.equal(aws.calls.length, 5);
    r.dispose();
  });
}

for (const kind of ['not-found', 'access-denied', 'invalid-id', 'bad-content'] as const) {
  test(`${kind}: an answer about the source, kept for the cache TTL and never asked again by itself`, async () => {
    const { clock, r, due } = setup(fail(kind));
    const spec = makeSpec('aws-secrets-manager', 'gone');
    await r.resolve(spec, config);
    assert.deepEqual(clock.delays, [], 'no retry is scheduled');
    clock.advance(299_000);
    assert.equal(r.peek(spec, config)?.ok, false);
    clock.advance(2_000);
    assert.equal(r.peek(spec, config), undefined);
    assert.deepEqual(due, []);
    r.dispose();
  });
}

test('a retry with the same failure is not reported; a recovery is, and ends the backoff', async () => {
  let answer: (spec: SourceSpec) => Resolution = fail('unreachable', 'HTTP 503');
  const { clock, r, events } = setup((s) => answer(s));
  const spec = makeSpec('aws-secrets-manager', 'db');
  r.prefetch(spec, config);
  await tick();
  assert.deepEqual(events, ['db:unreachable']);
  clock.advance(5_000);
  r.prefetch(spec, config);
  await tick();
  assert.deepEqual(events, ['db:unreachable'], 'the same failure again: nothing to republish');
  answer = ok;
  clock.advance(10_000);
  r.prefetch(spec, config);
  await tick();
  assert.deepEqual(events, ['db:unreachable', 'db:ok']);
  assert.equal(clock.delays.length, 2, 'an answer schedules no retry');
  answer = fail('unreachable', 'HTTP 503');
  clock.advance(300_000);
  r.prefetch(spec, config);
  await tick();
  assert.equal(clock.delays.at(-1), 5_000, 'a new run of failures starts the backoff again');
  r.dispose();
});

test('a retry timer that fires a millisecond before the clock says so still asks again', async () => {
  let now = 0;
  const timers: { fn: () => void; ms: number }[] = [];
  const p = new Provider('aws-secrets-manager', fail('unreachable'));
  const r = new SecretResolver({ providers: [p], now: () => now, schedule: (fn, ms) => (timers.push({ fn, ms }), { cancel() {} }) });
  const spec = makeSpec('aws-secrets-manager', 'early');
  await r.resolve(spec, config);
  now = timers[0].ms - 1;
  timers[0].fn();
  r.prefetch(spec, config);
  await tick();
  assert.equal(p.calls.length, 2, 'the entry counts as expired once its retry is due');
  r.dispose();
});

test('a 0 s transientTtl still waits a second: a failure never turns into a request loop', async () => {
  const { clock, r } = setup(fail('throttled'), backendSettings({ transientTtlMs: 0 }));
  await r.resolve(makeSpec('aws-secrets-manager', 'x'), config);
  assert.deepEqual(clock.delays, [1_000]);
  r.dispose();
});

test("credentials changed: that backend's failures are stale at once (still shown), its answers and other backends' stay", async () => {
  const { clock, aws, gcp, r, due } = setup((s) => (s.id.startsWith('bad') ? fail('credentials')() : s.id === 'missing' ? fail('not-found')() : ok(s)));
  const specs = {
    bad: makeSpec('aws-secrets-manager', 'bad'),
    missing: makeSpec('aws-secrets-manager', 'missing'),
    good: makeSpec('aws-secrets-manager', 'good'),
    otherBad: makeSpec('gcp-secret-manager', 'bad-gcp'),
  };
  for (const s of Object.values(specs)) await r.resolve(s, config);
  // A long run of failures first: after the change the backoff starts from 5 s again.
  for (let i = 0; i < 3; i++) {
    clock.advance(clock.delays.at(-1)!);
    await r.resolve(specs.bad, config);
  }
  await r.resolve(specs.otherBad, config);
  due.length = 0;
  r.credentialsChanged('aws-secrets-manager');
  assert.equal(aws.disposed, 1, 'the SDK clients (and their credential caches) are dropped');
  assert.equal(gcp.disposed, 0);
  for (const s of [specs.bad, specs.missing]) {
    assert.equal(r.peek(s, config), undefined, `${s.id} is stale`);
    assert.equal(r.peekLatest(s, config)?.resolution.ok, false, `${s.id} still shows its failure`);
  }
  assert.equal(r.peek(specs.good, config)?.ok, true, 'an answer stays');
  assert.equal(r.peek(specs.otherBad, config)?.ok, false, "another backend's failure stays");
  assert.deepEqual(due.sort(), [r.keyOf(specs.bad, config), r.keyOf(specs.missing, config)].sort(), 'each stale failure is announced');
  await r.resolve(specs.bad, config);
  assert.equal(clock.delays.at(-1), 5_000);
  r.dispose();
});

test('an answer asked with the old credentials is not cached once they changed', async () => {
  const { aws, r } = setup(fail('credentials'));
  aws.hold = true;
  const spec = makeSpec('aws-secrets-manager', 'inflight');
  const running = r.resolve(spec, config);
  await tick();
  r.credentialsChanged('aws-secrets-manager');
  assert.equal(r.isPending(spec, config), false, 'a new request may start at once');
  aws.release();
  assert.equal((await running).ok, false, 'the caller still gets its answer');
  assert.equal(r.peekLatest(spec, config), undefined, 'but it is not kept');
  r.dispose();
});

test('queued requests go most urgent first: callers, then hovered, focused, then the rest in order', async () => {
  const { aws, r } = setup(ok, backendSettings({ maxConcurrent: 1 }));
  aws.hold = true;
  const s = (id: string) => makeSpec('aws-secrets-manager', id);
  r.prefetch(s('first'), config); // takes the one slot
  await tick();
  r.prefetch(s('bg1'), config);
  r.prefetch(s('bg2'), config);
  r.prefetch(s('focused'), config, PRIORITY.focused);
  r.prefetch(s('hovered'), config);
  const caller = r.resolve(s('caller'), config);
  r.promote(s('hovered'), config, PRIORITY.hovered);
  for (let i = 0; i < 6; i++) {
    aws.release();
    await tick();
    await tick();
  }
  assert.deepEqual(aws.calls, ['first', 'caller', 'hovered', 'focused', 'bg1', 'bg2']);
  assert.equal((await caller).ok, true);
  r.dispose();
});

test('at most maxConcurrent requests at once, however many sources are queued', async () => {
  const { aws, r } = setup(ok, backendSettings({ maxConcurrent: 8 }));
  aws.hold = true;
  let running = 0;
  let most = 0;
  const answer = aws.answer;
  aws.answer = (spec) => {
    running--;
    return answer(spec);
  };
  const resolve = aws.resolve.bind(aws);
  aws.resolve = (spec, ctx, signal) => {
    running++;
    most = Math.max(most, running);
    return resolve(spec, ctx, signal);
  };
  for (let i = 0; i < 2000; i++) r.prefetch(makeSpec('aws-secrets-manager', `s${i}`), config);
  while (aws.calls.length < 2000 || running > 0) {
    await tick();
    aws.release();
    await tick();
  }
  assert.equal(most, 8);
  r.dispose();
});

test('an offline resolver loads no SDK: the providers load on first use', () => {
  const loaded = () => Object.keys(require.cache).filter((k) => /@aws-sdk|@azure|@google-cloud|google-gax/.test(k));
  assert.deepEqual(loaded(), [], 'nothing loaded before');
  const r = new SecretResolver({ settings: backendSettings({ offline: true }) });
  const spec = makeSpec('aws-secrets-manager', 'x');
  assert.equal(r.peek(spec, config), undefined);
  assert.equal(r.peekLatest(spec, config), undefined);
  r.keyOf(spec, config);
  r.setSettings(backendSettings({ offline: true, timeoutMs: 2000 }));
  r.dispose();
  assert.deepEqual(loaded(), [], 'still nothing loaded');
  const online = new SecretResolver({ settings: backendSettings({}) });
  online.keyOf(spec, config);
  assert.ok(
    loaded().some((k) => k.includes('@aws-sdk')),
    'AWS loads once an AWS source is keyed online',
  );
  assert.ok(!loaded().some((k) => /@google-cloud|google-gax|@azure/.test(k)), 'the others do not');
  online.dispose();
});
