// Percentiles and the printed table.

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of a sample of milliseconds. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { n: s.length, p50: rank(50), p95: rank(95), p99: rank(99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export function ms(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return 'n/a';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export interface Row {
  measure: string;
  n?: number | string;
  p50?: string;
  p95?: string;
  p99?: string;
  other?: string;
}

export function latencyRow(measure: string, s: Summary, other = ''): Row {
  return { measure, n: s.n, p50: ms(s.p50), p95: ms(s.p95), p99: ms(s.p99), other: other || `max ${ms(s.max)}` };
}

export function renderTable(rows: Row[]): string {
  const head: Row = { measure: 'measure', n: 'n', p50: 'p50 ms', p95: 'p95 ms', p99: 'p99 ms', other: 'other' };
  const cells = (r: Row) => [r.measure, String(r.n ?? ''), r.p50 ?? '', r.p95 ?? '', r.p99 ?? '', r.other ?? ''];
  const all = [head, ...rows].map(cells);
  const widths = all[0].map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => (i === 0 || i === 5 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i === 0 || i === 5 ? '-' : '-').repeat(w + 2)).join('|') + '|';
  return [line(all[0]), sep, ...all.slice(1).map(line)].join('\n');
}

export interface Target {
  name: string;
  measured: string;
  pass: boolean | undefined;
  note?: string;
}

export function renderTargets(targets: Target[]): string {
  const w = Math.max(...targets.map((t) => t.name.length));
  return targets
    .map((t) => `${t.pass === undefined ? 'N/A ' : t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(w)}  ${t.measured}${t.note ? `  (${t.note})` : ''}`)
    .join('\n');
}
