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

export type GcpFault = { kind: 'status'; code: grpc.status; details: string } | { kind: 'delay'; ms: number };

const HTTP_OF_STATUS: Record<number, number> = { 3: 400, 4: 504, 5: 404, 7: 403, 8: 429, 9: 400, 13: 500, 14: 503, 16: 401 };

interface Version {
  n: number;
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  /** Unix seconds. */
  createTime: number;
}

/** A google.protobuf.Timestamp as the service sends it. */
interface Timestamp {
  seconds: number;
  nanos: number;
}

/** What the fake keeps of a Secret resource besides its versions (as CreateSecret sets it). */
interface SecretInfo {
  createTime: number;
  /** Secret Manager returns nextRotationTime only: rotationPeriod is input-only. */
  rotation?: { nextRotationTime?: Timestamp };
  topics?: Array<{ name: string }>;
  expireTime?: Timestamp;
}

/** Seeding options for a secret (CreateSecret's Secret fields the hover shows). */
export interface GcpSecretSeed {
  /** Unix seconds of the next rotation: rotation is configured. */
  nextRotation?: number;
  expire?: number;
  /** Unix seconds the version was added (backdated "rotated yesterday"). */
  created?: number;
  state?: Version['state'];
}

const stamp = (seconds: number): Timestamp => ({ seconds, nanos: 0 });
const now = () => Math.floor(Date.now() / 1000);

