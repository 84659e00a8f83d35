import { parseTree } from 'jsonc-parser';
import { misnamedConfig, misnamedText } from './configNames';
import { Finding, finding } from './findings';
import { positionAt, Range } from './positions';

/**
 * MFS041 inside a Metaflow config file (`.metaflow/config.json`, `$METAFLOW_HOME/config*.json`):
 * the misnamed key itself is marked, with a fix that renames it. `file` is how messages name it.
 */
export function configFileFindings(text: string, file: string): Finding[] {
  const root = parseTree(text);
  if (!root || root.type !== 'object') return [];
  const out: Finding[] = [];
  for (const prop of root.children ?? []) {
    const key = prop.children?.[0];
    if (!key || typeof key.value !== 'string') continue;
    for (const m of misnamedConfig([key.value], file)) {
      const range = rangeOf(text, key.offset, key.length);
      out.push(
        finding('MFS041', range, `${misnamedText(m)}.`, {
          fixes: [{ title: `Rename to ${m.meant}`, edits: [{ range, newText: JSON.stringify(m.meant) }], isPreferred: true }],
        }),
      );
    }
  }
  return out;
}

function rangeOf(text: string, offset: number, length: number): Range {
  return { start: positionAt(text, offset), end: positionAt(text, offset + length) };
}
