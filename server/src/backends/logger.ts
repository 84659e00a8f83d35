/**
 * Where the resolver says what it does. Messages carry ids, names and counts, never values:
 * the canary tests capture everything written here.
 */
export interface ResolverLogger {
  info(message: string): void;
  warn(message: string): void;
}

export const SILENT_LOGGER: ResolverLogger = { info() {}, warn() {} };
