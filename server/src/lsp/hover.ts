import { DocumentAnalysis } from '../core/analyzer';
import { envReadAt } from '../core/envReads';
import { containsPosition, Position } from '../core/positions';
import { SyntaxTree } from '../core/parser';
import { NonSecretKeys, nonSecretNote } from '../core/leaks';
import { SourceInfo, StepSecrets } from '../core/secretsAnalysis';
import { specDisplay } from '../core/sourceSpec';

/** Backend facts about a source for hovers; names only, never values. */
export interface SourceDetails {
  state: string;
  lines: string[];
  names?: string[];
}

export type DetailsFor = (src: SourceInfo, step?: StepSecrets) => SourceDetails | undefined;

function describeId(src: SourceInfo): string[] {
  const id = src.id;
  if (!id.ok) return [];
  switch (id.backend) {
    case 'aws':
      return [
        `**Secret:** \`${id.secretId}\``,
        `**Region:** ${id.region ? `\`${id.region}\` (from ${id.regionOrigin})` : "the AWS SDK's default"}`,
        `**Role:** ${id.role ? `\`${id.role}\` (from ${id.roleOrigin === 'source' ? 'the source' : id.roleOrigin === 'decorator' ? '@secrets(role=...)' : id.roleOrigin})` : 'none (default credentials)'}`,
      ];
    case 'azure':
      return [`**Vault:** \`${id.vaultUrl}\``, `**Secret:** \`${id.secretName}\`${id.version ? ` version \`${id.version}\`` : ' (latest version)'}`];
    case 'gcp':
      return [`**Resource:** \`${id.resourceName}\``, `**JSON:** ${id.json ? 'expanded into one variable per key' : 'no (one variable)'}`];
    default:
      return [];
  }
}

/** A name for a key list: marked when it is declared not secret (which pattern, in `keys.origin`). */
function keyName(name: string, keys: NonSecretKeys | undefined): string {
  const pattern = keys?.match(name);
  return pattern ? `\`${name}\` (not secret: ${pattern === name ? 'listed' : `\`${pattern}\``})` : `\`${name}\``;
}

function sourceHover(title: string, verb: string, src: SourceInfo, d: SourceDetails | undefined, keys?: NonSecretKeys): string {
  const lines = [`**${title}** \`${specDisplay(src.spec)}\`${src.spec.typeFromDefault ? ' — type from METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE' : ''}`, ''];
  lines.push(...describeId(src).map((l) => l + '  '));
  if (d) lines.push(...d.lines.map((l) => l + '  '));
  const names = d?.names ?? (src.names.known ? src.names.names : undefined);
  lines.push('');
  if (names) lines.push(`**${verb}** (${names.length}): ${names.length ? names.map((n) => keyName(n, keys)).join(', ') : 'nothing'}`);
  else lines.push(`**${verb}:** not known yet — ${src.names.known ? '' : src.names.why}`);
  if (names?.some((n) => keys?.match(n)))
    lines.push('', `_Keys marked not secret are declared in \`${keys!.origin}\`: printing them is not reported as a leak._`);
  return lines.join('\n');
}

/**
 * Markdown for a hover at `pos`: a source in @secrets, or an environment read inside a step.
 * `keys`: the keys declared not secret, which hovers mark and explain.
 */
export function hoverAt(analysis: DocumentAnalysis, tree: SyntaxTree, pos: Position, details?: DetailsFor, keys?: NonSecretKeys): string | undefined {
  for (const step of analysis.secrets.steps) {
    for (const src of step.sources) {
      if (src.spec.value.indirect || !containsPosition(src.spec.range, pos)) continue;
      return sourceHover('@secrets source', 'Injects', src, details?.(src, step), keys);
    }
  }
  for (const call of analysis.secrets.calls) {
    const src = call.source;
    if (src.spec.value.indirect || !containsPosition(src.spec.range, pos)) continue;
    // get_secret returns the provider's dict and sets no variable: its keys, not injected names.
    // The non-secret declaration concerns injected variables, not this dict's entries.
    return sourceHover('get_secret source', 'Returns a dict with keys', src, details?.(src));
  }
  const node = tree.rootNode.descendantForPosition({ row: pos.line, column: pos.character });
  for (let n: typeof node | null = node; n; n = n.parent) {
    const read = envReadAt(n);
    if (!read) continue;
    if (!containsPosition(read.nameRange, pos)) return undefined;
    const step = analysis.secrets.steps.find((s) => s.step.functionNode.startIndex <= n!.startIndex && n!.endIndex <= s.step.functionNode.endIndex);
    if (!step) return undefined;
    const note = nonSecretNote(read.name, keys);
    const told = envReadHover(read.name, step, details);
    return note ? `${told}\n\n${note}` : told;
  }
  return undefined;
}

/** Which source of the step sets the variable a read names (names only). */
function envReadHover(name: string, step: StepSecrets, details: DetailsFor | undefined): string {
  const namesOf = (s: SourceInfo) => details?.(s, step)?.names ?? (s.names.known ? s.names.names : undefined);
  const provider = step.sources.find((s) => namesOf(s)?.includes(name));
  if (provider) return `\`${name}\` is set by @secrets source \`${specDisplay(provider.spec)}\` on step \`${step.step.name}\`.`;
  if (step.environmentVars !== 'dynamic' && step.environmentVars.some((v) => v.name === name))
    return `\`${name}\` is set by @environment on step \`${step.step.name}\`.`;
  return step.sources.some((s) => !namesOf(s))
    ? `\`${name}\`: not among the names known so far for step \`${step.step.name}\`; some sources are not resolved yet.`
    : `\`${name}\` is not set by any @secrets source of step \`${step.step.name}\`.`;
}
