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
  /** The sink is warnings.warn, which Metaflow runs drop. */
  silenced?: boolean;
  /** The artifact is what a foreach splits. */
  foreach?: boolean;
}

const DROPPED =
  ' Metaflow\'s CLI ignores warnings (warnings.filterwarnings("ignore") in every task), so in a Metaflow run it is dropped; run elsewhere (a test, a notebook importing this code) the warning prints the value to stderr.';

/** Where the value ends up, for the rules whose subject is an assumption (MFS055, MFS056). */
function sinkTail(sink: SinkKind, p: MessageParts): string {
  if (p.silenced) return `reaches ${p.display}.${DROPPED}`;
  switch (sink) {
    case 'log':
      return `reaches ${p.display}: it is written to the task's logs, which Metaflow stores with the run.`;
    case 'exception':
      return "is part of the exception raised here: its message is printed to the task's stderr and stored in the task's logs.";
    case 'artifact':
      return p.foreach ? `${foreachWhere(p)}.` : `is stored in the artifact \`self.${p.attr}\`: ${artifactWhere(p)}.`;
    case 'cmdline':
      return `is on the command line of ${p.display}: ${COMMAND_LINE}`;
    default:
      return `is rendered into a Metaflow card by ${p.display}: cards are stored in the datastore and shown in the Metaflow UI.`;
  }
}

const COMMAND_LINE =
  "anyone who can list the host's processes sees it while the command runs, and when it fails subprocess's CalledProcessError prints the whole command into the task's logs. Pass it in the environment (env=) or on stdin (input=) instead.";

/** Where a foreach's split values end up. */
function foreachWhere(p: MessageParts): string {
  return `is split by foreach over \`self.${p.attr}\`: besides the artifact itself, Metaflow stores each split value (the first 30 characters of a string, a short repr otherwise) in the \`_foreach_values\` artifact of step \`${p.step}\` and in the foreach-stack metadata of every foreach task, shown in the UI. Split over names or indices and read the values in the foreach step`;
}

