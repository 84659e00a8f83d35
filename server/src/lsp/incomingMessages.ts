import {
  DataCallback,
  Disposable,
  IPCMessageReader,
  IPCMessageWriter,
  Message,
  MessageReader,
  MessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { Messages } from '../../../shared/protocol';

/** Requests a user waits for: an analysis gives them the event loop first. */
const INTERACTIVE = new Set(['textDocument/hover', 'textDocument/completion', 'textDocument/codeAction', Messages.flowOutline.method]);

/**
 * What has arrived on the wire but not been handled yet. The JSON-RPC library queues incoming
 * messages and handles one per turn of the event loop, so an analysis that starts between two of
 * them cannot see that the next one is an edit making it stale, or a hover waiting behind it.
 * This wraps the transport's reader to know: the newest version received per document, and
 * how many interactive requests are still queued.
 */
export class IncomingMessages {
  private readonly newestVersion = new Map<string, number>();
  /** Ids of interactive requests received and not yet started, in arrival order (the order they are handled). */
  private readonly interactive: unknown[] = [];

  /** A reader that records each message before the library queues it. */
  wrap(reader: MessageReader): MessageReader {
    return {
      onError: reader.onError,
      onClose: reader.onClose,
      onPartialMessage: reader.onPartialMessage,
      listen: (callback: DataCallback): Disposable =>
        reader.listen((m: Message) => {
          this.record(m);
          callback(m);
        }),
      dispose: () => reader.dispose(),
    };
  }

  /** A change to `uri` newer than `version` has arrived and is still queued. */
  newerChangeQueued(uri: string, version: number): boolean {
    return (this.newestVersion.get(uri) ?? -Infinity) > version;
  }

  /** Interactive requests received but not yet started. */
  get interactiveQueued(): number {
    return this.interactive.length;
  }

  /** Called by each interactive request's handler as it starts. */
  started(): void {
    this.interactive.shift();
  }

  closed(uri: string): void {
    this.newestVersion.delete(uri);
  }

  private record(m: Message): void {
    const msg = m as { method?: string; id?: unknown; params?: { textDocument?: { uri?: unknown; version?: unknown } } };
    if (msg.method === 'textDocument/didChange' || msg.method === 'textDocument/didOpen') {
      const { uri, version } = msg.params?.textDocument ?? {};
      if (typeof uri === 'string' && typeof version === 'number') this.newestVersion.set(uri, version);
    } else if (msg.method && msg.id !== undefined && INTERACTIVE.has(msg.method)) this.interactive.push(msg.id);
    else if (msg.method === '$/cancelRequest') {
      // A request cancelled while queued is answered by the library without reaching its handler.
      const id = (msg.params as { id?: unknown } | undefined)?.id;
      const i = this.interactive.indexOf(id);
      if (i >= 0) this.interactive.splice(i, 1);
    }
  }
}

/** The transport the client asked for on the command line (as createConnection() would choose it), or undefined. */
export function transportFromArgv(argv: readonly string[]): { reader: MessageReader; writer: MessageWriter } | undefined {
  if (argv.includes('--stdio')) return { reader: new StreamMessageReader(process.stdin), writer: new StreamMessageWriter(process.stdout) };
  if (argv.includes('--node-ipc')) return { reader: new IPCMessageReader(process), writer: new IPCMessageWriter(process) };
  return undefined;
}
