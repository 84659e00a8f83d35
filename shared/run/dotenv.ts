/**
 * The workspace `.env`, which the Python Debugger loads by default (`envFile`). A variable
 * it sets that a secret also injects makes Metaflow's in-code @secrets fail with
 * "... already exists in env" (or, with allow_override, be silently replaced).
 */

export interface DotenvEntry {
  name: string;
  value: string;
  line: number;
}

/** Reads KEY=VALUE lines the way python-dotenv and the Python extension do, enough for names and plain values. */
export function parseDotenv(text: string): DotenvEntry[] {
  const out: DotenvEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) return;
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) value = value.slice(1, value.lastIndexOf(q));
    else value = value.replace(/\s+#.*$/, '').trim();
    out.push({ name: m[1], value, line: i });
  });
  return out;
}

export interface DotenvConflict {
  name: string;
  line: number;
}

/** Names both the .env and a resolved secret set (never the values). */
export function dotenvConflicts(dotenvText: string, injected: ReadonlySet<string>): DotenvConflict[] {
  return parseDotenv(dotenvText)
    .filter((e) => injected.has(e.name))
    .map((e) => ({ name: e.name, line: e.line }));
}

export function dotenvConflictMessage(c: DotenvConflict, envFile = '.env'): string {
  return `${envFile}:${c.line + 1} sets ${c.name}, which a secret of this run also sets. In production the task would not see the ${envFile} value; this run removes it from the session so Metaflow's @secrets does not fail with "already exists in env".`;
}
