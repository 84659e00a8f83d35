import { rule, Severity } from '../rules';
import { SinkKind } from './sinks';
import { Origin } from './taintTypes';

const RULE_BY_SINK = { log: 'MFS050', exception: 'MFS051', artifact: 'MFS052', card: 'MFS053', cmdline: 'MFS059' } as const;
/** Rules that rest on an assumption about a name (MFS055, MFS056) or report what Metaflow stores anyway. */
const HEURISTIC = new Set(['MFS055', 'MFS056', 'MFS057']);
const RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

/**
 * One rule per sink, from the surest evidence present: a name @secrets is known to provide
 * (MFS050-053) beats a name assumed from unknown keys (MFS055), which beats a name that only
 * looks like a credential (MFS056). Each finding lists only the origins of its own rule.
 */
export function secretsRule(sink: SinkKind, origins: readonly Origin[]): { rule: string; origins: Origin[] } | undefined {
  const certain = origins.filter((o) => !o.assumed);
  if (certain.length) return { rule: RULE_BY_SINK[sink], origins: certain };
  const unknown = origins.filter((o) => o.assumed === 'unknown-names');
  if (unknown.length) return { rule: 'MFS055', origins: unknown };
  const cred = origins.filter((o) => o.assumed === 'credential-name');
  return cred.length ? { rule: 'MFS056', origins: cred } : undefined;
}

/**
 * The setting (`leaks.severity`, `--leak-severity`) is the severity of certain leaks; a finding
 * resting on an assumption, or on a sink Metaflow drops, never rises above its own default.
 */
export function leakSeverity(code: string, setting: Severity | undefined, silenced?: boolean): Severity {
  let s = setting ?? rule(code).severity;
  const lower = (cap: Severity): void => {
    if (RANK[s] < RANK[cap]) s = cap;
  };
  if (HEURISTIC.has(code)) lower(rule(code).severity);
  if (silenced) lower('information');
  return s;
}
