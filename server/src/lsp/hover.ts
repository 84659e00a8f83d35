import { DocumentAnalysis } from '../core/analyzer';
import { envReadAt } from '../core/envReads';
import { containsPosition, Position } from '../core/positions';
import { SyntaxTree } from '../core/parser';
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

function sourceHover(title: string, verb: string, src: SourceInfo, d: SourceDetails | undefined): string {
  const lines = [`**${title}** \`${specDisplay(src.spec)}\`${src.spec.typeFromDefault ? ' — type from METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE' : ''}`, ''];
  lines.push(...describeId(src).map((l) => l + '  '));
  if (d) lines.push(...d.lines.map((l) => l + '  '));
  const names = d?.names ?? (src.names.known ? src.names.names : undefined);
  lines.push('');
  if (names) lines.push(`**${verb}** (${names.length}): ${names.length ? names.map((n) => `\`${n}\``).join(', ') : 'nothing'}`);
  else lines.push(`**${verb}:** not known yet — ${src.names.known ? '' : src.names.why}`);
  return lines.join('\n');
}

/** Markdown for a hover at `pos`: a source in @secrets, or an environment read inside a step. */
export function hoverAt(analysis: DocumentAnalysis, tree: SyntaxTree, pos: Position, details?: DetailsFor): string | undefined {
  for (const step of analysis.secrets.steps) {
    for (const src of step.sources) {
      if (src.spec.value.indirect || !containsPosition(src.spec.range, pos)) continue;
      return sourceHover('@secrets source', 'Injects', src, details?.(src, step));
    }
  }
  for (const call of analysis.secrets.calls) {
    const src = call.source;
    if (src.spec.value.indirect || !containsPosition(src.spec.range, pos)) continue;
    // get_secret returns the provider's dict and sets no variable: its keys, not injected names.
    return sourceHover('get_secret source', 'Returns a dict with keys', src, details?.(src));
  }
  const node = tree.rootNode.descendantForPosition({ row: pos.line, column: pos.character });
  for (let n: typeof node | null = node; n; n = n.parent) {
    const read = envReadAt(n);
    if (!read) continue;
    if (!containsPosition(read.nameRange, pos)) return undefined;
    const step = analysis.secrets.steps.find((s) => s.step.functionNode.startIndex <= n!.startIndex && n!.endIndex <= s.step.functionNode.endIndex);
    if (!step) return undefined;
    const providers = step.sources.filter((s) => {
      const names = details?.(s, step)?.names ?? (s.names.known ? s.names.names : []);
      return names.includes(read.name);
    });
    if (providers.length) return `\`${read.name}\` is set by @secrets source \`${specDisplay(providers[0].spec)}\` on step \`${step.step.name}\`.`;
    if (step.environmentVars !== 'dynamic' && step.environmentVars.some((v) => v.name === read.name)) return `\`${read.name}\` is set by @environment on step \`${step.step.name}\`.`;
    const unknown = step.sources.some((s) => !(details?.(s, step)?.names ?? (s.names.known ? s.names.names : undefined)));
    return unknown
      ? `\`${read.name}\`: not among the names known so far for step \`${step.step.name}\`; some sources are not resolved yet.`
      : `\`${read.name}\` is not set by any @secrets source of step \`${step.step.name}\`.`;
  }
  return undefined;
}
