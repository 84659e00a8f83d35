import { CancellationToken, Connection } from 'vscode-languageserver/node';
import { NotificationMessage, RequestMessage } from '../../../shared/protocol';

// The custom messages (shared/protocol.ts `Messages`) with their types. What arrives is still
// the client's word: handlers validate what decides anything (trust, paths, sealed values).

export function onRequest<P, R>(connection: Connection, m: RequestMessage<P, R>, handler: (params: P, token: CancellationToken) => R | Promise<R>): void {
  connection.onRequest(m.method, (params: P, token: CancellationToken) => handler(params, token) as Promise<R>);
}

export function onNotification<P>(connection: Connection, m: NotificationMessage<P>, handler: (params: P) => void): void {
  connection.onNotification(m.method, handler);
}

export function notify<P>(connection: Connection, m: NotificationMessage<P>, params: P): void {
  void connection.sendNotification(m.method, params);
}
