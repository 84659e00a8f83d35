// The 500-keystroke editing session across 10 open flows: against our server with the AWS
// emulator (counting the backend requests the edits cause), then against pyright-langserver on
// the same files with the same keystrokes, for the latency ratio.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CountingAwsEmulator, EMULATOR_ENV, requestStats } from './awsEmulator';
import { openDocuments, typeKeystrokes } from './editingSession';
import { generateFlow } from './flowGenerator';
import { interleave } from './keystrokes';
import { settle } from './latencyScenario';
import { startOurServer, startPyright } from './servers';

export interface SessionSide {
  openMs: number[];
  /** Per keystroke (undefined: no diagnostics within the timeout). */
  perKeystroke: (number | undefined)[];
  changeMs: number[];
  missing: number;
  cpuPerEditMs?: number;
  peakRssMiB?: number;
}

export interface SessionResult {
  flows: number;
  linesPerFlow: number;
  keystrokes: number;
  ours: SessionSide;
  backend?: {
    cacheTtlMs: number;
    duringOpen: ReturnType<typeof requestStats>;
    duringTyping: ReturnType<typeof requestStats>;
    whole: ReturnType<typeof requestStats>;
  };
  backendError?: string;
  pyright?: SessionSide & { budgetExhausted: boolean };
  pyrightError?: string;
}

export interface SessionOptions {
  root: string;
  flows: number;
  linesPerFlow: number;
  keystrokes: number;
  pyrightBudgetMs: number;
  progress: (s: string) => void;
}

const CACHE_TTL_S = 300;

/** `metaflowSecrets.backends` pointing the AWS provider at the emulator (through the counting proxy). */
export function awsBackends(aws: CountingAwsEmulator): Record<string, unknown> {
  return { cacheTtlSeconds: CACHE_TTL_S, timeoutMs: 10_000, aws: { endpoint: aws.url, region: 'us-east-1' } };
}

/** `aws`: the running emulator (shared with the other scenarios); undefined when it could not start. */
export async function measureSession(o: SessionOptions, aws: CountingAwsEmulator | undefined, awsError?: string): Promise<SessionResult> {
  const ws = fs.mkdtempSync(path.join(o.root, 'session-'));
  const flows = Array.from({ length: o.flows }, (_, i) => generateFlow(o.linesPerFlow, i, `Session${i}Flow`));
  const docs = flows.map((f, i) => ({ file: path.join(ws, `session_flow_${i}.py`), text: f.text }));
  for (const d of docs) fs.writeFileSync(d.file, d.text);
  const keystrokes = interleave(flows, o.keystrokes);
  const result: SessionResult = {
    flows: o.flows,
    linesPerFlow: flows[0].lines,
    keystrokes: keystrokes.length,
    ours: { openMs: [], perKeystroke: [], changeMs: [], missing: 0 },
  };

  if (!aws) result.backendError = `AWS emulator unavailable: ${awsError}`;
  const sessionFrom = Date.now();
  {
    const backends = aws ? awsBackends(aws) : undefined;
    const { server } = await startOurServer({ workspace: ws, backends, env: EMULATOR_ENV });
    try {
      await server.waitForLog(/^Indexed \d+/, 60_000);
      const opened = await openDocuments(server, docs, 60_000);
      // Let background resolution of the opened flows finish before typing.
      await settle(server, opened.uris, 1000, 15_000);
      const typingFrom = Date.now();
      const cpuBefore = server.cpuMs();
      const typed = await typeKeystrokes(server, opened.uris, keystrokes, {
        timeoutMs: 30_000,
        onEach: (i) => {
          if (i % 100 === 99) o.progress(`  session (ours): ${i + 1}/${keystrokes.length} keystrokes`);
        },
      });
      const cpuAfter = server.cpuMs();
      await settle(server, opened.uris, 1000, 15_000);
      result.ours = {
        openMs: opened.openMs,
        perKeystroke: typed.perKeystroke,
        changeMs: typed.changeMs,
        missing: typed.missing,
        cpuPerEditMs: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / keystrokes.length : undefined,
        peakRssMiB: server.peakRssMiB(),
      };
      if (aws) {
        const ttl = CACHE_TTL_S * 1000;
        const mine = aws.requests.filter((r) => r.at >= sessionFrom);
        result.backend = {
          cacheTtlMs: ttl,
          duringOpen: requestStats(
            mine.filter((r) => r.at < typingFrom),
            ttl,
          ),
          duringTyping: requestStats(
            mine.filter((r) => r.at >= typingFrom),
            ttl,
          ),
          whole: requestStats(mine, ttl),
        };
      }
    } finally {
      await server.stop();
    }
  }

  try {
    o.progress('  session (pyright): opening the same flows');
    const py = await startPyright(ws);
    try {
      const opened = await openDocuments(py, docs, 180_000);
      const deadline = Date.now() + o.pyrightBudgetMs;
      const cpuBefore = py.cpuMs();
      const typed = await typeKeystrokes(py, opened.uris, keystrokes, {
        timeoutMs: 60_000,
        onEach: (i) => {
          if (i % 20 === 19) o.progress(`  session (pyright): ${i + 1} keystrokes`);
        },
        more: () => Date.now() < deadline,
      });
      const cpuAfter = py.cpuMs();
      const done = typed.perKeystroke.length;
      result.pyright = {
        openMs: opened.openMs,
        perKeystroke: typed.perKeystroke,
        changeMs: typed.changeMs,
        missing: typed.missing,
        cpuPerEditMs: cpuBefore !== undefined && cpuAfter !== undefined && done ? (cpuAfter - cpuBefore) / done : undefined,
        peakRssMiB: py.peakRssMiB(),
        budgetExhausted: done < keystrokes.length,
      };
    } finally {
      await py.stop();
    }
  } catch (e) {
    result.pyrightError = (e as Error).message;
  }
  fs.rmSync(ws, { recursive: true, force: true });
  return result;
}
