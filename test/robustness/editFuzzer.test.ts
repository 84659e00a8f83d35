import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { positionAt } from '../../server/src/core/positions';
import { LspClient } from '../support/lspClient';
import { DEEP_EXPRESSIONS, flowWith, hugeOneLineList } from './badFiles';
import { peakRssMb, printFigures, record, recordMax } from './figures';

// A seeded fuzzer over the real language server: random edits (brackets, quotes, decorators,
// deep and huge pastes, deletions) to open flow files, with hover, code actions and the outline
// asked in between. The server must stay up, answer every request in time and publish for the
// last version. MFS_FUZZ_SEED replays a run; MFS_FUZZ_EDITS sizes it (default: ~60 s here).

const SEED = Number(process.env.MFS_FUZZ_SEED ?? Date.now() % 2_147_483_647) || 1;
const EDITS = Number(process.env.MFS_FUZZ_EDITS ?? 2000);
/** A request may wait behind one analysis of a pathological text: its parses are budgeted (2.5 s + 2.5 s). */
const MAX_REQUEST_MS = 10_000;

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
  '(', ')', '[', ']', '{', '}', '"', "'", '"""', ':', ',', '.', '\n', '    ', '\t', '#', '\\', 'f"{', '}"',
  '@secrets(sources=["aws-secrets-manager.db"])\n    ', '@step\n    ', 'def s(self):\n        ', 'os.environ["TOKEN"]',
  'os.environ.get("K")', 'print(', ' + ', 'lambda: ', 'self.x = ', 'class C(FlowSpec):\n', 'sources=', 'role=', '"a.b"',
  '\u00e9', '\u{1F600}', '\r\n', '\u0000',
];

interface Doc {
  uri: string;
  text: string;
  version: number;
}

test(`random edits never crash or stall the server (seed ${SEED})`, { timeout: 180_000 }, async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-fuzz-'));
  const client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home') });
  const random = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  let maxLatency = 0;
  let requests = 0;
  const started = Date.now();
  try {
    await client.initialize(ws, { trusted: false, settings: { offline: true, leaks: { severity: 'warning', conservative: true } } });
    const base = flowWith('        print(token)');
    const docs: Doc[] = [0, 1].map((i) => {
      const text = base;
      return { uri: client.open(path.join(ws, `fuzz${i}.py`), text), text, version: 1 };
    });

    const edit = (d: Doc) => {
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
        end = d.text.length;
        insert = base;
        d.text = '';
      } else insert = '('.repeat(1 + Math.floor(random() * 3000));
      const s = d.text ? positionAt(d.text, start) : { line: 0, character: 0 };
      const e = d.text ? positionAt(d.text, end) : { line: 0, character: 0 };
      const before = d.text;
      d.text = before.slice(0, start) + insert + before.slice(end);
      if (!before) {
        client.notify('textDocument/didChange', { textDocument: { uri: d.uri, version: ++d.version }, contentChanges: [{ text: d.text }] });
        return;
      }
      client.notify('textDocument/didChange', { textDocument: { uri: d.uri, version: ++d.version }, contentChanges: [{ range: { start: s, end: e }, text: insert }] });
    };

    const timed = async <T>(what: string, p: Promise<T>): Promise<T> => {
      const t = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${MAX_REQUEST_MS} ms`)), MAX_REQUEST_MS)));
      try {
        return await Promise.race([p, timeout]);
      } finally {
        clearTimeout(timer);
        maxLatency = Math.max(maxLatency, Date.now() - t);
        requests++;
      }
    };

    for (let i = 0; i < EDITS; i++) {
      const d = pick(docs);
      edit(d);
      if (i % 40 === 39) {
        const pos = positionAt(d.text, Math.floor(random() * d.text.length));
        if (process.env.MFS_FUZZ_TRACE) process.stderr.write(`edit ${i}: ${docs.map((x) => x.text.length).join(', ')} chars, max latency so far ${maxLatency} ms\n`);
        await timed('hover', client.request('textDocument/hover', { textDocument: { uri: d.uri }, position: pos }));
        await timed('code actions', client.request('textDocument/codeAction', { textDocument: { uri: d.uri }, range: { start: pos, end: pos }, context: { diagnostics: [] } }));
        await timed('outline', client.request('metaflowSecrets/flowOutline', { uri: d.uri }));
        assert.equal(client.proc.exitCode, null, 'the server is still running');
      }
    }
    // Settle on a known text: its diagnostics must come, and be about it.
    for (const d of docs) {
      const version = ++d.version;
      client.notify('textDocument/didChange', { textDocument: { uri: d.uri, version }, contentChanges: [{ text: base }] });
      const diags = await client.waitForDiagnostics(d.uri, (x) => x.some((y) => y.code === 'MFS005'), 20_000).catch((e) => {
        throw new Error(`no diagnostics about the settled text (version ${version}): ${(e as Error).message}`);
      });
      assert.ok(diags.some((x) => x.code === 'MFS005'), JSON.stringify(diags));
    }
    const failures = client.logs.filter((l) => /Analysis of .* failed|unhandled rejection|RangeError/.test(l));
    record('edits', EDITS);
    record('requests', requests);
    record('seconds', Math.round((Date.now() - started) / 100) / 10);
    record('crashes (analysis failures logged)', failures.length);
    recordMax('max request latency (ms)', maxLatency);
    const rss = peakRssMb(client.proc.pid);
    if (rss !== undefined) record('server peak RSS (MB)', rss);
    assert.deepEqual(failures.map((f) => f.slice(0, 300)), []);
    assert.ok(maxLatency < MAX_REQUEST_MS);
  } catch (e) {
    throw new Error(`fuzzer failed with MFS_FUZZ_SEED=${SEED} MFS_FUZZ_EDITS=${EDITS}: ${(e as Error).message}`);
  } finally {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
