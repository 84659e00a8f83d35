import { findNodeAtLocation, Node as JsonNode, parseTree } from 'jsonc-parser';
import { Finding, finding } from './findings';
import { MetaflowConfig } from './metaflowConfig';
import { computeLineStarts } from './parser';
import { Position, Range } from './positions';
import { badDashFlag, checkWithSecrets, KnownTypes } from './withSecrets';

function positionAt(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - lineStarts[lo] };
}

/**
 * Checks `--with secrets:...` in the `args` of launch configurations (debugpy/python ones and our
 * own `metaflow` type), so a shared launch.json never carries a spec Metaflow reads differently.
 */
export function checkLaunchJson(text: string, config: MetaflowConfig, types: KnownTypes = {}): Finding[] {
  const root = parseTree(text);
  if (!root) return [];
  const lineStarts = computeLineStarts(text);
  const rangeOf = (offset: number, length: number): Range => ({ start: positionAt(lineStarts, offset), end: positionAt(lineStarts, offset + length) });
  const findings: Finding[] = [];
  const configs = findNodeAtLocation(root, ['configurations']);
  for (const cfg of configs?.children ?? []) {
    const args = findNodeAtLocation(cfg, ['args']);
    if (args?.type !== 'array') continue;
    const items = args.children ?? [];
    items.forEach((item, i) => {
      if (item.type !== 'string') return;
      const value = item.value as string;
      if (badDashFlag(value)) {
        findings.push(
          finding(
            'MFS020',
            rangeOf(item.offset, item.length),
            `'${value.slice(0, 6)}…' starts with a typographic dash, not '--': the shell passes it as a plain argument and Metaflow never sees a --with option. Type two hyphens.`,
          ),
        );
      }
      let spec: string | undefined;
      let specNode: JsonNode | undefined;
      if (value === '--with' && items[i + 1]?.type === 'string') {
        specNode = items[i + 1];
        spec = specNode.value as string;
      } else if (value.startsWith('--with=')) {
        specNode = item;
        spec = value.slice('--with='.length);
      }
      if (!spec || !specNode || !spec.startsWith('secrets')) return;
      const node = specNode;
      const lead = node === item ? '--with='.length : 0;
      // Offsets inside the JSON string: +1 for the opening quote; escapes make this approximate,
      // so a range is clamped to the string literal.
      const map = (offset: number, length: number): Range => {
        const start = Math.min(node.offset + 1 + lead + offset, node.offset + node.length - 1);
        const end = Math.min(start + length, node.offset + node.length - 1);
        return rangeOf(start, end - start);
      };
      findings.push(...checkWithSecrets(spec, map, config, types));
    });
  }
  return findings;
}
