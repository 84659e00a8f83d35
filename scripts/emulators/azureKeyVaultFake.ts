import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import { AddressInfo } from 'net';

/**
 * A small Azure Key Vault secrets endpoint speaking the real REST protocol (api-version 7.x) to
 * the unmodified `@azure/keyvault-secrets` SDK: the bearer challenge (401 + WWW-Authenticate),
 * GET/PUT /secrets/{name}[/{version}], PATCH of a version's attributes (updateSecretProperties),
 * the secret bundle's attributes (enabled, nbf, exp, created, updated in Unix seconds), contentType
 * and tags, a disabled version refusing `get`, and Key Vault's error bodies. Lowkey Vault, the usual
 * emulator, is published as a GitHub/Docker artifact only, which these machines cannot fetch.
 * HTTPS with a self-signed certificate made by scripts/setup-emulators.sh.
 */

export interface FakeSecretVersion {
  version: string;
  value: string;
  /** Unix seconds, as Key Vault's attributes carry them. */
  created: number;
  updated: number;
  enabled: boolean;
  exp?: number;
  nbf?: number;
  contentType?: string;
  tags: Record<string, string>;
}

/** What a PUT (setSecret) or PATCH (updateSecretProperties) may set besides the value. */
export interface FakeSecretProperties {
  enabled?: boolean;
  exp?: number;
  nbf?: number;
  contentType?: string;
  tags?: Record<string, string>;
  /** Backdates the version (seeding only: "rotated yesterday"). */
  created?: number;
}

