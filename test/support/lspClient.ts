import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { repoRoot } from './repoRoot';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

export const REPO = repoRoot();
export const SERVER = path.join(REPO, 'dist', 'server.js');

export interface PublishedDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  code?: string;
  message: string;
  severity?: number;
  relatedInformation?: Array<{ location: { uri: string; range: PublishedDiagnostic['range'] }; message: string }>;
}

/** The Problems row and the explanation behind it (the first related entries), as one text. */
export function wholeMessage(d: PublishedDiagnostic): string {
  return [d.message, ...(d.relatedInformation ?? []).map((r) => r.message)].join(' ');
}

/** Starts the built language server over stdio and speaks LSP to it, recording all traffic. */
export class LspClient {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  readonly diagnostics = new Map<string, PublishedDiagnostic[]>();
  /** How many times diagnostics were published per URI. */
  readonly publications = new Map<string, number>();
  readonly logs: string[] = [];
  /** Other server notifications (e.g. metaflowSecrets/status), in order. */
  readonly notifications: { method: string; params: unknown }[] = [];
  /** Every JSON-RPC message text both ways, for canary searches. */
  readonly traffic: string[] = [];
  private waiters: { uri: string; pred: (d: PublishedDiagnostic[]) => boolean; resolve: (d: PublishedDiagnostic[]) => void }[] = [];

  constructor(env: Record<string, string | undefined> = {}) {
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (b) => this.logs.push(String(b)));
    this.proc.stdout!.on('data', (b) => this.traffic.push(String(b)));
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: PublishedDiagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.publications.set(p.uri, (this.publications.get(p.uri) ?? 0) + 1);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri === p.uri && w.pred(p.diagnostics)) {
          w.resolve(p.diagnostics);
          return false;
        }
        return true;
      });
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => void this.logs.push(p.message));
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('workspace/configuration', () => []);
    this.conn.onNotification((method: string, params: unknown) => void this.notifications.push({ method, params }));
    this.conn.listen();
  }

  async initialize(rootDir: string | string[], initializationOptions: unknown = { trusted: true }): Promise<unknown> {
    // Several directories: a multi-root workspace, one folder each.
    const dirs = typeof rootDir === 'string' ? [rootDir] : rootDir;
    const rootUri = pathToFileURL(dirs[0]).toString();
    const r = await this.request('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: dirs.map((d, i) => ({ uri: pathToFileURL(d).toString(), name: `ws${i}` })),
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true } } },
      initializationOptions,
    });
    this.notify('initialized', {});
    return r;
  }

  request<T = unknown>(method: string, params: unknown): Promise<T> {
    this.traffic.push(JSON.stringify({ method, params }));
    return this.conn.sendRequest(method, params) as Promise<T>;
  }

  notify(method: string, params: unknown): void {
    this.traffic.push(JSON.stringify({ method, params }));
    this.conn.sendNotification(method, params).catch(() => undefined);
  }

  open(file: string, text: string, version = 1): string {
    const uri = pathToFileURL(file).toString();
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text } });
    return uri;
  }

  /** Resolves with the next published diagnostics for `uri` that satisfy `pred` (or the current ones). */
  waitForDiagnostics(uri: string, pred: (d: PublishedDiagnostic[]) => boolean = () => true, timeoutMs = 10000): Promise<PublishedDiagnostic[]> {
    const now = this.diagnostics.get(uri);
    if (now && pred(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(this.diagnostics.get(uri))}`)),
        timeoutMs,
      );
      this.waiters.push({ uri, pred, resolve: (d) => (clearTimeout(t), resolve(d)) });
    });
  }

  /** Waits for the next publication for `uri`, whatever it holds. */
  nextDiagnostics(uri: string, timeoutMs = 10000): Promise<PublishedDiagnostic[]> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ uri, pred: () => true, resolve: (d) => (clearTimeout(t), resolve(d)) });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => (this.proc.exitCode !== null ? r(null) : this.proc.once('exit', r)));
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      this.notify('exit', null);
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    this.proc.kill();
    this.conn.dispose();
  }
}
