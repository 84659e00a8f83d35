import { PythonParser } from '../../server/src/core/parser';
import { buildModel, StepModel } from '../../server/src/core/flowModel';
import { Finding } from '../../server/src/core/findings';
import { Severity } from '../../server/src/core/rules';
import { findLeaks, LeakOptions, SecretNames } from '../../server/src/core/leaks';

let parser: Promise<PythonParser> | undefined;

export interface AnalyseOptions {
  /** The names each step with @secrets provides (default: DB_PASSWORD, API_KEY, DB_USER). */
  names?: string[];
  complete?: boolean;
  conservative?: boolean;
  severity?: Severity;
  /** Per-step names (overrides `names` for the steps listed). */
  perStep?: Record<string, string[]>;
  leakOptions?: LeakOptions;
}

export const DEFAULT_NAMES = ['DB_PASSWORD', 'API_KEY', 'DB_USER'];

/** Parses a flow file and runs the leak analysis the way the language server will. */
export async function analyse(text: string, opts: AnalyseOptions = {}): Promise<Finding[]> {
  const p = await (parser ??= PythonParser.create());
  const tree = p.parse(text);
  const model = buildModel(tree);
  const secretNamesForStep = (step: StepModel): SecretNames | undefined => {
    if (!step.decorators.some((d) => d.kind === 'secrets')) return undefined;
    const names = opts.perStep?.[step.name] ?? opts.names ?? DEFAULT_NAMES;
    return { names: new Set(names), complete: opts.complete ?? true };
  };
  try {
    return findLeaks({ tree, model, secretNamesForStep, conservative: opts.conservative ?? false, severity: opts.severity }, opts.leakOptions);
  } finally {
    tree.delete();
  }
}

/** A one-step flow (plus an `end` step): `body` is the start step's body, `end` the end step's. */
export function flow(body: string, o: { imports?: string; preamble?: string; end?: string; secrets?: boolean; methods?: string } = {}): string {
  const ind = (s: string, n: number) =>
    s
      .split('\n')
      .map((l) => (l.trim() ? ' '.repeat(n) + l : l))
      .join('\n');
  return [
    'import os',
    'import logging',
    'from metaflow import FlowSpec, step, secrets, current, card',
    o.imports ?? '',
    '',
    o.preamble ?? '',
    '',
    'class LeakFlow(FlowSpec):',
    o.methods ? ind(o.methods, 4) : '',
    o.secrets === false ? '' : '    @secrets(sources=["db-creds"])',
    '    @step',
    '    def start(self):',
    ind(body.replace(/^\n+|\s+$/g, ''), 8),
    '        self.next(self.end)',
    '',
    '    @step',
    '    def end(self):',
    ind((o.end ?? 'pass').replace(/^\n+|\s+$/g, ''), 8),
    '',
    "if __name__ == '__main__':",
    '    LeakFlow()',
    '',
  ].join('\n');
}

/** One snippet flow whose findings must be exactly its `# LEAK MFSxxx` markers (line and rule). */
export interface MarkedCase {
  name: string;
  /** The start step's body (see flow()). */
  body: string;
  preamble?: string;
  methods?: string;
  end?: string;
  /** Applied to the whole file after it is built (e.g. a foreach in self.next). */
  edit?: (src: string) => string;
  opts?: AnalyseOptions;
}

/** The `line:code` findings of a marked case, and the `line:code` its markers expect (each once). */
export async function markedResult(c: MarkedCase): Promise<{ got: string[]; want: string[]; src: string }> {
  let src = flow(c.body, { preamble: c.preamble, methods: c.methods, end: c.end });
  if (c.edit) src = c.edit(src);
  // One finding per argument: two on one line count once, as the corpus scores them.
  const got = [...new Set((await analyse(src, c.opts)).map((f) => `${f.range.start.line}:${f.code}`))].sort();
  const want: string[] = [];
  src.split('\n').forEach((line, i) => {
    const m = /#\s*LEAK\s+((?:MFS\d{3}\s*)+)$/.exec(line);
    if (m) for (const code of m[1].trim().split(/\s+/)) want.push(`${i}:${code}`);
  });
  return { got, want: want.sort(), src };
}
