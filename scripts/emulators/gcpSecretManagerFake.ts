import * as grpc from '@grpc/grpc-js';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A small GCP Secret Manager (v1) speaking the real gRPC protocol to the unmodified
 * `@google-cloud/secret-manager` client, built from the service definition that client ships.
 * The Go emulator (blackwell-systems/gcp-secret-manager-emulator) is not served by the Go module
 * proxy here, so this stands in for it. Plain-text gRPC on 127.0.0.1.
 */

export type GcpFault =
  | { kind: 'status'; code: grpc.status; details: string }
  | { kind: 'delay'; ms: number };

const HTTP_OF_STATUS: Record<number, number> = { 3: 400, 4: 504, 5: 404, 7: 403, 8: 429, 9: 400, 13: 500, 14: 503, 16: 401 };

interface Version {
  n: number;
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
}

// The service definition from the client's own protos.json (no .proto files needed at run time).
function serviceDefinition(): grpc.ServiceDefinition {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const json = require('@google-cloud/secret-manager/build/protos/protos.json');
  const def = protoLoader.fromJSON(json, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  return def['google.cloud.secretmanager.v1.SecretManagerService'] as grpc.ServiceDefinition;
}

export class GcpSecretManagerFake {
  private server?: grpc.Server;
  private rest?: http.Server;
  restPort = 0;
  /** "projects/<p>/secrets/<name>" → versions. */
  private readonly secrets = new Map<string, Version[]>();
  readonly requests: Array<{ method: string; name: string }> = [];
  fault: ((req: { method: string; name: string }) => GcpFault | undefined) | undefined;
  port = 0;

  async start(port = 0): Promise<number> {
    const server = new grpc.Server();
    const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not implemented by the fake' });
    const def = serviceDefinition();
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(def)) handlers[method] = unimplemented;
    handlers.AccessSecretVersion = (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      void this.access(call.request.name, cb);
    };
    handlers.CreateSecret = (call: grpc.ServerUnaryCall<{ parent: string; secretId: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const name = `${call.request.parent}/secrets/${call.request.secretId}`;
      this.requests.push({ method: 'CreateSecret', name });
      if (this.secrets.has(name)) return cb({ code: grpc.status.ALREADY_EXISTS, details: `Secret [${name}] already exists.` });
      this.secrets.set(name, []);
      cb(null, { name, replication: { automatic: {} } });
    };
    handlers.AddSecretVersion = (call: grpc.ServerUnaryCall<{ parent: string; payload: { data: Buffer } }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const versions = this.secrets.get(call.request.parent);
      this.requests.push({ method: 'AddSecretVersion', name: call.request.parent });
      if (!versions) return cb({ code: grpc.status.NOT_FOUND, details: `Secret [${call.request.parent}] not found.` });
      const v = { n: versions.length + 1, data: Buffer.from(call.request.payload?.data ?? []), state: 'ENABLED' as const };
      versions.push(v);
      cb(null, { name: `${call.request.parent}/versions/${v.n}`, state: 'ENABLED' });
    };
    handlers.ListSecrets = (call: grpc.ServerUnaryCall<{ parent: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      this.requests.push({ method: 'ListSecrets', name: call.request.parent });
      const fault = this.fault?.({ method: 'ListSecrets', name: call.request.parent });
      if (fault?.kind === 'status') return cb({ code: fault.code, details: fault.details });
      const secrets = [...this.secrets.keys()].filter((n) => n.startsWith(`${call.request.parent}/secrets/`)).map((name) => ({ name, replication: { automatic: {} } }));
      cb(null, { secrets, nextPageToken: '', totalSize: secrets.length });
    };
    server.addService(def, handlers);
    this.server = server;
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return this.port;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * The same store over Secret Manager's HTTP/JSON API (`GET /v1/{name}:access`), which the
   * client uses with `fallback` (REST) mode.
   */
  async startRest(port = 0): Promise<number> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/v1\/(.+):access$/.exec(url.pathname);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'GET' || !m) return send(404, { error: { code: 404, message: 'Not found.', status: 'NOT_FOUND' } });
      void this.access(decodeURIComponent(m[1]), (err, value) => {
        if (err) {
          const code = (err as { code?: number }).code ?? grpc.status.UNKNOWN;
          return send(HTTP_OF_STATUS[code] ?? 500, { error: { code: HTTP_OF_STATUS[code] ?? 500, message: (err as { details?: string }).details, status: grpc.status[code] } });
        }
        const v = value as { name: string; payload: { data: Buffer } };
        send(200, { name: v.name, payload: { data: v.payload.data.toString('base64') } });
      });
    });
    this.rest = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.restPort = (server.address() as AddressInfo).port;
    return this.restPort;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) s.forceShutdown();
    const r = this.rest;
    this.rest = undefined;
    if (r) {
      r.closeAllConnections();
      await new Promise<void>((resolve) => r.close(() => resolve()));
    }
  }

  /** Seeds a version directly; returns its number. */
  addVersion(project: string, secret: string, data: string | Buffer): number {
    const name = `projects/${project}/secrets/${secret}`;
    const versions = this.secrets.get(name) ?? [];
    versions.push({ n: versions.length + 1, data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'), state: 'ENABLED' });
    this.secrets.set(name, versions);
    return versions.length;
  }

  count(method = 'AccessSecretVersion', name?: string): number {
    return this.requests.filter((r) => r.method === method && (name === undefined || r.name === name)).length;
  }

  private async access(name: string, cb: grpc.sendUnaryData<unknown>): Promise<void> {
    this.requests.push({ method: 'AccessSecretVersion', name });
    const fault = this.fault?.({ method: 'AccessSecretVersion', name });
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms).unref()); // never keeps a test process alive
    if (fault?.kind === 'status') return cb({ code: fault.code, details: fault.details });
    const m = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!m) return cb({ code: grpc.status.INVALID_ARGUMENT, details: `Invalid resource field value in the request.` });
    const versions = this.secrets.get(m[1]);
    if (!versions || versions.length === 0) return cb({ code: grpc.status.NOT_FOUND, details: `Secret [${m[1]}] not found or has no versions.` });
    const v = m[2] === 'latest' ? [...versions].reverse().find((x) => x.state === 'ENABLED') : versions.find((x) => String(x.n) === m[2]);
    if (!v) return cb({ code: grpc.status.NOT_FOUND, details: `Secret Version [${name}] not found.` });
    if (v.state !== 'ENABLED') return cb({ code: grpc.status.FAILED_PRECONDITION, details: `Secret Version [${m[1]}/versions/${v.n}] is in ${v.state} state.` });
    cb(null, { name: `${m[1]}/versions/${v.n}`, payload: { data: v.data } });
  }
}

// Standalone: node out/scripts/emulators/gcpSecretManagerFake.js [--port P]
if (require.main === module) {
  const i = process.argv.indexOf('--port');
  const fake = new GcpSecretManagerFake();
  void fake.start(i >= 0 ? Number(process.argv[i + 1]) : 0).then((port) => process.stdout.write(`listening on 127.0.0.1:${port}\n`));
}
