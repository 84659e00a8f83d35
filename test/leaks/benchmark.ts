// Times the leak analysis of a generated 2,000-line flow. A script, not a test:
//   npx tsc -b && node out/test/leaks/benchmark.js
import { performance } from 'node:perf_hooks';
import { applyEdit, computeLineStarts, PythonParser } from '../../server/src/core/parser';
import { buildModel } from '../../server/src/core/flowModel';
import { findLeaks, LeakCache } from '../../server/src/core/leaks';

/** A flow of `steps` steps, each about 48 lines of typical step code (reads, helpers, logs, artifacts). */
export function bigFlow(steps: number): string {
  const out = [
    'import os, logging, json',
    'from metaflow import FlowSpec, step, secrets, current, card',
    'log = logging.getLogger(__name__)',
    '',
    'def connect(url, password):',
    '    conn = {"url": url}',
    '    return conn',
    '',
    'def describe(value):',
    '    text = "value=" + str(value)',
    '    return text',
    '',
    'class BigFlow(FlowSpec):',
  ];
  for (let i = 0; i < steps; i++) {
    const next = i + 1 < steps ? `self.step${i + 1}` : 'self.end';
    out.push(
      `    @secrets(sources=["src-${i}"])`,
      '    @step',
      `    def ${i === 0 ? 'start' : `step${i}`}(self):`,
      `        pw = os.environ["DB_PASSWORD"]`,
      `        user = os.environ.get("USER", "anon")`,
      `        key = os.getenv("API_KEY")`,
      `        url = f"postgres://{user}:{pw}@db-${i}/prod"`,
      '        conn = connect(url, password=pw)',
      '        rows = []',
      '        for n in range(10):',
      '            row = {"n": n, "user": user}',
      '            if n % 2:',
      '                row["tag"] = "odd"',
      '            else:',
      '                row["tag"] = "even"',
      '            rows.append(row)',
      '        total = sum(r["n"] for r in rows)',
      '        summary = [r["tag"] for r in rows if r["n"] > 3]',
      '        masked = key[:4] + "*" * (len(key) - 4) if key else ""',
      '        log.info("step %s rows=%d masked=%s", "s", total, masked)',
      '        print("connected", len(pw), bool(key))',
      '        try:',
      '            data = json.loads("{}")',
      '        except ValueError as e:',
      '            data = {}',
      '        with open(os.devnull, "w") as fh:',
      '            fh.write(json.dumps(data))',
      '        msg = describe(total)',
      '        print(msg)',
      `        self.result_${i} = total`,
      `        self.summary_${i} = summary`,
      '        if total > 1000:',
      `            raise ValueError("too many rows: %d" % total)`,
      '        count = 0',
      '        while count < 3:',
      '            count += 1',
      '        tok = key',
      '        tok = "redacted"',
      '        print(tok)',
      '        headers = {"Authorization": "Bearer " + (key or "")}',
      '        resp = requests.get("https://example.com", headers=headers, timeout=5) if False else None',
      '        print(resp)',
      ...(i % 10 === 0 ? ['        print(describe(pw))', '        self.leaked = url'] : ['        pass', '        pass']),
      `        current.card.append("step ${i} done")`,
      `        self.next(${next})`,
      '',
    );
  }
  out.push('    @step', '    def end(self):', '        print(self.leaked)', '', "if __name__ == '__main__':", '    BigFlow()', '');
  return out.join('\n');
}

async function main(): Promise<void> {
  const parser = await PythonParser.create();
  const text = bigFlow(42);
  const lines = text.split('\n').length;
  const t0 = performance.now();
  const tree = parser.parse(text);
  const parseMs = performance.now() - t0;
  const model = buildModel(tree);
  const input = {
    tree,
    model,
    conservative: true,
    secretNamesForStep: (s: { decorators: { kind: string }[] }) =>
      s.decorators.some((d) => d.kind === 'secrets') ? { names: new Set(['DB_PASSWORD', 'DB_USER', 'API_KEY']), complete: true } : undefined,
  };
  const steps = model.flows[0].steps.length;
  findLeaks(input); // warm up the JIT
  const runs: number[] = [];
  const cpu: number[] = [];
  let findings = 0;
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    findings = findLeaks(input).length;
    const used = process.cpuUsage(c);
    runs.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  runs.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const oneStep: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    findLeaks(input, { onlySteps: new Set(['BigFlow.step20']) });
    oneStep.push(performance.now() - t);
  }
  oneStep.sort((a, b) => a - b);
  // Typing in one step: incremental parse, model, then findLeaks with the document's cache.
  const cache = new LeakCache();
  findLeaks(input, { cache });
  let tree2 = tree.copy();
  let cur = text;
  const typing: number[] = [];
  const analysisOnly: number[] = [];
  const analysisCpu: number[] = [];
  const editLine = cur.split('\n').findIndex((l) => l.includes('def step20(')) + 2;
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const col = cur.split('\n')[editLine].indexOf('USER"');
    const at = { line: editLine, character: col };
    cur = applyEdit(tree2, cur, computeLineStarts(cur), { start: at, end: at }, 'X');
    const next = parser.parse(cur, tree2);
    tree2.delete();
    tree2 = next;
    const m = buildModel(tree2);
    const t2 = performance.now();
    const c2 = process.cpuUsage();
    findLeaks({ ...input, tree: tree2, model: m }, { cache });
    const used2 = process.cpuUsage(c2);
    analysisCpu.push((used2.user + used2.system) / 1000);
    const done = performance.now();
    typing.push(done - t);
    analysisOnly.push(done - t2);
  }
  typing.sort((a, b) => a - b);
  analysisOnly.sort((a, b) => a - b);
  analysisCpu.sort((a, b) => a - b);
  tree2.delete();
  console.log(`flow: ${lines} lines, ${steps} steps, ${findings} findings`);
  console.log(`parse (full, not incremental): ${parseMs.toFixed(1)} ms`);
  console.log(
    `findLeaks whole document: median ${runs[7].toFixed(1)} ms, min ${runs[0].toFixed(1)} ms, max ${runs[14].toFixed(1)} ms (CPU median ${cpu[7].toFixed(1)} ms)`,
  );
  console.log(`findLeaks, report one step: median ${oneStep[7].toFixed(1)} ms (per step ≈ ${(runs[7] / steps).toFixed(2)} ms)`);
  console.log(
    `typing in one step with a LeakCache: findLeaks median ${analysisOnly[7].toFixed(1)} ms (CPU ${analysisCpu[7].toFixed(1)} ms); with incremental parse + model ${typing[7].toFixed(1)} ms (cache ${cache.hits} hits, ${cache.misses} misses)`,
  );
  tree.delete();
}

if (require.main === module && !process.env.NODE_TEST_CONTEXT) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