// The service definition from the client's own protos.json (no .proto files needed at run time).
function serviceDefinition(): grpc.ServiceDefinition {
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
  private readonly info = new Map<string, SecretInfo>();
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
    handlers.CreateSecret = (
      call: grpc.ServerUnaryCall<{ parent: string; secretId: string; secret?: Partial<SecretInfo> }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      const name = `${call.request.parent}/secrets/${call.request.secretId}`;
      this.requests.push({ method: 'CreateSecret', name });
      const fault = this.fault?.({ method: 'CreateSecret', name });
      if (fault?.kind === 'status') return cb({ code: fault.code, details: fault.details });
      if (this.secrets.has(name)) return cb({ code: grpc.status.ALREADY_EXISTS, details: `Secret [${name}] already exists.` });
      const asked = call.request.secret ?? {};
      const info: SecretInfo = { createTime: now() };
      if (asked.rotation?.nextRotationTime?.seconds) {
        if (!asked.topics?.length) return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'Secret rotation requires at least one Pub/Sub topic.' });
        info.rotation = { nextRotationTime: stamp(Number(asked.rotation.nextRotationTime.seconds)) };
        info.topics = asked.topics;
      }
      if (asked.expireTime?.seconds) info.expireTime = stamp(Number(asked.expireTime.seconds));
      this.secrets.set(name, []);
      this.info.set(name, info);
      cb(null, this.secretResource(name));
    };
    handlers.AddSecretVersion = (call: grpc.ServerUnaryCall<{ parent: string; payload: { data: Buffer } }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const versions = this.secrets.get(call.request.parent);
      this.requests.push({ method: 'AddSecretVersion', name: call.request.parent });
      const fault = this.fault?.({ method: 'AddSecretVersion', name: call.request.parent });
      if (fault?.kind === 'status') return cb({ code: fault.code, details: fault.details });
      if (!versions) return cb({ code: grpc.status.NOT_FOUND, details: `Secret [${call.request.parent}] not found.` });
      const v: Version = { n: versions.length + 1, data: Buffer.from(call.request.payload?.data ?? []), state: 'ENABLED', createTime: now() };
      versions.push(v);
      cb(null, this.versionResource(call.request.parent, v));
    };
    handlers.GetSecret = (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      void this.getSecret(call.request.name, cb);
    };
    handlers.GetSecretVersion = (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      void this.getSecretVersion(call.request.name, cb);
    };
    handlers.ListSecrets = (call: grpc.ServerUnaryCall<{ parent: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      this.requests.push({ method: 'ListSecrets', name: call.request.parent });
      const fault = this.fault?.({ method: 'ListSecrets', name: call.request.parent });
      if (fault?.kind === 'status') return cb({ code: fault.code, details: fault.details });
      const secrets = [...this.secrets.keys()]
        .filter((n) => n.startsWith(`${call.request.parent}/secrets/`))
        .map((name) => ({ name, replication: { automatic: {} } }));
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
   * The same store over Secret Manager's HTTP/JSON API (`GET /v1/{name}:access`, and `GET
   * /v1/{name}` of a secret or a version, timestamps in RFC 3339 as in JSON), which the client
   * uses with `fallback` (REST) mode.
   */
  async startRest(port = 0): Promise<number> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/v1\/(.+):access$/.exec(url.pathname);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      const failed = (err: unknown) => {
        const code = (err as { code?: number }).code ?? grpc.status.UNKNOWN;
        send(HTTP_OF_STATUS[code] ?? 500, {
          error: { code: HTTP_OF_STATUS[code] ?? 500, message: (err as { details?: string }).details, status: grpc.status[code] },
        });
      };
      const resource = /^\/v1\/(projects\/[^/]+\/secrets\/[^/:]+(?:\/versions\/[^/:]+)?)$/.exec(url.pathname);
      if (req.method === 'GET' && resource) {
        const name = decodeURIComponent(resource[1]);
        const answer = (err: unknown, value: unknown) => (err ? failed(err) : send(200, jsonTimestamps(value)));
        return void (name.includes('/versions/') ? this.getSecretVersion(name, answer) : this.getSecret(name, answer));
      }
      if (req.method !== 'GET' || !m) return send(404, { error: { code: 404, message: 'Not found.', status: 'NOT_FOUND' } });
      void this.access(decodeURIComponent(m[1]), (err, value) => {
        if (err) return failed(err);
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

  /** Seeds a version directly (and the secret, with `seed`'s rotation and expiry, if new); returns its number. */
  addVersion(project: string, secret: string, data: string | Buffer, seed: GcpSecretSeed = {}): number {
    const name = `projects/${project}/secrets/${secret}`;
    const versions = this.secrets.get(name) ?? [];
    versions.push({
      n: versions.length + 1,
      data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'),
      state: seed.state ?? 'ENABLED',
      createTime: seed.created ?? now(),
    });
    this.secrets.set(name, versions);
    if (!this.info.has(name)) {
      this.info.set(name, {
        createTime: seed.created ?? now(),
        ...(seed.nextRotation ? { rotation: { nextRotationTime: stamp(seed.nextRotation) }, topics: [{ name: `projects/${project}/topics/rotation` }] } : {}),
        ...(seed.expire ? { expireTime: stamp(seed.expire) } : {}),
      });
    }
    return versions.length;
  }

  /** Drops every version of a secret, keeping the secret (as after destroying them all). */
  removeVersions(project: string, secret: string): void {
    const name = `projects/${project}/secrets/${secret}`;
    if (this.secrets.has(name)) this.secrets.set(name, []);
  }

  /** The payload of a secret's newest version, as text (tests that create secrets read it back here). */
  latestPayload(project: string, secret: string): string | undefined {
    const versions = this.secrets.get(`projects/${project}/secrets/${secret}`);
    return versions?.[versions.length - 1]?.data.toString('utf8');
  }

  private secretResource(name: string): unknown {
    const info = this.info.get(name) ?? { createTime: now() };
    return {
      name,
      replication: { automatic: {} },
      createTime: stamp(info.createTime),
      ...(info.rotation ? { rotation: info.rotation } : {}),
      ...(info.topics ? { topics: info.topics } : {}),
      ...(info.expireTime ? { expireTime: info.expireTime } : {}),
      etag: `"${info.createTime.toString(16)}"`,
    };
  }

  private versionResource(secret: string, v: Version): unknown {
    return { name: `${secret}/versions/${v.n}`, createTime: stamp(v.createTime), state: v.state, etag: `"${v.createTime.toString(16)}${v.n}"` };
  }

  private async getSecret(name: string, cb: grpc.sendUnaryData<unknown>): Promise<void> {
    this.requests.push({ method: 'GetSecret', name });
    const fault = this.fault?.({ method: 'GetSecret', name });
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms).unref());
    if (fault?.kind === 'status') return cb({ code: fault.code, details: fault.details });
    if (!this.secrets.has(name)) return cb({ code: grpc.status.NOT_FOUND, details: `Secret [${name}] not found.` });
    cb(null, this.secretResource(name));
  }

  private async getSecretVersion(name: string, cb: grpc.sendUnaryData<unknown>): Promise<void> {
    this.requests.push({ method: 'GetSecretVersion', name });
    const fault = this.fault?.({ method: 'GetSecretVersion', name });
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms).unref());
    if (fault?.kind === 'status') return cb({ code: fault.code, details: fault.details });
    const m = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!m) return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'Invalid resource field value in the request.' });
    const v = this.pick(m[1], m[2]);
    if (!v) return cb({ code: grpc.status.NOT_FOUND, details: `Secret Version [${name}] not found.` });
    cb(null, this.versionResource(m[1], v));
  }

  /** A version by number, or "latest" (the newest enabled one, as `access` reads it). */
  private pick(secret: string, version: string): Version | undefined {
    const versions = this.secrets.get(secret) ?? [];
    return version === 'latest' ? [...versions].reverse().find((x) => x.state === 'ENABLED') : versions.find((x) => String(x.n) === version);
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
    const v = this.pick(m[1], m[2]);
    if (!v) return cb({ code: grpc.status.NOT_FOUND, details: `Secret Version [${name}] not found.` });
    if (v.state !== 'ENABLED')
      return cb({ code: grpc.status.FAILED_PRECONDITION, details: `Secret Version [${m[1]}/versions/${v.n}] is in ${v.state} state.` });
    cb(null, { name: `${m[1]}/versions/${v.n}`, payload: { data: v.data } });
  }
}

/** A resource with its Timestamps written as JSON writes them (RFC 3339 strings). */
function jsonTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonTimestamps);
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o.seconds === 'number' && typeof o.nanos === 'number' && Object.keys(o).length === 2) return new Date(o.seconds * 1000).toISOString();
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, jsonTimestamps(v)]));
}

// Standalone: node out/scripts/emulators/gcpSecretManagerFake.js [--port P]
if (require.main === module) {
  const i = process.argv.indexOf('--port');
  const fake = new GcpSecretManagerFake();
  void fake.start(i >= 0 ? Number(process.argv[i + 1]) : 0).then((port) => process.stdout.write(`listening on 127.0.0.1:${port}\n`));
}
