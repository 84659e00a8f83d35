import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { NotificationMessage, RequestMessage } from '../../shared/protocol';

/** Sends one of the custom requests (shared/protocol.ts `Messages`); its result type comes with it. */
export function request<P, R>(client: LanguageClient, m: RequestMessage<P, R>, params: P, token?: vscode.CancellationToken): Promise<R> {
  // A trailing undefined is sent as a second parameter: the handler's token then arrives as null.
  return (token ? client.sendRequest(m.method, params, token) : client.sendRequest(m.method, params)) as Promise<R>;
}

export function notify<P>(client: LanguageClient, m: NotificationMessage<P>, params: P): Promise<void> {
  return client.sendNotification(m.method, params);
}

export function onNotification<P>(client: LanguageClient, m: NotificationMessage<P>, handler: (params: P) => void): vscode.Disposable {
  return client.onNotification(m.method, handler);
}
