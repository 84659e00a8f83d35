// A language server child process spoken to over stdio, with arrival times of everything it
// publishes, so latencies are measured from the moment a notification is sent to the moment the
// matching answer is read. Used for our server and for pyright-langserver alike.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

export interface Publication {
  at: number;
  version?: number;
  count: number;
}

export interface LogLine {
  at: number;
  message: string;
}

interface Waiter {
  pred: () => boolean;
  resolve: () => void;
}

export interface LspProcessOptions {
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Answers workspace/configuration items (pyright asks for `python` and `python.analysis`). */
  configuration?: (section: string | undefined) => unknown;
}

export class LspProcess {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  readonly published = new Map<string, Publication[]>();
  readonly logs: LogLine[] = [];
  private stderrTail = '';
  private waiters: Waiter[] = [];
  private exited = false;
  /** Rejects when the process exits, so nothing waits forever on a crashed server. */
  private readonly exit: Promise<never>;

  constructor(opts: LspProcessOptions) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...(opts.env ?? {}) })) if (v !== undefined) env[k] = v;
    this.proc = spawn(opts.command, opts.args, { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exit = new Promise<never>((_, reject) => {
      this.proc.once('exit', (code, signal) => {
        this.exited = true;
        this.check();
        reject(new Error(`${opts.command} ${opts.args.join(' ')} exited (${signal ?? code})${this.stderrTail ? ': ' + this.stderrTail : ''}`));
      });
    });
    this.exit.catch(() => undefined);
    // stderr is drained (a full pipe would stall the server); only its tail is kept, to explain a crash.
    this.proc.stderr!.on('data', (b: Buffer) => (this.stderrTail = (this.stderrTail + String(b)).slice(-2000)));
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: unknown[] }) => {
      const list = this.published.get(p.uri) ?? [];
      list.push({ at: performance.now(), version: p.version, count: p.diagnostics.length });
      this.published.set(p.uri, list);
      this.check();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push({ at: performance.now(), message: p.message });
      this.check();
    });
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('client/unregisterCapability', () => null);
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => opts.configuration?.(i.section) ?? null));
    this.conn.onNotification(() => undefined);
    this.conn.onRequest(() => null);
    this.conn.listen();
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** VmHWM (peak resident set) of the server process, in MiB, read from /proc. */
  peakRssMiB(): number | undefined {
    try {
      const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
      return kb ? Number(kb) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** User + system CPU time the server process has used so far, in ms (clock ticks of 10 ms). */
  cpuMs(): number | undefined {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(rest[11]) + Number(rest[12])) * 10;
    } catch {
      return undefined;
    }
  }

  async initialize(rootUri: string, initializationOptions: unknown, capabilities: unknown = {}): Promise<number> {
    await this.orExit(
      this.conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri,
        workspaceFolders: [{ uri: rootUri, name: 'bench' }],
        capabilities,
        initializationOptions,
      }),
    );
    const sentAt = performance.now();
    await this.conn.sendNotification('initialized', {});
    return sentAt;
  }

  /** Sends a notification and returns the time it was handed to the pipe. */
  async notify(method: string, params: unknown): Promise<number> {
    const at = performance.now();
    await this.conn.sendNotification(method, params);
    return at;
  }

  /** A request's round trip in milliseconds, and its result. */
  async timedRequest<T>(method: string, params: unknown): Promise<{ ms: number; result: T }> {
    const at = performance.now();
    const result = (await this.orExit(this.conn.sendRequest(method, params))) as T;
    return { ms: performance.now() - at, result };
  }

  private orExit<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.exit]);
  }

  publicationsOf(uri: string): Publication[] {
    return this.published.get(uri) ?? [];
  }

  /** Resolves with the first publication for `uri` (from index `from` on) that satisfies `pred`. */
  waitForPublication(uri: string, from: number, pred: (p: Publication) => boolean, timeoutMs: number): Promise<Publication> {
    return this.waitFor(() => this.publicationsOf(uri).slice(from).find(pred), timeoutMs, `diagnostics for ${uri}`);
  }

  waitForLog(re: RegExp, timeoutMs: number): Promise<LogLine> {
    return this.waitFor(() => this.logs.find((l) => re.test(l.message)), timeoutMs, `a log line matching ${re}`);
  }

  private waitFor<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const now = get();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = {
        pred: () => get() !== undefined || this.exited,
        resolve: () => {
          clearTimeout(timer);
          const v = get();
          if (v === undefined) this.exit.catch((e: Error) => reject(new Error(`while waiting for ${what}: ${e.message}`)));
          else resolve(v);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.pred());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      try {
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
        await this.conn.sendNotification('exit');
      } catch {
        /* already gone */
      }
      await Promise.race([new Promise((r) => (this.exited ? r(null) : this.proc.once('exit', r))), new Promise((r) => setTimeout(r, 3000))]);
      if (!this.exited) this.proc.kill('SIGKILL');
    }
    this.conn.dispose();
  }
}
