import { MetaflowConfig, withMetaflowValues } from '../core/metaflowConfig';
import { describeMetaflow, metaflowName } from '../probe/metaflowProbe';
import { MetaflowProbeCache } from '../probe/probeCache';
import { MetaflowView, MetaflowViews } from '../session/analysisSession';

/**
 * The CLI's view of the user's Metaflow: with `--python`, that interpreter is asked once per
 * directory before its files are analysed (a CLI run may wait; the editor never does); without
 * it, the static model and the configuration files.
 */
export class ProbedViews implements MetaflowViews {
  private readonly views = new Map<string, MetaflowView>();
  private readonly probes: MetaflowProbeCache | undefined;

  constructor(
    private readonly python: string | undefined,
    env: Record<string, string | undefined>,
    private readonly report: { notes: Set<string>; warnings: Set<string> },
  ) {
    this.probes = python ? new MetaflowProbeCache({ env, allowed: () => true }) : undefined;
  }

  /** Asks the interpreter about `dir` (once); forDirectory() then answers without waiting. */
  async prepare(dir: string, config: MetaflowConfig): Promise<void> {
    if (this.views.has(dir)) return;
    let v: MetaflowView = { config };
    if (this.probes && this.python) {
      const outcome = await this.probes.get(this.python, dir, config.files);
      if (outcome.ok) {
        const m = outcome.metaflow;
        this.report.notes.add(`${describeMetaflow(m)} (from ${this.python})`);
        v = { config: withMetaflowValues(config, m.config, metaflowName(m)), registeredTypes: m.types, registeredBy: metaflowName(m) };
      } else
        this.report.warnings.add(
          `--python ${this.python}: ${outcome.reason}; checking against open-source Metaflow's backend types and the config files instead`,
        );
    }
    this.views.set(dir, v);
  }

  forDirectory(dir: string, config: MetaflowConfig): MetaflowView {
    return this.views.get(dir) ?? { config };
  }
}
