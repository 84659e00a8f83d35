import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Emitter, Message, MessageReader } from 'vscode-languageserver/node';
import { IncomingMessages } from '../../server/src/lsp/incomingMessages';

/** A reader fed by hand: what the transport would decode. */
function fakeReader(): { reader: MessageReader; deliver: (m: object) => void } {
  let callback: ((m: Message) => void) | undefined;
  const reader: MessageReader = {
    onError: new Emitter<Error>().event,
    onClose: new Emitter<void>().event,
    onPartialMessage: new Emitter<never>().event,
    listen: (cb) => {
      callback = cb;
      return { dispose: () => undefined };
    },
    dispose: () => undefined,
  };
  return { reader, deliver: (m) => callback?.(m as Message) };
}

test('records the newest version received per document, before the library handles it', () => {
  const incoming = new IncomingMessages();
  const { reader, deliver } = fakeReader();
  const handed: unknown[] = [];
  incoming.wrap(reader).listen((m) => handed.push(m));
  deliver({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///a.py', version: 1, text: '' } } });
  deliver({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri: 'file:///a.py', version: 4 }, contentChanges: [] } });
  assert.equal(handed.length, 2, 'every message still reaches the library');
  assert.equal(incoming.newerChangeQueued('file:///a.py', 3), true);
  assert.equal(incoming.newerChangeQueued('file:///a.py', 4), false);
  assert.equal(incoming.newerChangeQueued('file:///b.py', 1), false);
  incoming.closed('file:///a.py');
  assert.equal(incoming.newerChangeQueued('file:///a.py', 3), false);
});

test('counts interactive requests until their handler starts or they are cancelled while queued', () => {
  const incoming = new IncomingMessages();
  const { reader, deliver } = fakeReader();
  incoming.wrap(reader).listen(() => undefined);
  deliver({ jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: {} });
  deliver({ jsonrpc: '2.0', id: 2, method: 'textDocument/completion', params: {} });
  deliver({ jsonrpc: '2.0', id: 3, method: 'shutdown' });
  assert.equal(incoming.interactiveQueued, 2);
  incoming.started();
  assert.equal(incoming.interactiveQueued, 1);
  deliver({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 2 } });
  assert.equal(incoming.interactiveQueued, 0);
  incoming.started();
  assert.equal(incoming.interactiveQueued, 0, 'never below zero');
});
