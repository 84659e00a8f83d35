import { Finding } from '../../server/src/core/findings';
import { analyzeDocument } from '../../server/src/core/analyzer';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { PythonParser } from '../../server/src/core/parser';
import { expected } from './corpusScore';
import { RealCase } from './realCorpusTypes';

const LEAK_CODE = /^MFS05\d$/;

/** The analysis the offline CLI runs (default backend type configured, no backend asked), leak findings only. */
let parser: Promise<PythonParser> | undefined;

export async function analyseOffline(c: RealCase): Promise<Finding[]> {
  const p = await (parser ??= PythonParser.create());
  const docTree = p.parse(c.src);
  const g = analyzeDocument(p, c.src, docTree, {
    config: fixedConfig({ DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' }),
    leaks: { severity: 'warning', conservative: false },
  });
  if (g.ownsTree) g.tree.delete();
  docTree.delete();
  return g.analysis.findings.filter((f) => LEAK_CODE.test(f.code));
}

export interface RealScore {
  tp: number;
  fp: number;
  fn: number;
  problems: string[];
}

export async function scoreReal(cases: readonly RealCase[]): Promise<RealScore> {
  const s: RealScore = { tp: 0, fp: 0, fn: 0, problems: [] };
  for (const c of cases) {
    const got = new Set((await analyseOffline(c)).map((f) => `${f.range.start.line}:${f.code}`));
    const want = expected(c.src);
    const fps = [...got].filter((g) => !want.has(g));
    const fns = [...want].filter((w) => !got.has(w));
    s.tp += want.size - fns.length;
    s.fp += fps.length;
    s.fn += fns.length;
    if (fps.length || fns.length) s.problems.push(`${c.id}: FP [${fps.join(' ')}] FN [${fns.join(' ')}]`);
  }
  return s;
}
