// `npm run bench`: holds the built language server to an editor's budget, side by side with
// Pyright. Prints a table and PASS/MISS per target. Generated files go to a temp dir.
//   node out/bench/main.js [--quick] [--only=latency,indexing,session] [--sizes=200,2000,20000]
//     [--edits=240] [--edit-budget=60] [--index=100,1000,5000] [--session-keystrokes=500]
//     [--session-flows=10] [--session-lines=300] [--pyright-budget=90] [--profile=<dir>] [--json=<file>]
//     [--storm-docs=50] [--storm-rate=200] [--storm-seconds=30] [--storm-lines=1000]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IndexingResult, measureIndexing } from './indexingScenario';
import { LatencyResult, measureLatency } from './latencyScenario';
import { summarizeProfile } from './profileSummary';
import { ourServerPath, pyrightPath, REPO } from './servers';
import { awsBackends, measureSession, SessionResult } from './sessionScenario';
import { measureStorm, StormResult } from './stormScenario';
import { CountingAwsEmulator, EMULATOR_ENV } from './awsEmulator';
import { latencyRow, ms, renderTable, renderTargets, Row, summarize, Target } from './stats';

interface Options {
  only: Set<string>;
  sizes: number[];
  edits: number;
  editBudgetMs: number;
  index: number[];
  sessionKeystrokes: number;
  sessionFlows: number;
  sessionLines: number;
  pyrightBudgetMs: number;
  storm: { docs: number; editsPerSecond: number; seconds: number; linesPerDoc: number };
  profileDir?: string;
  json?: string;
  /** Where to write the dated results table (bench/RESULTS.md with a bare --write-results). */
  writeResults?: string;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const get = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
  const nums = (k: string, d: number[]) => (get(k) ? get(k)!.split(',').map(Number) : d);
  const num = (k: string, d: number) => (get(k) ? Number(get(k)) : d);
  return {
    only: new Set((get('only') ?? 'latency,indexing,session,storm').split(',')),
    sizes: nums('sizes', quick ? [200, 2000] : [200, 2000, 20000]),
    edits: num('edits', quick ? 60 : 240),
    editBudgetMs: num('edit-budget', quick ? 20 : 40) * 1000,
    index: nums('index', quick ? [100, 1000] : [100, 1000, 5000]),
    sessionKeystrokes: num('session-keystrokes', quick ? 100 : 500),
    sessionFlows: num('session-flows', 10),
    sessionLines: num('session-lines', 300),
    pyrightBudgetMs: num('pyright-budget', quick ? 20 : 60) * 1000,
    storm: {
      docs: num('storm-docs', 50),
      editsPerSecond: num('storm-rate', 200),
      seconds: num('storm-seconds', quick ? 10 : 30),
      linesPerDoc: num('storm-lines', 1000),
    },
    profileDir: get('profile'),
    json: get('json'),
    writeResults: get('write-results') ?? (argv.includes('--write-results') ? path.join(REPO, 'bench', 'RESULTS.md') : undefined),
  };
}

// The AWS SDK warns about this Node version on every client; that says nothing about the benchmark.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

/** The commit the measured source comes from, and whether server/ or shared/ had local changes. */
function sourceRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'shared'], { cwd: REPO, encoding: 'utf8' }).trim();
    return `source ${head}${dirty ? ' + uncommitted changes in server/ or shared/' : ''}`;
  } catch {
    return 'source revision unknown';
  }
}