function assumedSubject(p: MessageParts): string {
  const names = secretList(p.origins);
  const src = p.origins.find((o) => o.sources)?.sources;
  const one = p.origins.length === 1;
  return `${names}${via(p)} ${one ? 'is' : 'are'} probably provided by @secrets ${src ?? 'sources'} of step \`${p.step}\` (${src && !src.includes(',') ? 'its' : 'their'} keys are not known offline, so ${one ? 'the name is' : 'the names are'} assumed) and ${one ? 'its value' : 'their values'}`;
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
      if (p.silenced) return `${subject(p.origins)}${via(p)} ${plural ? 'reach' : 'reaches'} ${p.display}.${DROPPED}`;
      return `${subject(p.origins)}${via(p)} ${plural ? 'reach' : 'reaches'} ${p.display}: it is written to the task's logs, which Metaflow stores with the run and shows to anyone who can read them.`;
    case 'MFS055':
      return `${assumedSubject(p)} ${sinkTail(sink, p)}`;
    case 'MFS056':
      return `${secretList(p.origins)}${via(p)}, read from the environment, ${plural ? 'have names' : 'has a name'} that ${plural ? 'look' : 'looks'} like a credential (not known to come from @secrets), and ${plural ? 'their values' : 'its value'} ${sinkTail(sink, p)}`;
    case 'MFS058':
      return p.display === '@environment(vars=...)'
        ? `The value of ${secretList(p.origins)} in @environment(vars=...) is computed when the flow file is loaded, from a credential: Metaflow stores every decorator's attributes in the \`_graph_info\` artifact of each task of the run, so anyone with Client API access can read it (Run('${p.flow}/<run_id>')['${p.step}'].task['_graph_info'].data). Provide it with @secrets instead.`
        : `The value of ${secretList(p.origins)} in an inline @secrets source is stored with the run: Metaflow keeps every decorator's attributes in the \`_graph_info\` artifact of each task (Run('${p.flow}/<run_id>')['${p.step}'].task['_graph_info'].data). Inline sources are for tests; use a real backend for real values.`;
    case 'MFS057': {
      const what =
        "The whole environment (`os.environ`) of a step without @secrets, with the platform's credentials it holds (cloud keys, tokens set where the task runs), not @secrets values,";
      if (sink === 'artifact') return `${what} is stored in the artifact \`self.${p.attr}\`: ${artifactWhere(p)}.`;
      if (sink === 'exception') return `${what} is part of the exception raised here: it is printed to stderr and stored in the task's logs.`;
      if (sink === 'card') return `${what} is rendered into a Metaflow card by ${p.display}: cards are stored in the datastore and shown in the UI.`;
      if (sink === 'cmdline') return `${what} is on the command line of ${p.display}: ${COMMAND_LINE}`;
      return `${what} reaches ${p.display}: it is written to the task's logs, which Metaflow stores with the run. Print sorted(os.environ) to see only the names.`;
    }
    case 'MFS051':
      return `${subject(p.origins)}${via(p)} ${plural ? 'are' : 'is'} part of the exception raised here: its message is printed to the task's stderr and stored in the task's logs.`;
    case 'MFS052':
      if (p.foreach) return `${subject(p.origins)} ${foreachWhere(p).replace(/^is /, plural ? 'are ' : 'is ')}.`;
      return `${subject(p.origins)} ${plural ? 'are' : 'is'} stored in the artifact \`self.${p.attr}\`: ${artifactWhere(p)}.`;
    case 'MFS059':
      return `${subject(p.origins)}${via(p)} ${plural ? 'are' : 'is'} on the command line of ${p.display}: ${COMMAND_LINE}`;
    case 'MFS053':
      return `${subject(p.origins)}${via(p)} ${plural ? 'are' : 'is'} rendered into a Metaflow card by ${p.display}: cards are stored in the datastore and shown in the Metaflow UI.`;
    default: {
      const what = p.stepHasSecrets
        ? 'The whole environment (`os.environ`), with every secret @secrets injected into this task,'
        : "The whole environment (`os.environ`), with whatever credentials the task's environment holds (cloud keys, tokens),";
      if (sink === 'artifact') return `${what} is stored in the artifact \`self.${p.attr}\`: ${artifactWhere(p)}.`;
      if (sink === 'exception') return `${what} is part of the exception raised here: it is printed to stderr and stored in the task's logs.`;
      if (sink === 'card') return `${what} is rendered into a Metaflow card by ${p.display}: cards are stored in the datastore and shown in the UI.`;
      if (sink === 'cmdline') return `${what} is on the command line of ${p.display}: ${COMMAND_LINE}`;
      return `${what} reaches ${p.display}: it is written to the task's logs, which Metaflow stores with the run. Print sorted(os.environ) to see only the names.`;
    }
  }
}

/** Where the value ends up, in a few words. */
function sinkShort(sink: SinkKind, p: MessageParts, plural: boolean): string {
  if (p.silenced || sink === 'log') return `${plural ? 'reach' : 'reaches'} ${p.display}`;
  const be = plural ? 'are' : 'is';
  if (sink === 'exception') return `${be} part of the exception raised here`;
  if (sink === 'artifact') return p.foreach ? `${be} split by foreach over \`self.${p.attr}\`` : `${be} stored in the artifact \`self.${p.attr}\``;
  if (sink === 'cmdline') return `${be} on the command line of ${p.display}`;
  return `${be} rendered into a Metaflow card by ${p.display}`;
}

/**
 * The Problems row of the rules whose message leads with an assumption (a long first sentence);
 * the message itself is then the explanation. Undefined: the message's first sentence is short.
 */
export function leakSummary(code: string, sink: SinkKind, p: MessageParts): string | undefined {
  const plural = p.origins.length > 1;
  switch (code) {
    case 'MFS055':
      return `${secretList(p.origins)}${via(p)}, probably ${plural ? 'secrets' : 'a secret'} from @secrets, ${sinkShort(sink, p, plural)}`;
    case 'MFS056':
      return `${secretList(p.origins)}${via(p)}, named like ${plural ? 'credentials' : 'a credential'}, ${sinkShort(sink, p, plural)}`;
    case 'MFS057':
      return `The whole environment (\`os.environ\`), with the platform's credentials, ${sinkShort(sink, p, false)}`;
    default:
      return undefined;
  }
}
