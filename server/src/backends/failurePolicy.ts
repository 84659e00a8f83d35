import { FailureKind, IdentityAnswer, Resolution, SecretListing } from './provider';
import { BackendSettings } from './settings';

/** Any answer the resolver caches. */
export type Answer = Resolution | SecretListing | IdentityAnswer;

/** The first retry of a failure that may pass by itself; each next one waits twice as long, up to `transientTtlMs`. */
export const FIRST_RETRY_MS = 5_000;
/** Never sooner, whatever the settings say: a 0 s setting must not turn into a request loop. */
const MIN_RETRY_MS = 1_000;

/**
 * Failures that say nothing about the source and can pass without an edit: missing or expired
 * credentials (`aws sso login`, `az login`, `gcloud auth` not done yet), throttling, a backend that
 * is down (5xx), slow (timeout) or answers with something unreadable (a proxy's error page). They
 * are kept briefly and asked again with backoff.
 *
 * The others are the backend's answer about the source itself (not found, access denied, an id
 * it refuses, the secret's content) and are kept for the cache TTL like any answer: asked again
 * once it has passed, on "Refresh secrets", or when that backend's credentials change. Asking
 * again every few seconds would not fix them, and would fill the audit log (CloudTrail, Azure
 * activity log) with denied calls that security teams alert on.
 */
export function isRetryable(kind: FailureKind): boolean {
  return kind === 'credentials' || kind === 'throttled' || kind === 'unreachable' || kind === 'timeout' || kind === 'other';
}

/** True for a failure the resolver asks again by itself (with backoff). */
export function retriesBySelf(value: Answer): boolean {
  return !value.ok && isRetryable(value.kind);
}

/**
 * How long `value` is reused: the cache TTL for answers, FIRST_RETRY_MS doubled for each failure
 * in a row before it (5 s, 10 s, 20 s, ...) up to `transientTtlMs` for failures that may pass.
 */
export function lifetimeMs(value: Answer, failuresInARow: number, settings: BackendSettings): number {
  if (!retriesBySelf(value)) return settings.cacheTtlMs;
  const cap = Math.max(MIN_RETRY_MS, settings.transientTtlMs);
  const backoff = FIRST_RETRY_MS * 2 ** Math.min(Math.max(failuresInARow - 1, 0), 20);
  return Math.min(backoff, cap);
}

/**
 * Two answers that would show the same: same names (or kind and message), whatever their fetch
 * times. A retry that brings the same answer is not reported, so nothing is republished for it.
 */
export function sameAnswer(a: Answer, b: Answer): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) {
    const fa = a as Extract<Answer, { ok: false }>;
    const fb = b as Extract<Answer, { ok: false }>;
    return fa.kind === fb.kind && fa.message === fb.message && fa.fix === fb.fix;
  }
  if (a.names.length !== b.names.length || a.names.some((n, i) => n !== b.names[i])) return false;
  const ma = 'meta' in a ? a.meta : undefined;
  const mb = 'meta' in b ? b.meta : undefined;
  if (ma?.resolvedId !== mb?.resolvedId || ma?.identity !== mb?.identity || ma?.roleUsed !== mb?.roleUsed) return false;
  const ia = 'identity' in a ? `${a.identity}|${a.detail ?? ''}` : '';
  const ib = 'identity' in b ? `${b.identity}|${b.detail ?? ''}` : '';
  return ia === ib;
}
