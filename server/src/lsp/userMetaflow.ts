import * as path from 'path';
import { InterpreterParams, MetaflowStatusParams } from '../../../shared/protocol';
import { MetaflowConfig, withMetaflowValues } from '../core/metaflowConfig';
import { describeMetaflow, metaflowName, ProbedMetaflow, ProbeOutcome } from '../probe/metaflowProbe';
import { MetaflowProbeCache } from '../probe/probeCache';
import { MetaflowView, MetaflowViews } from '../session/analysisSession';
import { Logger } from './logger';

const STATIC = "checking against open-source Metaflow's backend types and the configuration files the editor reads itself";

/**
 * The user's Metaflow as the server knows it: the static model until the run interpreter has
 * answered the probe, then that interpreter's own types and configuration. Only in a trusted
 * workspace; the answer never blocks an analysis (it arrives later and triggers a new one).
 */
export class UserMetaflow implements MetaflowViews {
  /** The run interpreter per workspace folder ('' : every folder without its own). */
  private readonly interpreters = new Map<string, InterpreterParams>();
  private trusted = false;
  private readonly probes: MetaflowProbeCache;

  constructor(
    private readonly log: Logger,
    private readonly changed: () => void,
    private readonly status: (p: MetaflowStatusParams) => void,
    env: Record<string, string | undefined> = process.env,
    timeoutMs?: number,
  ) {
    this.probes = new MetaflowProbeCache({
      env,
      timeoutMs,
      allowed: () => this.trusted && [...this.interpreters.values()].some((i) => !!i.python),
      onSettled: (python, outcome) => this.settled(python, outcome),
    });
  }

  setTrusted(trusted: boolean): void {
    if (trusted === this.trusted) return;
    this.trusted = trusted;
    if (!trusted) this.explainStatic('Restricted Mode: the interpreter is not run in an untrusted workspace');
    this.changed();
  }

  setInterpreter(p: InterpreterParams): void {
    const folder = p.folder ?? '';
    if (this.interpreters.has(folder) && p.python === this.interpreters.get(folder)?.python) return;
    this.interpreters.set(folder, p);
    if (!p.python) this.explainStatic('no Python interpreter selected');
    else if (!this.trusted) this.explainStatic(`Restricted Mode: not asking ${p.python} which Metaflow it has`);
    else
      this.log.info(
        `Asking ${p.python} (${p.origin === 'setting' ? 'metaflowSecrets.run.python' : p.origin === 'python-extension' ? "the Python extension's interpreter" : 'default'}) which Metaflow it has`,
      );
    this.changed();
  }

  /** A Metaflow config file changed or Refresh was asked for: the next use looks again. */
  recheck(): void {
    this.probes.recheck();
  }

  refresh(): void {
    this.probes.clear();
  }

  /** Never waits: the static model until the interpreter has answered for this configuration. */
  forDirectory(dir: string, config: MetaflowConfig): MetaflowView {
    const python = this.interpreterFor(dir)?.python;
    if (!this.trusted || !python) return { config };
    const outcome = this.probes.peek(python, dir, config.files);
    if (!outcome?.ok) return { config };
    const m = outcome.metaflow;
    return { config: withMetaflowValues(config, m.config, metaflowName(m)), registeredTypes: m.types, registeredBy: metaflowName(m) };
  }

  /** The interpreter of the innermost workspace folder holding `dir` (multi-root: each folder its own). */
  private interpreterFor(dir: string): InterpreterParams | undefined {
    let best: string | undefined;
    for (const folder of this.interpreters.keys()) {
      const within = dir === folder || dir.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
      if (folder && within && folder.length > (best?.length ?? -1)) best = folder;
    }
    // A file outside every folder: the interpreter meant for all, else the first folder's.
    return this.interpreters.get(best ?? '') ?? this.interpreters.values().next().value;
  }

  private settled(python: string, outcome: ProbeOutcome): void {
    // An answer for an interpreter no longer selected anywhere.
    if (![...this.interpreters.values()].some((i) => i.python === python)) return;
    if (outcome.ok) {
      const m = outcome.metaflow;
      this.log.info(`${describeMetaflow(m)} — from ${python}${m.executable !== python ? ` (${m.executable})` : ''}`);
      this.status(statusOf(m));
    } else this.explainStatic(`the Metaflow probe of ${python} failed: ${outcome.reason}`, 'warn');
    this.changed();
  }

  private explainStatic(why: string, level: 'info' | 'warn' = 'info'): void {
    this.log[level](`Metaflow: ${why}; ${STATIC}`);
    this.status({ probed: false, text: 'Metaflow: static model', detail: `${why}; ${STATIC}` });
  }
}

function statusOf(m: ProbedMetaflow): MetaflowStatusParams {
  return {
    probed: true,
    text: `Metaflow ${m.version}${m.distribution ? ` (${m.distribution})` : ''}`,
    detail: `backends: ${m.types.filter((t) => t !== 'inline').join(', ')} · ${m.interpreter}`,
  };
}
