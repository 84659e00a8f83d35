import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { AzureKeyVaultFake } from '../../scripts/emulators/azureKeyVaultFake';
import { GcpSecretManagerFake } from '../../scripts/emulators/gcpSecretManagerFake';

/**
 * Starts and stops the secret-backend emulators for tests, on 127.0.0.1 and free ports:
 * moto_server (AWS) as a child process group, the Azure and GCP fakes in-process, and a
 * counting/fault-injecting HTTP proxy to put in front of any of them.
 */

import { repoRoot } from './repoRoot';
export { repoRoot };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const children = new Set<ChildProcess>();
function killGroup(c: ChildProcess): void {
  if (c.pid === undefined || c.exitCode !== null) return;
  try {
    process.kill(-c.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
process.on('exit', () => {
  for (const c of children) killGroup(c);
});

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`emulator exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`emulator did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RunningEmulator {
  url: string;
  stop(): Promise<void>;
}

/** moto_server from the project's .venv (scripts/setup-python.sh / setup-emulators.sh install it). */
export async function startMoto(opts: { env?: Record<string, string> } = {}): Promise<RunningEmulator> {
  const bin = path.join(repoRoot(), '.venv', 'bin', 'moto_server');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run bash scripts/setup-emulators.sh`);
  let lastError: unknown;
  // A free port can be taken by another process before moto binds it: then try another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // In its own process group, with a watchdog that ends it when this test process dies
    // without running its exit handler (SIGKILL, a crashed runner). The shell reaps moto
    // itself, so no zombie is left to an init that does not reap.
    const script = [
      `trap 'kill $m 2>/dev/null; wait $m; exit 0' TERM INT`,
      `"$0" -H 127.0.0.1 -p ${port} & m=$!`,
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 1 & wait $!; done`,
      `kill $m 2>/dev/null; wait $m`,
    ].join('\n');
    const child = spawn('bash', ['-c', script, bin], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-2000)));
    children.add(child);
    const stop = async () => {
      killGroup(child);
      children.delete(child);
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    };
    try {
      await waitForPort(port, child, 60_000);
      // Still ours? A moto that lost the port race exits at once.
      await new Promise((r) => setTimeout(r, 300));
      if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr.trim().split('\n').pop() ?? ''}`);
      return { url: `http://127.0.0.1:${port}`, stop };
    } catch (e) {
      lastError = e;
      await stop();
    }
  }
  throw lastError;
}

export function azureTlsFiles(): { cert: string; key: string } {
  const dir = path.join(repoRoot(), '.tools', 'emulators', 'azure-keyvault');
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  if (!fs.existsSync(files.cert)) throw new Error(`${files.cert} is missing: run bash scripts/setup-emulators.sh`);
  return files;
}

export async function startAzureFake(): Promise<AzureKeyVaultFake> {
  const fake = new AzureKeyVaultFake(azureTlsFiles());
  await fake.start();
  return fake;
}

export async function startGcpFake(): Promise<GcpSecretManagerFake> {
  const fake = new GcpSecretManagerFake();
  await fake.start();
  return fake;
}

export interface ProxiedRequest {
  method: string;
  url: string;
  /** X-Amz-Target (JSON protocol) or Action= (query protocol), e.g. secretsmanager.GetSecretValue. */
  operation: string;
  /** The access key id from the SigV4 Authorization header (never a secret key). */
  accessKeyId?: string;
}

export type ProxyFault = { kind: 'respond'; status: number; body: string; headers?: Record<string, string> } | { kind: 'delay'; ms: number } | { kind: 'hang' };

/** An HTTP proxy that records each request and may answer, delay or hang instead of forwarding. */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  fault: ((r: ProxiedRequest) => ProxyFault | undefined) | undefined;
  private server?: http.Server;
  port = 0;

  constructor(private readonly upstream: string) {}

  async start(): Promise<string> {
    const up = new URL(this.upstream);
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        const target = req.headers['x-amz-target'];
        const action = /(?:^|&)Action=([^&]+)/.exec(body.toString('utf8'))?.[1];
        const cred = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
        const record: ProxiedRequest = {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          operation: typeof target === 'string' ? target : (action ?? ''),
          accessKeyId: cred,
        };
        this.requests.push(record);
        const f = this.fault?.(record);
        if (f?.kind === 'hang') return; // never answers: the client's timeout must fire
        if (f?.kind === 'delay') await new Promise((r) => setTimeout(r, f.ms));
        if (f?.kind === 'respond') {
          res.writeHead(f.status, { 'content-type': 'application/x-amz-json-1.1', ...(f.headers ?? {}) });
          res.end(f.body);
          return;
        }
        const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        });
        fwd.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        fwd.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  count(operation: string): number {
    return this.requests.filter((r) => r.operation === operation).length;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** An AWS JSON-protocol error body as Secrets Manager sends it. */
export function awsError(status: number, type: string, message: string): ProxyFault {
  return { kind: 'respond', status, body: JSON.stringify({ __type: type, message }), headers: { 'x-amzn-errortype': type } };
}
