import { Connection } from 'vscode-languageserver/node';

/**
 * The server's log, shown in the client's "Metaflow Secrets" output channel. It takes only
 * messages built from names, ids, counts and errors — never a secret value; the canary tests
 * read everything it wrote.
 */
export class Logger {
  constructor(private readonly connection: Connection) {}

  info(message: string): void {
    this.connection.console.info(message);
  }

  warn(message: string): void {
    this.connection.console.warn(message);
  }

  error(message: string): void {
    this.connection.console.error(message);
  }
}
