import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { LspClient } from '../support/lspClient';
import { manySources } from './badFiles';
import { peakRssMb, printFigures, record } from './figures';

// A file with 2,000 distinct sources against a Secrets Manager stand-in on 127.0.0.1 that answers
// each GetSecretValue after a delay and counts how many it serves at once: the server asks each
// source once, at most maxConcurrent (4) at a time; a hover during the storm answers at once from
// what is known, and the hovered source is asked ahead of the queue.

const SOURCES = 2000;
const ANSWER_DELAY_MS = 15;
const MAX_CONCURRENT = 4;

after(() => printFigures('2,000 distinct sources'));

/** Secrets Manager's JSON protocol, just enough: every secret exists and holds one key. */
class SlowSecretsManager {
  readonly order: string[] = [];
  operations = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  private server?: http.Server;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const op = String(req.headers['x-amz-target'] ?? new URLSearchParams(Buffer.concat(chunks).toString()).get('Action') ?? '');
        this.operations.set(op, (this.operations.get(op) ?? 0) + 1);
        if (op.endsWith('GetCallerIdentity')) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/storm</Arn><UserId>X</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>',
          );
          return;
        }
        const id = (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { SecretId?: string }).SecretId ?? '';
        // The hover metadata asked beside each value (same slot): answered, not counted as a source asked.
        if (op.endsWith('DescribeSecret')) {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}-AbCdEf`, Name: id, RotationEnabled: false }));
          return;
        }
        this.order.push(id);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        setTimeout(() => {
          this.inFlight--;
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(
            JSON.stringify({ ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}-AbCdEf`, Name: id, SecretString: '{"K": "v"}', VersionId: 'v1' }),
          );
        }, ANSWER_DELAY_MS);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  get served(): number {
    return this.order.length;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

let backend: SlowSecretsManager;
let client: LspClient;
let ws: string;

before(async () => {
  backend = new SlowSecretsManager();
  const endpoint = await backend.start();
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-storm-'));
  client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home'), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
  await client.initialize(ws, { trusted: true, settings: { backends: { aws: { endpoint, maxAttempts: 1 }, maxConcurrent: MAX_CONCURRENT } } });
});

after(async () => {
  await client?.stop();
  await backend?.stop();
  fs.rmSync(ws, { recursive: true, force: true });
});

test('2,000 sources: each asked once, 4 at a time, hovers answered during the storm, the hovered source first', { timeout: 240_000 }, async () => {
  const text = manySources(SOURCES);
  const started = Date.now();
  const uri = client.open(path.join(ws, 'many.py'), text);
  // The storm is under way.
  while (backend.served < 40) await new Promise((r) => setTimeout(r, 20));

  // A source near the end, far down the queue: the hover answers now, from what is known.
  const last = SOURCES - 3;
  const line = text.split('\n').findIndex((l) => l.includes(`.source-${last}"`));
  const t = Date.now();
  const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', {
    textDocument: { uri },
    position: { line, character: 30 },
  });
  const hoverMs = Date.now() - t;
  const servedAtHover = backend.served;
  record('lsp: hover during the storm (ms)', hoverMs);
  assert.ok(hover, 'the hover answered');
  assert.ok(servedAtHover < SOURCES / 2, `the storm was still going (${servedAtHover} served)`);
  assert.match(hover.contents.value, /source-1997/);

  // Asked ahead of the queue: within the next few requests, not after the ~1,900 queued before it.
  const deadline = Date.now() + 30_000;
  while (!backend.order.includes(`source-${last}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const position = backend.order.indexOf(`source-${last}`);
  record('lsp: hovered source asked after (requests already served at the hover)', position - servedAtHover);
  assert.ok(position >= 0 && position - servedAtHover < 3 * MAX_CONCURRENT, `asked as request ${position}, ${servedAtHover} served at the hover`);

  // Everything settles: each source asked exactly once, never more than maxConcurrent at once.
  const status = () =>
    (client.notifications.filter((n) => n.method === 'metaflowSecrets/status').at(-1)?.params as { detail: string } | undefined)?.detail ?? '';
  while (!status().startsWith(`${SOURCES} resolved, 0 failed, 0 pending`) && Date.now() - started < 200_000) await new Promise((r) => setTimeout(r, 100));
  const settledMs = Date.now() - started;
  record('lsp: 2,000 sources settled (ms)', settledMs);
  record('lsp: backend requests (GetSecretValue)', backend.operations.get('secretsmanager.GetSecretValue') ?? 0);
  record('lsp: most requests in flight at once', backend.maxInFlight);
  const rss = peakRssMb(client.proc.pid);
  if (rss !== undefined) record('lsp: server peak RSS with 2,000 sources (MB)', rss);
  assert.match(status(), new RegExp(`^${SOURCES} resolved, 0 failed, 0 pending`), status());
  assert.equal(backend.operations.get('secretsmanager.GetSecretValue'), SOURCES, 'one request per distinct source');
  assert.equal(new Set(backend.order).size, SOURCES);
  assert.ok(backend.maxInFlight <= MAX_CONCURRENT, `${backend.maxInFlight} at once`);
  const identity = [...backend.operations].filter(([op]) => op.endsWith('GetCallerIdentity')).reduce((n, [, c]) => n + c, 0);
  assert.ok(identity <= 1, `the identity asked ${identity} times`);
});
