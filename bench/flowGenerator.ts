// Generates realistic Metaflow flow files of a requested length: many steps with @secrets
// (string and dict sources), @environment, os.environ reads, prints and artifacts, and now and
// then a secret printed (so the leak checks have work to do). Also records where a benchmark
// can type: a body line in each step, and the inside of each step's first source string.

/** The secrets every generated flow names; the backend session creates them in the emulator. */
export const SECRET_POOL = ['db-creds-0', 'db-creds-1', 'db-creds-2', 'db-creds-3', 'db-creds-4'];
export const API_POOL = ['api-keys-0', 'api-keys-1', 'api-keys-2', 'api-keys-3', 'api-keys-4'];

export interface StepSite {
  name: string;
  /** Line of a statement in the body; typing starts at its end. */
  bodyLine: number;
  /** Position just before the closing quote of the first @secrets source string, if any. */
  source?: { line: number; character: number };
}

export interface GeneratedFlow {
  text: string;
  lines: number;
  steps: StepSite[];
}

export function generateFlow(targetLines: number, seed = 0, className = 'BenchFlow'): GeneratedFlow {
  const out: string[] = [
    '"""A generated flow: partitions loaded from a database whose credentials come from @secrets."""',
    'import json',
    'import logging',
    'import os',
    '',
    'from metaflow import FlowSpec, Parameter, current, environment, secrets, step',
    '',
    'log = logging.getLogger(__name__)',
    `DEFAULT_SOURCES = ["${SECRET_POOL[seed % SECRET_POOL.length]}"]`,
    '',
    '',
    'def summarize(rows):',
    '    """Counts rows per tag."""',
    '    counts = {}',
    '    for row in rows:',
    '        counts[row["tag"]] = counts.get(row["tag"], 0) + 1',
    '    return counts',
    '',
    '',
    `class ${className}(FlowSpec):`,
    '    region = Parameter("region", default="us-east-1")',
    '',
  ];
  const footer = ['    @step', '    def end(self):', '        print("done", current.run_id)', '', '', 'if __name__ == "__main__":', `    ${className}()`, ''];
  const perStep = 21; // lines each generated step takes, blank line included
  const count = Math.max(2, Math.round((targetLines - out.length - footer.length) / perStep));
  const steps: StepSite[] = [];
  for (let i = 0; i < count; i++) {
    const name = i === 0 ? 'start' : `load_${i}`;
    const next = i + 1 < count ? `self.load_${i + 1}` : 'self.end';
    const db = SECRET_POOL[(i + seed) % SECRET_POOL.length];
    const api = API_POOL[(i * 3 + seed) % API_POOL.length];
    const site: StepSite = { name, bodyLine: -1 };
    const kind = i % 4;
    if (kind === 0 || kind === 1) {
      const line = `    @secrets(sources=["${db}", {"type": "aws-secrets-manager", "id": "${api}", "options": {"region": "us-east-1"}}])`;
      site.source = { line: out.length, character: line.indexOf(`${db}"`) + db.length };
      out.push(line);
    } else if (kind === 2) {
      const line = `    @secrets(sources=["aws-secrets-manager.${db}"])`;
      site.source = { line: out.length, character: line.indexOf(`${db}"`) + db.length };
      out.push(line);
    } else {
      out.push('    @secrets(sources=DEFAULT_SOURCES)');
    }
    out.push(`    @environment(vars={"STAGE_${i}": "prod", "PARTITION": "${i}"})`);
    out.push('    @step', `    def ${name}(self):`, `        """Loads partition ${i}."""`);
    out.push('        password = os.environ["DB_PASSWORD"]');
    out.push('        user = os.environ.get("DB_USER", "reader")');
    out.push(kind === 2 ? '        api_key = None' : '        api_key = os.getenv("API_KEY")');
    site.bodyLine = out.length;
    out.push(`        stage = os.environ["STAGE_${i}"]`);
    out.push(`        print(f"partition ${i}: connecting as {user} in {stage}")`);
    out.push(`        rows = [{"id": n, "tag": "odd" if n % 2 else "even", "part": ${i}} for n in range(100)]`);
    out.push('        counts = summarize(rows)');
    out.push('        total = sum(r["id"] for r in rows)');
    out.push('        if total > 1000 and api_key:');
    out.push('            log.info("large partition %s: %d rows", stage, total)');
    out.push('        else:');
    out.push(i % 10 === 7 ? '            print("debug connection", user, password)' : '            print("small partition", total, len(password))');
    out.push(`        self.rows_${i} = len(rows)`);
    out.push(`        self.summary = {"user": user, "total": total, "counts": json.dumps(counts)}`);
    out.push(`        self.next(${next})`);
    out.push('');
    steps.push(site);
  }
  out.push(...footer);
  return { text: out.join('\n'), lines: out.length, steps };
}
