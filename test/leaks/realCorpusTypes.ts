/**
 * A labelled case of the real-flow corpus: a whole flow file in the shape public Metaflow flows
 * take (written here, never copied). A line that must be reported ends with `# LEAK MFSxxx`;
 * any other finding is a false positive. Each case also runs in real Metaflow
 * (realCorpus.test.ts): every secret and shell credential is a canary, and the canary must show
 * up in the run's logs, artifacts (`_graph_info` included) or cards exactly when `exposed`.
 */
export interface RealCase {
  id: string;
  /** The public pattern it reproduces, in a few words. */
  pattern: string;
  src: string;
  /** @secrets source id → the variables it injects in the real run. Offline, the analysis does not know them. */
  secrets?: Record<string, string[]>;
  /** Dict sources' options as Metaflow sees them (for the run's provider), by source id. */
  options?: Record<string, Record<string, unknown>>;
  /** Variables set in the launching shell (platform credentials: cloud keys, CI tokens). */
  shell?: string[];
  /** Whether a real run exposes a canary; default: the case has a LEAK label. */
  exposed?: boolean;
  /** Why `exposed` differs from the labels, or why a label is what it is. */
  why?: string;
}

/** The imports most flows start with. */
export const HEADER = ['import os', 'import logging', 'from metaflow import FlowSpec, step, secrets, environment, card, current'].join('\n');
