import * as v8 from 'v8';

/**
 * How far V8 lets the JS heap grow past what the last full collection kept, in percent. Left to
 * itself on a machine with plenty of memory it waits until the heap is four times the live set:
 * the analysis of a huge paste leaves large strings and node wrappers behind, and the server's
 * resident memory would swing by well over 100 MB before they are collected. At 1.5 times a full
 * collection comes sooner (some 10-20 ms each with this server's live set of ~35 MB).
 */
const HEAP_GROWING_PERCENT = 50;

/** For the language server process only (never the extension host or a library user). */
export function limitHeapGrowth(): void {
  // V8 reads this flag at every collection, so setting it after start-up takes effect at once.
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
