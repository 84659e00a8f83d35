import { SecretsTreeFlow, SecretsTreeSource } from '../../../shared/protocol';
import { Resolution } from '../backends';
import { DocumentAnalysis } from '../core/analyzer';
import { MetaflowConfig } from '../core/metaflowConfig';
import { isResolvable, SourceInfo } from '../core/secretsAnalysis';
import { specDisplay } from '../core/sourceSpec';

/** One analysed open document, as the server holds it. */
export interface AnalysedDocument {
  uri: string;
  analysis: DocumentAnalysis;
  config: MetaflowConfig;
}

/**
 * The Secrets view's data: every flow of the open documents, its steps with @secrets, and per
 * source the state the editor knows from cached answers only (never a request, never a value).
 */
export function secretsTree(
  docs: AnalysedDocument[],
  answer: (src: SourceInfo, config: MetaflowConfig) => Resolution | undefined,
  offline: boolean,
): SecretsTreeFlow[] {
  const out: SecretsTreeFlow[] = [];
  for (const d of docs) {
    for (const flow of d.analysis.model.flows) {
      if (flow.isFlowSpec !== true) continue;
      const steps = d.analysis.secrets.steps
        .filter((s) => flow.steps.includes(s.step))
        .map((s) => ({ name: s.step.name, range: s.step.nameRange, sources: s.sources.map((src) => sourceNode(src, answer(src, d.config), offline)) }));
      out.push({ uri: d.uri, name: flow.name, range: flow.nameRange, steps });
    }
  }
  return out;
}

function sourceNode(src: SourceInfo, r: Resolution | undefined, offline: boolean): SecretsTreeSource {
  const base = { label: specDisplay(src.spec), type: src.spec.type ?? 'none', resolvedId: resolvedId(src), range: src.spec.range };
  const staticNames = src.names.known ? src.names.names : undefined;
  if (!isResolvable(src)) {
    if (src.spec.type === 'inline') return { ...base, state: 'ok', names: staticNames, detail: 'inline: the values are in the code' };
    return { ...base, state: 'unknown', names: staticNames, detail: src.names.known ? undefined : src.names.why };
  }
  if (!r)
    return {
      ...base,
      state: offline ? 'offline' : 'pending',
      names: staticNames,
      detail: offline ? 'offline or Restricted Mode: the backend is not asked' : 'not resolved yet',
    };
  if (r.ok) return { ...base, state: 'ok', names: r.names, resolvedId: r.meta?.resolvedId ?? base.resolvedId };
  const state: SecretsTreeSource['state'] =
    r.kind === 'not-found' ? 'missing' : r.kind === 'access-denied' ? 'denied' : r.kind === 'offline' ? 'offline' : 'failed';
  return { ...base, state, detail: r.message };
}

function resolvedId(src: SourceInfo): string | undefined {
  const id = src.id;
  if (!id.ok) return undefined;
  switch (id.backend) {
    case 'aws':
      return id.secretId;
    case 'azure':
      return `${id.vaultUrl}/secrets/${id.secretName}${id.version ? `/${id.version}` : ''}`;
    case 'gcp':
      return id.resourceName;
    default:
      return undefined;
  }
}
