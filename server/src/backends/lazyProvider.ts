import { SecretProvider } from './provider';
import { BackendSettings } from './settings';

const LOADED = Symbol('loaded');

/**
 * A provider whose module (and SDK) is loaded on first use: a server that never asks GCP never
 * loads gRPC, and an untrusted or offline one loads no SDK at all (tens of MB of heap and code).
 * Every member but `type`, `dispose` and an offline `settingsFingerprint` is the real provider's,
 * so methods added to a provider later need nothing here.
 */
export function lazyProvider(type: string, load: () => SecretProvider): SecretProvider {
  let real: SecretProvider | undefined;
  const get = () => (real ??= load());
  const fingerprint = (s: BackendSettings) => (s.offline ? '' : get().settingsFingerprint(s));
  return new Proxy({ type } as SecretProvider, {
    get(_target, prop) {
      if (prop === 'type') return type;
      if (prop === LOADED) return real !== undefined;
      if (prop === 'dispose') return () => real?.dispose?.();
      if (prop === 'settingsFingerprint') return fingerprint;
      const value = (get() as unknown as Record<string | symbol, unknown>)[prop];
      return typeof value === 'function' ? value.bind(real) : value;
    },
    has(_target, prop) {
      return prop === 'type' || prop in get();
    },
  });
}

/** False only for a lazy provider whose module has not been loaded yet. */
export function isLoaded(p: SecretProvider): boolean {
  return (p as unknown as Record<symbol, unknown>)[LOADED] !== false;
}