const progress = (s: string) => process.stderr.write(s + '\n');
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  for (const f of [ourServerPath(), ...(o.only.has('session') ? [pyrightPath()] : [])]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing (run: node scripts/build.mjs; npm ci)`);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-bench-'));
  const started = Date.now();
  const loadBefore = loadavg();
  const rows: Row[] = [];
  const targets: Target[] = [];
  /** A scenario that failed (a server crash, a timeout) is reported as a row; the others still run. */
  const failures: Row[] = [];
  const latency: LatencyResult[] = [];
  const indexing: IndexingResult[] = [];
  let session: SessionResult | undefined;
  let storm: StormResult | undefined;
  // One AWS emulator for every scenario that runs our server with backends, so their answers are cached as in use.
  let aws: CountingAwsEmulator | undefined;
  let awsError: string | undefined;
  if (o.only.has('latency') || o.only.has('session')) {
    progress('starting the AWS emulator (moto) on 127.0.0.1');
    try {
      aws = new CountingAwsEmulator();
      await aws.start();
    } catch (e) {
      awsError = (e as Error).message;
      progress(`  AWS emulator unavailable (${awsError}); latency runs offline, backend counts n/a`);
      await aws?.stop().catch(() => undefined);
      aws = undefined;
    }
  }
  try {
    if (o.only.has('latency')) {
      for (const size of o.sizes) {
        progress(`latency: ${size}-line flow`);
        const profileDir = o.profileDir && (size === 2000 || o.sizes.length === 1) ? o.profileDir : undefined;
        // The targets are judged at 2,000 lines: that size gets enough time for its ≥ 200 edits even on a slow server.
        const budgetMs = size === 2000 ? Math.max(o.editBudgetMs, 150_000) : o.editBudgetMs;
        try {
          latency.push(
            await measureLatency(size, {
              root,
              edits: o.edits,
              budgetMs,
              progress,
              cpuProfileDir: profileDir,
              backends: aws ? awsBackends(aws) : undefined,
              env: EMULATOR_ENV,
            }),
          );
        } catch (e) {
          failures.push({ measure: `latency, ${size} lines`, other: `failed: ${(e as Error).message}` });
        }
      }
    }
    if (o.only.has('indexing')) {
      for (const n of o.index) {
        progress(`indexing: ${n} flow files`);
        try {
          indexing.push(await measureIndexing(n, root, o.profileDir && n === 1000 ? path.join(o.profileDir, 'index-1000') : undefined));
        } catch (e) {
          failures.push({ measure: `index ${n} flow files`, other: `failed: ${(e as Error).message}` });
        }
      }
    }
    if (o.only.has('session')) {
      progress(`session: ${o.sessionKeystrokes} keystrokes across ${o.sessionFlows} flows`);
      try {
        session = await measureSession(
          { root, flows: o.sessionFlows, linesPerFlow: o.sessionLines, keystrokes: o.sessionKeystrokes, pyrightBudgetMs: o.pyrightBudgetMs, progress },
          aws,
          awsError,
        );
      } catch (e) {
        failures.push({ measure: 'editing session', other: `failed: ${(e as Error).message}` });
      }
    }
    if (o.only.has('storm')) {
      progress(`storm: ${o.storm.docs} documents, ${o.storm.editsPerSecond} edits/s for ${o.storm.seconds} s`);
      try {
        storm = await measureStorm({ root, ...o.storm, progress });
      } catch (e) {
        failures.push({ measure: 'edit storm', other: `failed: ${(e as Error).message}` });
      }
    }
  } finally {
    await aws?.stop().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  }

  for (const l of latency) {
    const open = summarize(l.openMs);
    rows.push({
      measure: `didOpen → diagnostics, ${l.lines} lines`,
      n: open.n,
      p50: ms(open.p50),
      p95: '',
      p99: '',
      other: `first (cold) ${ms(l.openMs[0])}, max ${ms(open.max)}`,
    });
    const ch = summarize(l.changeMs);
    const notes = [`cpu/edit ${ms(l.cpuPerEditMs)}`];
    if (l.capped) notes.push(`capped by time budget at ${ch.n}/${l.plannedEdits}`);
    if (l.missing) notes.push(`${l.missing} without diagnostics`);
    rows.push(latencyRow(`didChange → diagnostics, ${l.lines} lines`, ch, `${notes.join(', ')}, max ${ms(ch.max)}`));
    rows.push(latencyRow(`hover, ${l.lines} lines`, summarize(l.hoverMs), `${l.hoverAnswered}/${l.hoverMs.length} answered`));
    rows.push(latencyRow(`completion, ${l.lines} lines`, summarize(l.completionMs), `up to ${l.completionItems} items`));
  }
  for (const x of indexing) {
    rows.push({
      measure: `index ${x.files} flow files (${x.lines} lines)`,
      n: 1,
      p50: ms(x.wallMs),
      other: `cpu ${ms(x.cpuMs)} ms; server says ${x.reportedMs ?? '?'} ms for ${x.modules ?? '?'} modules of ${x.pythonFiles ?? '?'} files; peak RSS ${x.peakRssMiB?.toFixed(0) ?? '?'} MiB`,
    });
  }
  if (session) {
    const ours = summarize(session.ours.changeMs);
    rows.push(
      latencyRow(
        `session ours: ${session.keystrokes} keys, ${session.flows}×${session.linesPerFlow} lines`,
        ours,
        `cpu/edit ${ms(session.ours.cpuPerEditMs)}, ${session.ours.missing} without diagnostics, RSS ${session.ours.peakRssMiB?.toFixed(0)} MiB`,
      ),
    );
    if (session.pyright) {
      const py = summarize(session.pyright.changeMs);
      rows.push(
        latencyRow(
          `session pyright: same files, same keys`,
          py,
          `cpu/edit ${ms(session.pyright.cpuPerEditMs)}${session.pyright.budgetExhausted ? `, first ${session.pyright.perKeystroke.length} keys (time budget)` : ''}, ${session.pyright.missing} without diagnostics, RSS ${session.pyright.peakRssMiB?.toFixed(0)} MiB`,
        ),
      );
    } else rows.push({ measure: 'session pyright', other: `failed: ${session.pyrightError}` });
    const b = session.backend;
    if (!b) rows.push({ measure: 'backend requests in session', other: `n/a (${session.backendError ?? 'no emulator'})` });
    else if (b.whole.get === 0)
      rows.push({ measure: 'backend requests in session', n: 0, other: 'n/a (backends not wired: the server made no Secrets Manager request)' });
    else {
      rows.push({ measure: 'backend requests while opening', n: b.duringOpen.get, other: `${b.duringOpen.distinct} distinct secret ids` });
      rows.push({
        measure: 'backend requests while typing',
        n: b.duringTyping.get,
        other: `${b.duringTyping.distinct} distinct ids, ${b.duringTyping.halfTyped} for ids caught half-typed (e.g. ${b.duringTyping.examples.join(', ') || 'none'}); ${b.whole.repeatedWithinTtl} repeated within TTL over the session (max ${b.whole.maxPerId} per id)`,
      });
    }
  }

  if (storm) {
    const fin = summarize(storm.finalDelayMs.filter(Number.isFinite));
    const never = storm.finalDelayMs.filter((x) => !Number.isFinite(x)).length;
    rows.push(
      latencyRow(
        `storm: last edit → final version, ${storm.docs}×${storm.linesPerDoc} lines`,
        fin,
        `${storm.editsSent} edits in ${storm.seconds.toFixed(1)} s, max ${ms(fin.max)}${never ? `, ${never} never published` : ''}, ${storm.publications} publications, RSS ${storm.peakRssMiB?.toFixed(0)} MiB`,
      ),
    );
    rows.push(latencyRow('storm: hover during the storm', summarize(storm.hoverMs), `${storm.hoverMs.length} answered, ${storm.hoversUnanswered} failed`));
  }

  rows.push(...failures);

  // Targets.
  const at2000 = latency.find((l) => l.lines >= 1900 && l.lines <= 2100);
  if (!at2000 && o.only.has('latency') && o.sizes.includes(2000))
    targets.push({ name: 'didChange → diagnostics at 2,000 lines', measured: 'not measured (the scenario failed)', pass: false });
  if (at2000) {
    const s = summarize(at2000.changeMs);
    targets.push({ name: 'didChange → diagnostics p50 ≤ 5 ms at 2,000 lines', measured: `${ms(s.p50)} ms`, pass: s.p50 <= 5 });
    targets.push({ name: 'didChange → diagnostics p99 ≤ 25 ms at 2,000 lines', measured: `${ms(s.p99)} ms`, pass: s.p99 <= 25 });
    const open = summarize(at2000.openMs);
    targets.push({ name: 'didOpen → diagnostics ≤ 100 ms at 2,000 lines (p50)', measured: `${ms(open.p50)} ms`, pass: open.p50 <= 100 });
  }
  const at20000 = latency.find((l) => l.lines >= 19000);
  if (at20000 && at20000.changeMs.length > 0) {
    const s = summarize(at20000.changeMs);
    targets.push({ name: 'didChange → diagnostics p50 ≤ 30 ms at 20,000 lines', measured: `${ms(s.p50)} ms`, pass: s.p50 <= 30 });
  }
  if (session?.pyright) {
    // The same keystrokes on both sides: pyright typed a prefix of the session when its budget ran out.
    const n = session.pyright.perKeystroke.length;
    const pairs = session.ours.perKeystroke
      .slice(0, n)
      .map((v, i) => [v, session!.pyright!.perKeystroke[i]] as const)
      .filter(([a, b]) => a !== undefined && b !== undefined) as [number, number][];
    const ourP50 = summarize(pairs.map((p) => p[0])).p50;
    const pyP50 = summarize(pairs.map((p) => p[1])).p50;
    const ratio = ourP50 / pyP50;
    targets.push({
      name: '≤ 1/5 of Pyright’s didChange → diagnostics time',
      measured: `${ms(ourP50)} / ${ms(pyP50)} ms = ${ratio.toFixed(3)} (p50 over the same ${pairs.length} keystrokes)`,
      pass: pairs.length > 0 ? ratio <= 0.2 : undefined,
    });
  }
  const idx1000 = indexing.find((x) => x.files === 1000);
  if (!idx1000 && o.only.has('indexing') && o.index.includes(1000))
    targets.push({ name: '1,000 files indexed ≤ 3 s', measured: 'not measured (the scenario failed)', pass: false });
  if (idx1000) {
    targets.push({ name: '1,000 files indexed ≤ 3 s', measured: `${(idx1000.wallMs / 1000).toFixed(2)} s`, pass: idx1000.wallMs <= 3000 });
    const mb = idx1000.peakRssMiB === undefined ? undefined : (idx1000.peakRssMiB * 1024 * 1024) / 1e6;
    targets.push({
      name: 'peak RSS ≤ 150 MB at 1,000 files',
      measured: mb === undefined ? 'n/a' : `${mb.toFixed(0)} MB (${idx1000.peakRssMiB!.toFixed(0)} MiB)`,
      pass: mb === undefined ? undefined : mb <= 150,
    });
  }
  if (session) {
    const b = session.backend;
    if (!b || b.whole.get === 0)
      targets.push({
        name: 'no repeated backend request within the cache TTL',
        measured: b ? 'n/a (backends not wired)' : `n/a (${session.backendError})`,
        pass: undefined,
      });
    else {
      targets.push({
        name: 'no repeated backend request within the cache TTL',
        measured: `${b.whole.repeatedWithinTtl} repeated of ${b.whole.get} GetSecretValue`,
        pass: b.whole.repeatedWithinTtl === 0,
      });
      // Not one of the issue's numeric targets, but its "Why": keystrokes must not turn into cloud calls.
      targets.push({
        name: 'no request for a half-typed source id (informational)',
        measured: `${b.duringTyping.halfTyped} of ${b.duringTyping.get} requests while typing`,
        pass: b.duringTyping.halfTyped === 0,
      });
    }
  }

  if (storm) {
    const worst = Math.max(...storm.finalDelayMs);
    targets.push({
      name: `storm: every final version published ≤ 1 s after the last edit`,
      measured: Number.isFinite(worst) ? `${ms(worst)} ms (worst of ${storm.docs})` : 'some never published',
      pass: worst <= 1000,
    });
    const h = summarize(storm.hoverMs);
    targets.push({
      name: 'storm: hover p99 ≤ 100 ms during the storm',
      measured: `${ms(h.p99)} ms`,
      pass: storm.hoverMs.length > 0 && storm.hoversUnanswered === 0 && h.p99 <= 100,
    });
  } else if (o.only.has('storm'))
    targets.push({ name: 'storm: every final version published ≤ 1 s after the last edit', measured: 'not measured (the scenario failed)', pass: false });

  const out = [
    '',
    `Metaflow Secrets language server benchmark — ${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version}`,
    `server: ${ourServerPath()} (${sourceRevision()}); load average before ${loadBefore}, after ${loadavg()}; took ${((Date.now() - started) / 1000).toFixed(0)} s`,
    '',
    renderTable(rows),
    '',
    renderTargets(targets),
    '',
  ];
  if (o.profileDir) {
    for (const [dir, what] of [
      [o.profileDir, 'the 2,000-line editing run'],
      [path.join(o.profileDir, 'index-1000'), 'indexing 1,000 files'],
    ] as const) {
      if (!fs.existsSync(dir)) continue;
      const prof = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(dir, f))
        .sort()
        .at(-1);
      if (!prof) continue;
      const { busyMs, functions } = summarizeProfile(prof);
      out.push(
        `CPU profile of ${what === 'the 2,000-line editing run' && o.sizes.length === 1 ? `the ${o.sizes[0]}-line editing run` : what} (${prof}), busy ${busyMs.toFixed(0)} ms, by inclusive time:`,
      );
      for (const f of [...functions].sort((a, b) => b.totalPct - a.totalPct).slice(1, 26))
        out.push(`  ${f.totalPct.toFixed(1).padStart(5)}%  (self ${f.selfPct.toFixed(1)}%)  ${f.name}`);
      out.push('');
    }
  }
  process.stdout.write(out.join('\n'));
  if (o.writeResults) {
    // One dated table, replaced by every run that asks for it: the README never quotes figures.
    const args = process.argv
      .slice(2)
      .filter((a) => !a.startsWith('--write-results'))
      .join(' ');
    fs.writeFileSync(
      o.writeResults,
      [
        '# Benchmark results',
        '',
        `Regenerated by \`npm run bench -- ${args ? `${args} ` : ''}--write-results\`; only the latest run is kept.`,
        '',
        '```',
        ...out.slice(1),
        '```',
        '',
      ].join('\n'),
    );
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ latency, indexing, session, storm, targets }, null, 1));
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
