import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisScheduler } from '../../server/src/lsp/analysisScheduler';

// Turns of the event loop, not a timer: under load a timer can fire before a queued setImmediate.
const idle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

test('queued changes to one document cost one analysis', async () => {
  const ran: string[] = [];
  const s = new AnalysisScheduler((uri) => ran.push(uri));
  for (let i = 0; i < 20; i++) s.schedule('a', true);
  await idle();
  assert.deepEqual(ran, ['a']);
});

test('the edited document goes before documents queued for other reasons, which keep their order', async () => {
  const ran: string[] = [];
  const s = new AnalysisScheduler((uri) => ran.push(uri));
  s.schedule('b');
  s.schedule('c');
  s.schedule('edited', true);
  s.schedule('d');
  await idle();
  assert.deepEqual(ran, ['edited', 'b', 'c', 'd']);
});

test('one analysis per turn of the event loop: other work runs in between', async () => {
  const events: string[] = [];
  const s = new AnalysisScheduler((uri) => events.push(uri));
  s.schedule('a');
  s.schedule('b');
  setImmediate(() => events.push('request'));
  await idle();
  assert.deepEqual(events, ['a', 'request', 'b']);
});

test('a document whose analysis was slow waits before its next one; the others do not', async () => {
  const ran: string[] = [];
  const s = new AnalysisScheduler((uri) => {
    ran.push(uri);
    if (uri === 'slow') {
      const until = Date.now() + 250;
      while (Date.now() < until) {
        /* a pathological document */
      }
    }
  });
  s.schedule('slow', true);
  await idle();
  s.schedule('slow', true);
  s.schedule('fast');
  await idle();
  assert.deepEqual(ran, ['slow', 'fast'], 'the slow one is held back');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(ran, ['slow', 'fast', 'slow']);
  s.dispose();
});

test('a closed document is dropped from the queue', async () => {
  const ran: string[] = [];
  const s = new AnalysisScheduler((uri) => ran.push(uri));
  s.schedule('a');
  s.forget('a');
  await idle();
  assert.deepEqual(ran, []);
  assert.equal(s.pending, 0);
});

test('a document with a newer change still on the wire is not analysed until that change is handled', async () => {
  const ran: string[] = [];
  let newer = true;
  const s = new AnalysisScheduler((uri) => ran.push(uri), { isStale: () => newer, requestsWaiting: () => false });
  s.schedule('a', true);
  await idle();
  assert.deepEqual(ran, []);
  assert.equal(s.pending, 0, 'dropped: the queued change schedules it again');
  newer = false;
  s.schedule('a', true);
  await idle();
  assert.deepEqual(ran, ['a']);
});

test('a queued hover goes before the next analysis, but cannot hold analyses back for long', async () => {
  const ran: string[] = [];
  let waiting = true;
  const s = new AnalysisScheduler((uri) => ran.push(uri), { isStale: () => false, requestsWaiting: () => waiting });
  s.schedule('a');
  await idle();
  assert.deepEqual(ran, [], 'the request goes first');
  waiting = false;
  await idle();
  assert.deepEqual(ran, ['a']);
  // A request that never reaches its handler (the count is wrong): analyses resume after a bound.
  waiting = true;
  s.schedule('b');
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(ran, ['a', 'b']);
});
