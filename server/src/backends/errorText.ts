/**
 * The text of an SDK error that is safe to show. A response the SDK could not parse is quoted
 * back in its error (Node's JSON.parse snippet, azure-core's "occurred while parsing the
 * response body - <body>"), and that body may hold a secret: such errors are never repeated.
 */
export function safeErrorText(e: unknown, status?: number): string {
  const err = e as { name?: unknown; message?: unknown };
  const text = typeof err?.message === 'string' ? err.message : String(e);
  if (err?.name === 'SyntaxError' || UNREADABLE.test(text)) {
    return `the backend's answer${status !== undefined ? ` (HTTP ${status})` : ''} could not be read as the protocol expects`;
  }
  return text;
}

const UNREADABLE = /Deserialization error|parsing the response body|is not valid JSON|Unexpected token|Unexpected end of JSON|JSON at position/i;

/** True when the error is about an unreadable answer (its text was withheld). */
export function isUnreadable(e: unknown): boolean {
  const err = e as { name?: unknown; message?: unknown };
  return err?.name === 'SyntaxError' || (typeof err?.message === 'string' && UNREADABLE.test(err.message));
}
