// moto (the AWS emulator, started by test/support/emulators.ts) seeded with the secrets the
// generated flows name, behind a proxy that counts Secrets Manager requests per secret id.
import * as http from 'node:http';
import * as net from 'node:net';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RunningEmulator, startMoto } from '../test/support/emulators';
import { API_POOL, SECRET_POOL } from './flowGenerator';

export interface CountedRequest {
  at: number;
  operation: string;
  secretId?: string;
}

export const EMULATOR_ENV = {
  AWS_ACCESS_KEY_ID: 'bench-access-key',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-key',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};

export class CountingAwsEmulator {
  readonly requests: CountedRequest[] = [];
  private moto?: RunningEmulator;
  private proxy?: http.Server;
  /** The proxy's URL: what the server is configured with. */
  url = '';

  async start(): Promise<void> {
    this.moto = await startMoto();
    const upstream = new URL(this.moto.url);
    const seed = new SecretsManagerClient({ endpoint: this.moto.url, region: 'us-east-1', credentials: { accessKeyId: 'seed', secretAccessKey: 'seed' } });
    // Values are random per run and never printed: the bench only counts requests.
    const rnd = () => Math.random().toString(36).slice(2);
    for (const name of SECRET_POOL)
      await seed.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ DB_PASSWORD: rnd(), DB_USER: 'reader', DB_HOST: 'db.internal' }) }));
    for (const name of API_POOL) await seed.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ API_KEY: rnd() }) }));
    seed.destroy();
    this.proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers['x-amz-target'] ?? '');
        let secretId: string | undefined;
        try {
          secretId = (JSON.parse(body.toString('utf8')) as { SecretId?: string }).SecretId;
        } catch {
          secretId = undefined;
        }
        this.requests.push({ at: Date.now(), operation: target.replace(/^secretsmanager\./, ''), secretId });
        const fwd = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        fwd.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        fwd.end(body);
      });
    });
    await new Promise<void>((r) => this.proxy!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.proxy.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.proxy) {
      this.proxy.closeAllConnections();
      await new Promise<void>((r) => this.proxy!.close(() => r()));
    }
    await this.moto?.stop();
  }
}

/** Requests per secret id, and how many were repeats of an id already asked within `ttlMs`. */
export function requestStats(
  reqs: CountedRequest[],
  ttlMs: number,
): { total: number; get: number; distinct: number; repeatedWithinTtl: number; maxPerId: number; halfTyped: number; examples: string[] } {
  const gets = reqs.filter((r) => r.operation === 'GetSecretValue');
  const lastAt = new Map<string, number>();
  const perId = new Map<string, number>();
  let repeated = 0;
  for (const r of gets) {
    const id = r.secretId ?? '?';
    const prev = lastAt.get(id);
    if (prev !== undefined && r.at - prev < ttlMs) repeated++;
    lastAt.set(id, r.at);
    perId.set(id, (perId.get(id) ?? 0) + 1);
  }
  // Ids that name no secret of the workspace: a source string caught half-way through typing.
  const seeded = new Set([...SECRET_POOL, ...API_POOL]);
  const half = [...perId.keys()].filter((id) => !seeded.has(id));
  return {
    total: reqs.length,
    get: gets.length,
    distinct: perId.size,
    repeatedWithinTtl: repeated,
    maxPerId: Math.max(0, ...perId.values()),
    halfTyped: gets.filter((r) => !seeded.has(r.secretId ?? '?')).length,
    examples: half.slice(0, 3),
  };
}
