import { analyse } from './harness';
import { CORPUS } from './corpus';
import { expected } from './corpusScore';

// The labelled corpus as the offline CLI sees it: every step's @secrets names unknown. A certain
// leak (MFS050-053) there can only be an assumed one (MFS055), so either code counts; other
// labels must match exactly. Cases that set their own names or modes keep them.

const ASSUMABLE = new Set(['MFS050', 'MFS051', 'MFS052', 'MFS053']);

export interface OfflineScore {
  tp: number;
  fp: number;
  fn: number;
  problems: string[];
}

export async function scoreCorpusOffline(): Promise<OfflineScore> {
  const s: OfflineScore = { tp: 0, fp: 0, fn: 0, problems: [] };
  for (const c of CORPUS) {
    const own = c.opts?.names !== undefined || c.opts?.perStep !== undefined || c.opts?.complete !== undefined || c.opts?.conservative;
    const findings = await analyse(c.src, own ? c.opts : { ...c.opts, names: [], complete: false });
    const want = [...expected(c.src)];
    const got = findings.map((f) => `${f.range.start.line}:${f.code}`);
    const matches = (w: string, g: string): boolean => {
      if (w === g) return true;
      const [wl, wc] = w.split(':');
      const [gl, gc] = g.split(':');
      return wl === gl && !own && ASSUMABLE.has(wc) && gc === 'MFS055';
    };
    const fps = got.filter((g) => !want.some((w) => matches(w, g)));
    const fns = want.filter((w) => !got.some((g) => matches(w, g)));
    s.tp += want.length - fns.length;
    s.fp += fps.length;
    s.fn += fns.length;
    if (fps.length || fns.length) s.problems.push(`${c.id}: FP [${fps.join(' ')}] FN [${fns.join(' ')}]`);
  }
  return s;
}

if (require.main === module) {
  void scoreCorpusOffline().then((s) => {
    console.log(
      `offline corpus: tp ${s.tp} fp ${s.fp} fn ${s.fn}; precision ${(s.tp / (s.tp + s.fp || 1)).toFixed(3)} recall ${(s.tp / (s.tp + s.fn)).toFixed(3)}`,
    );
    for (const p of s.problems) console.log(`  ${p}`);
  });
}
