import { failure, FailedResolution } from './provider';

/**
 * The resolver aborts a call with one of these reasons; providers turn an aborted call into
 * the matching failure, whatever error the SDK threw on the way out.
 */
export class TimeoutReason extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export class CancelReason extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

export function abortedFailure(signal: AbortSignal, what: string): FailedResolution {
  const r = signal.reason;
  if (r instanceof TimeoutReason) {
    return failure('timeout', `No answer from ${what} within ${r.ms / 1000} s; the editor will ask again later.`);
  }
  return failure('cancelled', `Cancelled asking ${what}.`);
}

/** Rejects as soon as the signal aborts, so a call whose SDK ignores the signal still ends on time. */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A transport failure (no HTTP answer at all). */
export function isNetworkError(e: unknown): boolean {
  const err = e as { code?: unknown; cause?: { code?: unknown }; errno?: unknown };
  return (typeof err?.code === 'string' && NETWORK_CODES.has(err.code)) || (typeof err?.cause?.code === 'string' && NETWORK_CODES.has(err.cause.code));
}
