/**
 * A minimal Debug Adapter Protocol client for tests: Content-Length framing over the stdio
 * of `python -m debugpy.adapter` (the root session) and over TCP for the child sessions
 * debugpy asks for with the `startDebugging` reverse request when `subProcess` is true.
 * Like VS Code, it answers `startDebugging`, connects to the adapter's client port given in
 * `configuration.connect`, and runs initialize → attach → setBreakpoints → configurationDone.
 */
import { ChildProcess, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as net from 'net';
import { Readable, Writable } from 'stream';
import type { DebugProtocol } from '@vscode/debugprotocol';

type Message = DebugProtocol.ProtocolMessage & { [k: string]: unknown };
type ReverseHandler = (req: DebugProtocol.Request, conn: DapConnection) => Promise<unknown> | unknown;

const HEADER_END = '\r\n\r\n';

/** One DAP connection: framing, request/response correlation, buffered events. */
export class DapConnection extends EventEmitter {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve: (r: DebugProtocol.Response) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly events: DebugProtocol.Event[] = [];
  private closed = false;
  reverseHandler: ReverseHandler | undefined;

  constructor(
    readonly name: string,
    input: Readable,
    private readonly output: Writable,
  ) {
    super();
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('close', () => this.onClose());
    input.on('error', () => this.onClose());
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`${this.name}: connection closed`));
    }
    this.pending.clear();
    this.emit('close');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m) throw new Error(`${this.name}: bad DAP header ${JSON.stringify(header)}`);
      const length = Number(m[1]);
      const start = headerEnd + HEADER_END.length;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(msg: Message): void {
    if (msg.type === 'response') {
      const r = msg as unknown as DebugProtocol.Response;
      const p = this.pending.get(r.request_seq);
      if (!p) return;
      this.pending.delete(r.request_seq);
      clearTimeout(p.timer);
      if (r.success) p.resolve(r);
      else p.reject(new Error(`${this.name}: ${r.command} failed: ${r.message ?? ''} ${JSON.stringify(r.body ?? {})}`));
    } else if (msg.type === 'event') {
      const e = msg as unknown as DebugProtocol.Event;
      this.events.push(e);
      this.emit('dapEvent', e);
    } else if (msg.type === 'request') {
      void this.answerReverse(msg as unknown as DebugProtocol.Request);
    }
  }

  private async answerReverse(req: DebugProtocol.Request): Promise<void> {
    try {
      if (!this.reverseHandler) throw new Error(`unsupported reverse request ${req.command}`);
      const body = await this.reverseHandler(req, this);
      this.send({ type: 'response', request_seq: req.seq, success: true, command: req.command, body: body ?? {} });
    } catch (e) {
      this.send({ type: 'response', request_seq: req.seq, success: false, command: req.command, message: (e as Error).message });
    }
  }

  private send(msg: { [k: string]: unknown }): void {
    if (this.closed) return;
    const full = { seq: this.seq++, ...msg };
    const body = Buffer.from(JSON.stringify(full), 'utf8');
    this.output.write(`Content-Length: ${body.length}${HEADER_END}`);
    this.output.write(body);
  }

  request<R extends DebugProtocol.Response = DebugProtocol.Response>(command: string, args?: unknown, timeoutMs = 30_000): Promise<R> {
    if (this.closed) return Promise.reject(new Error(`${this.name}: connection closed before ${command}`));
    const seq = this.seq;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Error(`${this.name}: ${command} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve: resolve as (r: DebugProtocol.Response) => void, reject, timer });
      this.send({ type: 'request', command, arguments: args });
    });
  }

  /** The first event (already received or future) named `event` and matching `pred`, at or after index `from`. */
  waitForEvent<E extends DebugProtocol.Event = DebugProtocol.Event>(
    event: string,
    pred: (e: E) => boolean = () => true,
    timeoutMs = 30_000,
    from = 0,
  ): Promise<E> {
    const found = this.events.slice(from).find((e) => e.event === event && pred(e as E));
    if (found) return Promise.resolve(found as E);
    return new Promise<E>((resolve, reject) => {
      const onEvent = (e: DebugProtocol.Event) => {
        if (e.event === event && pred(e as E)) {
          cleanup();
          resolve(e as E);
        }
      };
      const onClose = () => {
        cleanup();
        reject(new Error(`${this.name}: closed while waiting for '${event}'`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no '${event}' event within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('dapEvent', onEvent);
        this.off('close', onClose);
      };
      this.on('dapEvent', onEvent);
      this.on('close', onClose);
    });
  }
}

export interface Stop {
  session: DapSession;
  threadId: number;
  reason: string;
}

/** A debug session (root or child) on its own connection. */
export class DapSession {
  constructor(
    readonly client: DapClient,
    readonly conn: DapConnection,
    readonly configuration: { [k: string]: unknown },
  ) {}

  get name(): string {
    return this.conn.name;
  }

  /** Evaluates in the top frame of a stopped thread; returns debugpy's repr of the value. */
  async evaluate(threadId: number, expression: string): Promise<string> {
    const st = await this.conn.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId, startFrame: 0, levels: 1 });
    const frameId = st.body.stackFrames[0].id;
    const r = await this.conn.request<DebugProtocol.EvaluateResponse>('evaluate', { expression, frameId, context: 'repl' });
    return r.body.result;
  }

  async topFrame(threadId: number): Promise<DebugProtocol.StackFrame> {
    const st = await this.conn.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId, startFrame: 0, levels: 1 });
    return st.body.stackFrames[0];
  }

  async continue(threadId: number): Promise<void> {
    await this.conn.request('continue', { threadId });
  }
}

export interface DapClientOptions {
  /** Breakpoints set in every session: absolute file path → 1-based lines. */
  breakpoints?: Record<string, number[]>;
  /** Applied to each child's configuration before `attach` (the way a VS Code debug configuration provider would). */
  childConfiguration?: (c: { [k: string]: unknown }) => { [k: string]: unknown };
  timeoutMs?: number;
  /** Answer `runInTerminal` by starting the command as a plain process (as a terminal would), for `console: integratedTerminal`. */
  runInTerminal?: boolean;
}

const INITIALIZE_ARGS: DebugProtocol.InitializeRequestArguments = {
  clientID: 'metaflow-secrets-tests',
  clientName: 'metaflow-secrets tests',
  adapterID: 'debugpy',
  linesStartAt1: true,
  columnsStartAt1: true,
  pathFormat: 'path',
  supportsVariableType: true,
  supportsRunInTerminalRequest: false,
  supportsStartDebuggingRequest: true,
};

function initializeArgs(opts: DapClientOptions): DebugProtocol.InitializeRequestArguments {
  return { ...INITIALIZE_ARGS, supportsRunInTerminalRequest: opts.runInTerminal === true };
}

/** Drives `python -m debugpy.adapter` and every child session it asks for. */
export class DapClient {
  readonly sessions: DapSession[] = [];
  readonly stops: Stop[] = [];
  readonly output: string[] = [];
  /** Every `startDebugging` configuration received, as received (for assertions). */
  readonly startDebuggingRequests: { [k: string]: unknown }[] = [];
  /** Every `runInTerminal` request received, as received. */
  readonly runInTerminalRequests: DebugProtocol.RunInTerminalRequestArguments[] = [];
  private readonly terminals: ChildProcess[] = [];
  private readonly stopWaiters: Array<() => void> = [];
  private readonly sockets: net.Socket[] = [];
  private childStarts: Promise<unknown>[] = [];
  root: DapSession | undefined;
  readonly errors: Error[] = [];

  private constructor(
    readonly adapter: ChildProcess,
    private readonly opts: DapClientOptions,
    private readonly baseEnv: NodeJS.ProcessEnv,
  ) {}

  static start(python: string, opts: DapClientOptions = {}, env: NodeJS.ProcessEnv = process.env): DapClient {
    const adapter = spawn(python, ['-m', 'debugpy.adapter'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    // A terminal the client opens inherits the editor's environment, like the adapter does.
    const client = new DapClient(adapter, opts, env);
    adapter.stderr!.on('data', (d: Buffer) => client.output.push(`[adapter stderr] ${d.toString()}`));
    return client;
  }

  private get timeout(): number {
    return this.opts.timeoutMs ?? 60_000;
  }

  private watch(session: DapSession): void {
    this.sessions.push(session);
    session.conn.reverseHandler = (req) => this.onReverse(req);
    session.conn.on('dapEvent', (e: DebugProtocol.Event) => {
      if (e.event === 'stopped') {
        const b = (e as DebugProtocol.StoppedEvent).body;
        this.stops.push({ session, threadId: b.threadId ?? 0, reason: b.reason });
        for (const w of this.stopWaiters.splice(0)) w();
      } else if (e.event === 'output') {
        this.output.push((e as DebugProtocol.OutputEvent).body.output);
      }
    });
  }

  private onReverse(req: DebugProtocol.Request): unknown {
    if (req.command === 'startDebugging') {
      const args = req.arguments as DebugProtocol.StartDebuggingRequestArguments;
      this.startDebuggingRequests.push(args.configuration);
      // Answer first (VS Code does too), then start the child session.
      const p = this.startChild(args.configuration).catch((e: Error) => this.errors.push(e));
      this.childStarts.push(p);
      return {};
    }
    if (req.command === 'runInTerminal' && this.opts.runInTerminal) {
      const args = req.arguments as DebugProtocol.RunInTerminalRequestArguments;
      this.runInTerminalRequests.push(args);
      const env: NodeJS.ProcessEnv = { ...this.baseEnv };
      for (const [k, v] of Object.entries(args.env ?? {})) {
        if (v === null) delete env[k];
        else env[k] = v;
      }
      const p = spawn(args.args[0], args.args.slice(1), { cwd: args.cwd || undefined, env, stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout!.on('data', (d: Buffer) => this.output.push(d.toString()));
      p.stderr!.on('data', (d: Buffer) => this.output.push(d.toString()));
      this.terminals.push(p);
      return { processId: p.pid };
    }
    throw new Error(`unsupported reverse request ${req.command}`);
  }

  private async configure(conn: DapConnection): Promise<void> {
    for (const [file, lines] of Object.entries(this.opts.breakpoints ?? {})) {
      await conn.request('setBreakpoints', { source: { path: file }, breakpoints: lines.map((line) => ({ line })) });
    }
    await conn.request('setExceptionBreakpoints', { filters: [] });
    await conn.request('configurationDone', {});
  }

  /** Starts the root session with a `launch` request and waits until the debuggee runs. */
  async launch(configuration: { [k: string]: unknown }): Promise<DapSession> {
    const conn = new DapConnection('root', this.adapter.stdout!, this.adapter.stdin!);
    const session = new DapSession(this, conn, configuration);
    this.root = session;
    this.watch(session);
    await conn.request('initialize', initializeArgs(this.opts), this.timeout);
    const launched = conn.request('launch', configuration, this.timeout);
    launched.catch(() => undefined);
    await conn.waitForEvent('initialized', () => true, this.timeout);
    await this.configure(conn);
    await launched;
    return session;
  }

  private async startChild(configuration: { [k: string]: unknown }): Promise<void> {
    const config = this.opts.childConfiguration ? this.opts.childConfiguration(configuration) : configuration;
    const connect = config.connect as { host: string; port: number };
    const socket = net.connect({ host: connect.host, port: connect.port });
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const conn = new DapConnection(String(config.name ?? `child ${config.subProcessId}`), socket, socket);
    const session = new DapSession(this, conn, config);
    this.watch(session);
    await conn.request('initialize', initializeArgs(this.opts), this.timeout);
    const attached = conn.request('attach', config, this.timeout);
    attached.catch(() => undefined);
    await conn.waitForEvent('initialized', () => true, this.timeout);
    await this.configure(conn);
    await attached;
  }

  /** The next stop not yet consumed. */
  private consumed = 0;
  async nextStop(timeoutMs = this.timeout): Promise<Stop> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.stops.length) {
      if (this.errors.length) throw this.errors[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no breakpoint hit within ${timeoutMs} ms; output:\n${this.output.join('')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.stopWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.stops[this.consumed++];
  }

  /** Resolves when the root debuggee has exited; returns its exit code. */
  async waitForExit(timeoutMs = this.timeout): Promise<number | undefined> {
    const root = this.root;
    if (!root) throw new Error('not launched');
    const e = await root.conn.waitForEvent<DebugProtocol.ExitedEvent>('exited', () => true, timeoutMs);
    return e.body.exitCode;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.childStarts);
    for (const s of this.sessions.slice().reverse()) {
      if (!s.conn.isClosed) await s.conn.request('disconnect', { terminateDebuggee: true }, 5_000).catch(() => undefined);
    }
    for (const s of this.sockets) s.destroy();
    for (const t of this.terminals) if (t.exitCode === null && t.signalCode === null) t.kill('SIGKILL');
    if (this.adapter.exitCode === null && this.adapter.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.adapter.once('exit', () => resolve()));
      setTimeout(() => this.adapter.kill('SIGKILL'), 5_000).unref();
      this.adapter.stdin?.end();
      await exited;
    }
  }
}
