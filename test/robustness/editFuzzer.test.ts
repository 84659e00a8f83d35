import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { awsError, FaultProxy } from '../support/emulators';
import { LspClient } from '../support/lspClient';
import { DEEP_EXPRESSIONS, flowWith, hugeOneLineList } from './badFiles';
import { currentRssMb, peakRssMb, printFigures, record, recordMax } from './figures';

// A seeded fuzzer over the real language server: random edits (brackets, quotes, decorators,
// deep and huge pastes, deletions) to open flow files, several per didChange message as an editor
// sends them for multi-cursor edits, with hover, code actions and the outline asked in between.
// The server must stay up, answer every request in time, publish for the last version, stay
// under a memory bound and, the workspace being untrusted, send nothing to the backend it is
// configured with. MFS_FUZZ_SEED replays a run; MFS_FUZZ_EDITS sizes it; MFS_FUZZ_TRACE prints
// progress (text sizes, memory) at every checkpoint.

const SEED = Number(process.env.MFS_FUZZ_SEED ?? Date.now() % 2_147_483_647) || 1;
const EDITS = Number(process.env.MFS_FUZZ_EDITS ?? 20_000);
/** Changes in one didChange message: 1 to this many. */
const MAX_BATCH = 8;
/** Hover, code actions and the outline are asked after every this many edits. */
const CHECK_EVERY = 100;
/** A request may wait behind one analysis of a pathological text: its parses are budgeted (2.5 s + 2.5 s). */
const MAX_REQUEST_MS = 10_000;
/** The bound for the server under huge pastes. */
const MAX_RSS_MB = 250;

after(() => printFigures(`edit fuzzer, seed ${SEED}`));

/** xorshift32: small, seedable, the same sequence everywhere. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '"""',
  ':',
  ',',
  '.',
  '\n',
  '    ',
  '\t',
  '#',
  '\\',
  'f"{',
  '}"',
  '@secrets(sources=["aws-secrets-manager.db"])\n    ',
  '@step\n    ',
  'def s(self):\n        ',
  'os.environ["TOKEN"]',
  'os.environ.get("K")',
  'print(',
  ' + ',
  'lambda: ',
  'self.x = ',
  'class C(FlowSpec):\n',
  'sources=',
  'role=',
  '"a.b"',
  '\u00e9',
  '\u{1F600}',
  '\r\n',
  '\r',
  '\u0000',
];

interface Doc {
  uri: string;
  text: string;
  version: number;
}

interface Change {
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

/** The LSP position of `offset`: lines end at \n, \r\n or a lone \r, as the protocol counts them. */
function lspPosition(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  // An offset between \r and \n is the end of that line, which the server maps to the \r.
  return { line, character: offset - lineStart };
}