/** A forced answer for one request (tests of denied, throttled, failing or slow vaults). */
export type AzureFault =
  | { kind: 'status'; status: number; code: string; message: string; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' }
  /** A body sent as is (malformed answers). */
  | { kind: 'raw'; status: number; body: string };

export interface AzureRequestRecord {
  method: string;
  path: string;
  authorized: boolean;
}

export class AzureKeyVaultFake {
  private server?: https.Server;
  /** Lower-cased name → the stored name and its versions (newest last). */
  private readonly secrets = new Map<string, { name: string; versions: FakeSecretVersion[] }>();
  /** Tokens the vault accepts; anything else gets 401. */
  readonly acceptedTokens = new Set<string>(['test-token']);
  readonly requests: AzureRequestRecord[] = [];
  /** Decides a fault per request; undefined = answer normally. */
  fault: ((req: { method: string; name?: string; token?: string }) => AzureFault | undefined) | undefined;
  port = 0;

  constructor(private readonly tls: { cert: string; key: string }) {}

  async start(port = 0): Promise<number> {
    const server = https.createServer({ cert: fs.readFileSync(this.tls.cert), key: fs.readFileSync(this.tls.key) }, (req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Seeds a secret directly (the SDK's setSecret over PUT works too). */
  setSecret(name: string, value: string, props: FakeSecretProperties = {}): FakeSecretVersion {
    const key = name.toLowerCase();
    const entry = this.secrets.get(key) ?? { name, versions: [] };
    const created = props.created ?? Math.floor(Date.now() / 1000);
    const v: FakeSecretVersion = {
      version: crypto.randomBytes(16).toString('hex'),
      value,
      created,
      updated: created,
      enabled: props.enabled ?? true,
      exp: props.exp,
      nbf: props.nbf,
      contentType: props.contentType,
      tags: props.tags ?? {},
    };
    entry.versions.push(v);
    this.secrets.set(key, entry);
    return v;
  }

  /** The stored value of a secret's newest version (tests that create secrets read it back here). */
  latestValue(name: string): string | undefined {
    const versions = this.secrets.get(name.toLowerCase())?.versions;
    return versions?.[versions.length - 1]?.value;
  }

  /** Requests that reached the secrets API with a valid token (what a real vault would bill). */
  countAuthorized(name?: string): number {
    return this.requests.filter((r) => r.authorized && (name === undefined || r.path.toLowerCase().startsWith(`/secrets/${name.toLowerCase()}`))).length;
  }

  private async handle(req: import('http').IncomingMessage, res: import('http').ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://vault');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const m = /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/.exec(url.pathname);
    const authorized = token !== undefined && this.acceptedTokens.has(token);
    this.requests.push({ method, path: url.pathname, authorized });

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-keyvault-service-version': '1.9.0.0', ...headers });
      res.end(text);
    };
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) => send(status, { error: { code, message } }, headers);

    if (!url.searchParams.get('api-version')) return error(400, 'BadParameter', 'The request URI contains an invalid or missing api-version.');
    if (!token) {
      // The challenge that starts the SDK's authentication.
      return error(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', {
        'www-authenticate': 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      });
    }
    const fault = this.fault?.({ method, name: m?.[1], token });
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms).unref()); // never keeps a test process alive
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') return error(fault.status, fault.code, fault.message, fault.headers);
    if (fault?.kind === 'raw') {
      res.writeHead(fault.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(fault.body);
      return;
    }
    if (!authorized)
      return error(401, 'Unauthorized', 'AKV10032: Invalid issuer. Expected one of https://sts.windows.net/..., found an expired or unknown token.');
    if (/^\/secrets\/?$/.test(url.pathname) && method === 'GET') {
      // List: ids and attributes only, never values (as the real API).
      const host = req.headers.host ?? `127.0.0.1:${this.port}`;
      const value = [...this.secrets.values()].map((e) => ({
        id: `https://${host}/secrets/${e.name}`,
        attributes: {
          enabled: true,
          created: e.versions[0]?.created,
          updated: e.versions[e.versions.length - 1]?.created,
          recoveryLevel: 'Recoverable+Purgeable',
        },
        tags: {},
      }));
      return send(200, { value, nextLink: null });
    }
    if (!m) return error(404, 'NotFound', 'The requested resource was not found.');

    const name = decodeURIComponent(m[1]);
    const version = m[2] ? decodeURIComponent(m[2]) : '';
    const host = req.headers.host ?? `127.0.0.1:${this.port}`;
    // The secret bundle as Key Vault sends it: optional attributes only when set; PATCH answers have no value.
    const render = (stored: string, v: FakeSecretVersion, withValue = true) => ({
      ...(withValue ? { value: v.value } : {}),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
      id: `https://${host}/secrets/${stored}/${v.version}`,
      attributes: {
        enabled: v.enabled,
        ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
        ...(v.exp !== undefined ? { exp: v.exp } : {}),
        created: v.created,
        updated: v.updated,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
      tags: v.tags,
    });
    let parsed: { value?: unknown; contentType?: unknown; tags?: unknown; attributes?: { enabled?: unknown; exp?: unknown; nbf?: unknown } } = {};
    try {
      parsed = body ? JSON.parse(body) : {};
    } catch {
      parsed = {};
    }
    const props = (): FakeSecretProperties => ({
      ...(typeof parsed.attributes?.enabled === 'boolean' ? { enabled: parsed.attributes.enabled } : {}),
      ...(typeof parsed.attributes?.exp === 'number' ? { exp: parsed.attributes.exp } : {}),
      ...(typeof parsed.attributes?.nbf === 'number' ? { nbf: parsed.attributes.nbf } : {}),
      ...(typeof parsed.contentType === 'string' ? { contentType: parsed.contentType } : {}),
      ...(parsed.tags && typeof parsed.tags === 'object' ? { tags: parsed.tags as Record<string, string> } : {}),
    });

    if (method === 'PUT') {
      if (typeof parsed.value !== 'string') return error(400, 'BadParameter', 'Property value is required.');
      const v = this.setSecret(name, parsed.value, props());
      return send(200, render(this.secrets.get(name.toLowerCase())!.name, v));
    }
    if (method !== 'GET' && method !== 'PATCH') return error(405, 'MethodNotAllowed', `${method} is not supported.`);
    const entry = this.secrets.get(name.toLowerCase());
    const v = entry && (version ? entry.versions.find((x) => x.version === version) : entry.versions[entry.versions.length - 1]);
    if (!entry || !v) {
      return error(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    }
    if (method === 'PATCH') {
      Object.assign(v, props(), { updated: Math.floor(Date.now() / 1000) });
      return send(200, render(entry.name, v, false));
    }
    if (!v.enabled) return error(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.');
    return send(200, render(entry.name, v));
  }
}

function readBody(req: import('http').IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

// Standalone: node out/scripts/emulators/azureKeyVaultFake.js --cert C --key K [--port P]
if (require.main === module) {
  const arg = (n: string) => {
    const i = process.argv.indexOf(`--${n}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const fake = new AzureKeyVaultFake({ cert: arg('cert') ?? '', key: arg('key') ?? '' });
  for (const t of (arg('tokens') ?? '').split(',').filter(Boolean)) fake.acceptedTokens.add(t);
  void fake.start(Number(arg('port') ?? 0)).then((port) => process.stdout.write(`listening on https://127.0.0.1:${port}\n`));
}
