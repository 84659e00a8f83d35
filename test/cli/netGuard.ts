// Loaded with `node --require` into the checked command: records every outgoing TCP connection
// and DNS lookup to the file named by NET_GUARD_LOG (one JSON line each) and refuses any that is
// not to loopback. Every client (http, https, http2/gRPC, fetch) connects through net.Socket.
// `import x = require()` gives the modules themselves (not getter-only copies), so they can be patched.
import dns = require('dns');
import fs = require('fs');
import net = require('net');

const logFile = process.env.NET_GUARD_LOG;
if (!logFile) throw new Error('netGuard: NET_GUARD_LOG is not set');

function record(entry: Record<string, unknown>): void {
  fs.appendFileSync(logFile as string, JSON.stringify(entry) + '\n');
}

function isLoopback(host: string | undefined): boolean {
  return host === undefined || host === 'localhost' || host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;
const originalConnect = net.Socket.prototype.connect as unknown as Connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  // connect(options[, cb]), connect(port[, host][, cb]), connect(path[, cb]); node's internals
  // pass a normalised [options, cb] array as the first argument.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  let host: string | undefined;
  let port: unknown;
  let pathName: unknown;
  if (first && typeof first === 'object') {
    const o = first as { host?: string; port?: unknown; path?: unknown };
    host = o.host;
    port = o.port;
    pathName = o.path ?? undefined;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : undefined;
  } else if (typeof first === 'string') {
    pathName = first;
  }
  if (typeof pathName === 'string') {
    record({ kind: 'ipc', path: String(pathName) });
    return originalConnect.apply(this, args);
  }
  record({ kind: 'connect', host: host ?? 'localhost', port, allowed: isLoopback(host) });
  if (!isLoopback(host)) {
    const err = Object.assign(new Error(`netGuard: connection to ${host}:${String(port)} refused in this test`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return originalConnect.apply(this, args);
} as typeof net.Socket.prototype.connect;

type Lookup = (hostname: string, ...rest: unknown[]) => void;
const originalLookup = dns.lookup as unknown as Lookup;
(dns as unknown as { lookup: Lookup }).lookup = function (hostname: string, ...rest: unknown[]) {
  record({ kind: 'lookup', host: hostname, allowed: isLoopback(hostname) });
  if (!isLoopback(hostname)) {
    const cb = rest[rest.length - 1];
    const err = Object.assign(new Error(`netGuard: lookup of ${hostname} refused in this test`), { code: 'ENOTFOUND', hostname });
    if (typeof cb === 'function') process.nextTick(() => (cb as (e: Error) => void)(err));
    return;
  }
  return originalLookup.call(dns, hostname, ...rest);
};
const promises = dns.promises as unknown as { lookup: (hostname: string, ...rest: unknown[]) => Promise<unknown> };
const originalPromiseLookup = promises.lookup;
promises.lookup = async function (hostname: string, ...rest: unknown[]) {
  record({ kind: 'lookup', host: hostname, allowed: isLoopback(hostname) });
  if (!isLoopback(hostname)) throw Object.assign(new Error(`netGuard: lookup of ${hostname} refused in this test`), { code: 'ENOTFOUND', hostname });
  return originalPromiseLookup.call(dns.promises, hostname, ...rest);
};
