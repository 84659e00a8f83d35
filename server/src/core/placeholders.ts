import { PyValue, pyStrRepr } from './literals';

// Examples and templates leave placeholders in `sources`; Python accepts them and Metaflow only
// fails when a task starts (or asks a backend for a secret named "TODO"). Kept deliberately
// narrow: a real secret name must never look like one of these.
const PLACEHOLDER_WORDS = /^(todo|fixme|tbd|xxx+|changeme|change[-_]me|replaceme|replace[-_]me|your[-_]secret([-_](name|id))?|secret[-_]name[-_]here)$/i;

/** Whether a secret name (or the id after a type) is a placeholder rather than a name. */
export function isPlaceholderName(s: string): boolean {
  const t = s.trim();
  return t === '' || t === '...' || t === '…' || /^<[^<>]*>$/.test(t) || /^\{\{[^{}]*\}\}$/.test(t) || PLACEHOLDER_WORDS.test(t);
}

/**
 * How a source item is shown when it is a placeholder, or undefined when it is not one.
 * A string is a placeholder when it is one as a whole ("...", "<your-secret>", "TODO") or its
 * id after a type prefix is ("aws-secrets-manager.<name>").
 */
export function placeholderItem(v: PyValue): string | undefined {
  if (v.kind === 'ellipsis') return '`...`';
  if (v.kind !== 'str') return undefined;
  if (isPlaceholderName(v.value)) return pyStrRepr(v.value);
  const dot = v.value.indexOf('.');
  if (dot > 0 && isPlaceholderName(v.value.slice(dot + 1))) return pyStrRepr(v.value);
  return undefined;
}

/** MFS025's message: what the placeholder is, then what Metaflow does with it. */
export function placeholderMessage(shown: string, outcome: { fails: string } | { asks: string; id: string }): string {
  const lead = `${shown} is a placeholder, not a secret source: replace it with the secret's name.`;
  if ('fails' in outcome) return `${lead} When the task starts, Metaflow fails: ${outcome.fails}`;
  return `${lead} When the task starts, Metaflow asks ${outcome.asks} for a secret with id ${pyStrRepr(outcome.id)}, and the task fails unless one exists.`;
}

/** `sources=...`: Metaflow iterates it. */
export const ELLIPSIS_SOURCES_MESSAGE =
  "sources=... is a placeholder, not a list of sources. When the task starts, Metaflow iterates it and fails with TypeError: 'ellipsis' object is not iterable";
