/**
 * What is analysed, decided once for the editor and the CLI alike: which files are read from
 * disk and which texts are worth parsing. (The parse and character budgets of an open document
 * are the core's, in core/parseBudget.ts.)
 */

/** Files larger than this are generated code, not flows: neither checked nor indexed. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/** A cheap look at raw text before parsing: a file without these cannot hold a flow or a secret. */
const MAY_MATTER = /metaflow|@secrets|@step|get_secret/;

export function mayHoldFlow(text: string): boolean {
  return MAY_MATTER.test(text);
}

/** The background index only summarises modules that mention Metaflow (others load when imported). */
export function mentionsMetaflow(text: string): boolean {
  return text.includes('metaflow');
}

export function tooLargeReason(bytes: number): string {
  return `it is ${(bytes / 1024 / 1024).toFixed(1)} MiB, more than the ${MAX_SOURCE_BYTES / 1024 / 1024} MiB checked`;
}
