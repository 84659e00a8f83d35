// Summarises a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function, as
// percentages of the sampled time spent outside the idle and program nodes.
//   node out/bench/profileSummary.js <file.cpuprofile> [top]
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  name: string;
  selfPct: number;
  totalPct: number;
}

export function summarizeProfile(file: string): { busyMs: number; functions: FunctionCost[] } {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${path.basename(n.callFrame.url || '')}:${n.callFrame.lineNumber + 1}`;
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  let busy = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)' || fn === '(root)') return;
    busy += dt;
    selfUs.set(label(n), (selfUs.get(label(n)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      totalUs.set(l, (totalUs.get(l) ?? 0) + dt);
    }
  });
  const functions = [...totalUs.entries()].map(([name, t]) => ({ name, totalPct: (100 * t) / busy, selfPct: (100 * (selfUs.get(name) ?? 0)) / busy }));
  return { busyMs: busy / 1000, functions };
}

if (require.main === module) {
  const [file, topArg] = process.argv.slice(2);
  const top = Number(topArg ?? 25);
  const { busyMs, functions } = summarizeProfile(file);
  console.log(`busy ${busyMs.toFixed(0)} ms`);
  console.log('-- by self time');
  for (const f of [...functions].sort((a, b) => b.selfPct - a.selfPct).slice(0, top)) console.log(`${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}`);
  console.log('-- by inclusive time');
  for (const f of [...functions].sort((a, b) => b.totalPct - a.totalPct).slice(0, top)) console.log(`${f.totalPct.toFixed(1).padStart(5)}%  ${f.name}`);
}
