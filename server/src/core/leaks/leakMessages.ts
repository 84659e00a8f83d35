import { Origin } from './taintTypes';
import { SinkKind } from './sinks';

/** "`DB_PASSWORD`", "`A` and `B`", with a hint when conservative mode only suspects a name. */
export function secretList(origins: readonly Origin[]): string {
  const labels = origins.map((o) => (o.maybe ? `\`${o.label}\` (possibly a secret)` : `\`${o.label}\``));
  if (labels.length <= 1) return labels[0] ?? '';
  if (labels.length <= 3) return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
  return `${labels.slice(0, 2).join(', ')} and ${labels.length - 2} more`;
}

function subject(origins: readonly Origin[]): string {
  const n = origins.length;
  return `${n > 1 ? 'Secrets' : 'Secret'} ${secretList(origins)}`;
}

export interface MessageParts {
  origins: readonly Origin[];
  display: string;
  /** The expression at the sink when it is a variable (named so the user sees which one). */
  via?: string;
  attr?: string;
  step: string;
  flow: string;
  /** The step has @secrets (so os.environ holds its secrets). */
  stepHasSecrets: boolean;
}

function via(p: MessageParts): string {
  if (!p.via || p.origins.some((o) => o.label === p.via)) return '';
  return ` (via \`${p.via}\`)`;
}

function artifactWhere(p: MessageParts): string {
  return `Metaflow persists it to the datastore at the end of step \`${p.step}\`, and anyone with Client API access can read it (Flow('${p.flow}')[run_id]['${p.step}'].task.data.${p.attr})`;
}

export function leakMessage(code: string, sink: SinkKind, p: MessageParts): string {
  const plural = p.origins.length > 1;
  switch (code) {
    case 'MFS050':
      return `${subject(p.origins)}${via(p)} ${plural ? 'reach' : 'reaches'} ${p.display}: it is written to the task's logs, which Metaflow stores with the run and shows to anyone who can read them.`;
    case 'MFS051':
      return `${subject(p.origins)}${via(p)} ${plural ? 'are' : 'is'} part of the exception raised here: its message is printed to the task's stderr and stored in the task's logs.`;
    case 'MFS052':
      return `${subject(p.origins)} ${plural ? 'are' : 'is'} stored in the artifact \`self.${p.attr}\`: ${artifactWhere(p)}.`;
    case 'MFS053':
      return `${subject(p.origins)}${via(p)} ${plural ? 'are' : 'is'} rendered into a Metaflow card by ${p.display}: cards are stored in the datastore and shown in the Metaflow UI.`;
    default: {
      const what = p.stepHasSecrets
        ? 'The whole environment (`os.environ`), with every secret @secrets injected into this task,'
        : "The whole environment (`os.environ`), with whatever credentials the task's environment holds (cloud keys, tokens),";
      if (sink === 'artifact') return `${what} is stored in the artifact \`self.${p.attr}\`: ${artifactWhere(p)}.`;
      if (sink === 'exception') return `${what} is part of the exception raised here: it is printed to stderr and stored in the task's logs.`;
      if (sink === 'card') return `${what} is rendered into a Metaflow card by ${p.display}: cards are stored in the datastore and shown in the UI.`;
      return `${what} reaches ${p.display}: it is written to the task's logs, which Metaflow stores with the run. Print sorted(os.environ) to see only the names.`;
    }
  }
}
