import { Finding } from './findings';

/**
 * A finding's text as an editor shows it: the headline is the Problems row (Metaflow's own words
 * where it has them), the detail is the explanation behind it (the hover, related information).
 */
export interface MessageParts {
  headline: string;
  detail?: string;
}

/** Messages up to this length are one row as they are. */
export const HEADLINE_MAX = 120;

/**
 * The headline and detail of a finding. Messages are written "Statement. Explanation." or
 * "Statement: explanation"; a finding whose statement is not its first sentence says so
 * with `summary` (the whole message is then the detail).
 */
export function messageParts(f: Pick<Finding, 'message' | 'summary'>): MessageParts {
  if (f.summary && f.summary !== f.message) return { headline: f.summary, detail: f.message };
  return splitMessage(f.message);
}

/** botocore's wrapper around AWS's own words, which Metaflow prints as it is. */
const BOTOCORE = /An error occurred \((\w+)\) when calling the (\w+) operation: /;

export function splitMessage(text: string): MessageParts {
  if (text.length <= HEADLINE_MAX) return { headline: text };
  const boto = BOTOCORE.exec(text);
  if (boto) {
    // The row keeps AWS's sentence; which exception and operation is detail.
    const parts = splitMessage(text.replace(boto[0], ''));
    const call = `(${boto[1]}, from ${boto[2]})`;
    return { headline: parts.headline, detail: parts.detail ? `${parts.detail} ${call}` : call };
  }
  const b = boundaries(text);
  const sentence = b.sentence !== undefined ? b.sentence + 1 : undefined;
  // The first sentence when it is short enough; else the shorter of it and the first clause.
  let cut = sentence !== undefined && sentence <= HEADLINE_MAX ? sentence : undefined;
  if (cut === undefined) {
    const ends = [sentence, b.clause].filter((x): x is number => x !== undefined);
    cut = ends.length ? Math.min(...ends) : undefined;
  }
  if (cut === undefined) return { headline: text };
  let headline = text.slice(0, cut).trim();
  let detail = capitalise(text.slice(cut + 1).trim());
  // A suggestion is the point of the row: it stays in it.
  const suggestion = /(?:^|\s)(Did you mean [^?]*\?(?: \(listed in [^)]*\))?)/.exec(detail);
  if (suggestion) {
    headline = `${headline.replace(/[.:;]$/, '')}. ${suggestion[1]}`;
    detail = detail
      .replace(suggestion[1], '')
      .replace(/\s{2,}/g, ' ')
      .trim();
  }
  return detail ? { headline, detail } : { headline };
}

/**
 * Index of the first sentence end ('.' before a space and a capital, quote or `@`) and of the
 * first clause end (': ' or '; '), outside quotes, backticks and brackets.
 */
function boundaries(text: string): { sentence?: number; clause?: number } {
  let depth = 0;
  let quote: string | undefined;
  let sentence: number | undefined;
  let clause: number | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const prev = text[i - 1] ?? ' ';
    const next = text[i + 1] ?? ' ';
    if (quote) {
      // An apostrophe inside a word ("step's") does not close a quote.
      if (c === quote && (quote !== "'" || !/[A-Za-z0-9]/.test(next))) quote = undefined;
      continue;
    }
    if (c === '`' || ((c === "'" || c === '"') && !/[A-Za-z0-9]/.test(prev))) {
      quote = c;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    if (depth > 0 || next !== ' ') continue;
    const after = text[i + 2] ?? '';
    if (c === '.' && sentence === undefined && prev !== '.' && /[A-Z'"`@]/.test(after) && !/\b(?:e\.g|i\.e)$/.test(text.slice(0, i))) sentence = i;
    if ((c === ':' || c === ';') && clause === undefined) clause = i;
  }
  return { sentence, clause };
}

/** "it is written…" → "It is written…"; names and quoted text are left as they are. */
function capitalise(s: string): string {
  return /^[a-z]+[\s,]/.test(s) ? s[0].toUpperCase() + s.slice(1) : s;
}