test(`random edits never crash or stall the server (seed ${SEED})`, { timeout: 300_000 }, async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-fuzz-'));
  // A backend that would answer, so a request from the untrusted server would be seen and counted.
  const backend = new FaultProxy('http://127.0.0.1:9');
  backend.fault = () => awsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  const endpoint = await backend.start();
  const client = new LspClient({
    METAFLOW_HOME: path.join(ws, 'home'),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
  });
  const random = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  let maxLatency = 0;
  let requests = 0;
  let messages = 0;
  let maxText = 0;
  const started = Date.now();
  try {
    // Untrusted but not offline: only the trust decision keeps the server from asking the backend.
    await client.initialize(ws, { trusted: false, settings: { leaks: { severity: 'warning', conservative: true }, backends: { aws: { endpoint } } } });
    const base = flowWith('        print(token)');
    const docs: Doc[] = [0, 1].map((i) => ({ uri: client.open(path.join(ws, `fuzz${i}.py`), base), text: base, version: 1 }));

    /** One random change to `d.text`, as the LSP change that makes it. */
    const change = (d: Doc): Change => {
      const r = random();
      const start = Math.floor(random() * (d.text.length + 1));
      let end = start;
      let insert = '';
      if (r < 0.55) insert = pick(TOKENS);
      else if (r < 0.8) end = Math.min(d.text.length, start + Math.floor(random() * 40));
      else if (r < 0.9) {
        end = Math.min(d.text.length, start + Math.floor(random() * 10));
        insert = pick(TOKENS) + pick(TOKENS);
      } else if (r < 0.92) insert = DEEP_EXPRESSIONS[pick(Object.keys(DEEP_EXPRESSIONS))](500 + Math.floor(random() * 2500));
      else if (r < 0.93) insert = hugeOneLineList(2000 + Math.floor(random() * 20_000));
      else if (r < 0.98) {
        // Back to a known flow now and then, so the document does not drift into pure noise.
        d.text = base;
        return { text: base };
      } else insert = '('.repeat(1 + Math.floor(random() * 3000));
      const range = { start: lspPosition(d.text, start), end: lspPosition(d.text, end) };
      d.text = d.text.slice(0, start) + insert + d.text.slice(end);
      return { range, text: insert };
    };

    const timed = async <T>(what: string, p: Promise<T>): Promise<T> => {
      const t = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${MAX_REQUEST_MS} ms`)), MAX_REQUEST_MS)),
      );
      try {
        return await Promise.race([p, timeout]);
      } finally {
        clearTimeout(timer);
        maxLatency = Math.max(maxLatency, Date.now() - t);
        requests++;
      }
    };

    let nextCheck = CHECK_EVERY;
    for (let done = 0; done < EDITS;) {
      const d = pick(docs);
      const n = Math.min(EDITS - done, 1 + Math.floor(random() * MAX_BATCH));
      const contentChanges: Change[] = [];
      for (let k = 0; k < n; k++) contentChanges.push(change(d));
      done += n;
      messages++;
      maxText = Math.max(maxText, d.text.length);
      client.notify('textDocument/didChange', { textDocument: { uri: d.uri, version: ++d.version }, contentChanges });
      if (done >= nextCheck) {
        nextCheck += CHECK_EVERY;
        const pos = lspPosition(d.text, Math.floor(random() * d.text.length));
        await timed('hover', client.request('textDocument/hover', { textDocument: { uri: d.uri }, position: pos }));
        await timed(
          'code actions',
          client.request('textDocument/codeAction', { textDocument: { uri: d.uri }, range: { start: pos, end: pos }, context: { diagnostics: [] } }),
        );
        await timed('outline', client.request('metaflowSecrets/flowOutline', { uri: d.uri }));
        assert.equal(client.proc.exitCode, null, 'the server is still running');
        if (process.env.MFS_FUZZ_TRACE) {
          process.stderr.write(
            `edit ${done} (${Math.round((Date.now() - started) / 1000)} s): ${docs.map((x) => x.text.length).join(', ')} chars, RSS ${currentRssMb(client.proc.pid)} MB, max latency ${maxLatency} ms\n`,
          );
        }
      }
    }
    // Settle on a known text: its diagnostics must come, and be about it.
    for (const d of docs) {
      const version = ++d.version;
      client.notify('textDocument/didChange', { textDocument: { uri: d.uri, version }, contentChanges: [{ text: base }] });
      const diags = await client
        .waitForDiagnostics(d.uri, (x) => x.some((y) => y.code === 'MFS005'), 20_000)
        .catch((e) => {
          throw new Error(`no diagnostics about the settled text (version ${version}): ${(e as Error).message}`);
        });
      assert.ok(
        diags.some((x) => x.code === 'MFS005'),
        JSON.stringify(diags),
      );
    }
    const failures = client.logs.filter((l) => /Analysis of .* failed|unhandled rejection|RangeError/.test(l));
    const rss = peakRssMb(client.proc.pid);
    record('edits', EDITS);
    record('didChange messages', messages);
    record('requests', requests);
    record('seconds', Math.round((Date.now() - started) / 100) / 10);
    record('largest text (chars)', maxText);
    record('crashes (analysis failures logged)', failures.length);
    recordMax('max request latency (ms)', maxLatency);
    record('backend requests from the untrusted server', backend.requests.length);
    if (rss !== undefined) record('server peak RSS (MB)', rss);
    assert.deepEqual(
      failures.map((f) => f.slice(0, 300)),
      [],
    );
    assert.ok(maxLatency < MAX_REQUEST_MS);
    assert.equal(backend.requests.length, 0, 'an untrusted server asked the backend');
    assert.ok(rss === undefined || rss <= MAX_RSS_MB, `server peak RSS ${rss} MB > ${MAX_RSS_MB} MB`);
  } catch (e) {
    throw new Error(`fuzzer failed with MFS_FUZZ_SEED=${SEED} MFS_FUZZ_EDITS=${EDITS}: ${(e as Error).message}`);
  } finally {
    await client.stop();
    await backend.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
