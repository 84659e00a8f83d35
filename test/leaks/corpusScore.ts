import { Finding } from '../../server/src/core/findings';
import { analyse } from './harness';
import { CorpusCase } from './corpus';

export interface CaseResult {
  id: string;
  truePositives: string[];
  falsePositives: string[];
  falseNegatives: string[];
}

const MARKER = /#\s*LEAK\s+((?:MFS\d{3}\s*)+)$/;

/** Expected findings of a case: `line:code` for each `# LEAK MFSxxx` marker. */
export function expected(src: string): Set<string> {
  const out = new Set<string>();
  src.split('\n').forEach((line, i) => {
    const m = MARKER.exec(line);
    if (m) for (const code of m[1].trim().split(/\s+/)) out.add(`${i}:${code}`);
  });
  return out;
}

export async function scoreCase(c: CorpusCase): Promise<CaseResult & { findings: Finding[] }> {
  const findings = await analyse(c.src, c.opts);
  const want = expected(c.src);
  const got = new Set(findings.map((f) => `${f.range.start.line}:${f.code}`));
  return {
    id: c.id,
    findings,
    truePositives: [...got].filter((g) => want.has(g)),
    falsePositives: [...got].filter((g) => !want.has(g)),
    falseNegatives: [...want].filter((w) => !got.has(w)),
  };
}
