// An Azure App Service managed-identity endpoint on 127.0.0.1 (IDENTITY_ENDPOINT + IDENTITY_HEADER),
// so the extension's unmodified DefaultAzureCredential gets a token for the Key Vault fake the way it
// would on an Azure host. The token is a fixed test string the fake vault accepts, not a secret.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export class ManagedIdentityFake {
  private server?: http.Server;
  /** Token requests answered (the SDK caches the token, so a few per editor session). */
  readonly requests: Array<{ resource: string | null; headerOk: boolean }> = [];
  readonly header = 'e2e-identity-header';

  constructor(private readonly token = 'test-token') {}

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headerOk = req.headers['x-identity-header'] === this.header;
      this.requests.push({ resource: url.searchParams.get('resource'), headerOk });
      res.setHeader('content-type', 'application/json');
      if (!headerOk) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: 'invalid_request', error_description: 'missing X-IDENTITY-HEADER' }));
        return;
      }
      res.end(
        JSON.stringify({
          access_token: this.token,
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: url.searchParams.get('resource') ?? '',
          token_type: 'Bearer',
        }),
      );
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  /** The variables that make DefaultAzureCredential use this endpoint (App Service managed identity). */
  get env(): Record<string, string> {
    const port = (this.server?.address() as AddressInfo | null)?.port;
    if (!port) throw new Error('the managed-identity fake is not started');
    return { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: this.header };
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
