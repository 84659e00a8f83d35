import { PrepareRunParams, PrepareRunResult } from '../../../shared/protocol';
import { seal } from '../../../shared/sealedBox';
import { SecretResolver } from '../backends';
import { DocumentAnalysis } from '../core/analyzer';
import { Finding } from '../core/findings';
import { MetaflowConfig, SECRETS_CONFIG_NAMES } from '../core/metaflowConfig';
import { jsonToPy } from '../core/withSecrets';
import { buildSpecs, DYNAMIC, SourceSpec, specDisplay } from '../core/sourceSpec';
import { PlainValue, ResolvedSource, RunPlanError } from '../../../shared/run';

/**
 * Role settings that come from this machine's environment or config files reach local tasks but
 * not remote ones (Metaflow does not forward them): the remote run may use another identity.
 */
function remoteWarnings(config: MetaflowConfig): string[] {
  const out: string[] = [];
  for (const name of ['DEFAULT_SECRETS_ROLE', 'AWS_SECRETS_MANAGER_DEFAULT_ROLE'] as const) {
    const e = config.get(name);
    if (e)
      out.push(
        `METAFLOW_${name} is set here (from ${e.origin}) but Metaflow does not forward it to remote tasks: set it in the remote environment or use @secrets(role=...).`,
      );
  }
  return out;
}

function configEnv(config: MetaflowConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SECRETS_CONFIG_NAMES) {
    const e = config.get(name);
    if (e) out[`METAFLOW_${name}`] = e.value;
  }
  return out;
}

/** How long a run waits for all its sources before it gives up (each call also has its own timeout). */
const RUN_RESOLVE_TIMEOUT_MS = 60_000;

interface Needed {
  spec: SourceSpec;
  steps: string[];
}

/** The flow file as last analysed: what a run is checked against. */
export interface AnalysedForRun {
  analysis: DocumentAnalysis;
  findings: Finding[];
  config: MetaflowConfig;
}

/** How the values are obtained: the resolver, only in a trusted workspace, until the request is cancelled. */
export interface RunResolution {
  resolver: SecretResolver;
  trusted: boolean;
  signal: AbortSignal;
}

/**
 * Resolves every source a run needs, with the same semantics as validation, and seals the
 * values to the client. If anything fails, nothing is returned but the reason: no partial run.
 */
export async function prepareRun(p: PrepareRunParams, doc: AnalysedForRun, via: RunResolution): Promise<PrepareRunResult> {
  const { analysis, findings, config } = doc;
  const { resolver, trusted, signal } = via;
  if (trusted !== true)
    return {
      ok: false,
      message: 'This workspace is in Restricted Mode: the extension runs nothing and asks no secret manager. Trust the workspace to run flows.',
    };
  const flow = analysis.model.flows.find((f) => f.name === p.flow);
  if (!flow) return { ok: false, message: `No flow class '${p.flow}' in this file.` };
  const steps = p.step ? flow.steps.filter((s) => s.name === p.step) : flow.steps;
  if (p.step && steps.length === 0) return { ok: false, message: `Flow '${p.flow}' has no step '${p.step}'.` };

  // A run that Metaflow would fail anyway is not started: the same errors the editor shows.
  const stepRanges = steps.map((s) => s.range);
  const blocking = findings.filter(
    (f) =>
      f.severity === 'error' && /^MFS0[0-2]\d$/.test(f.code) && stepRanges.some((r) => r.start.line <= f.range.start.line && f.range.start.line <= r.end.line),
  );
  if (blocking.length) {
    const f = blocking[0];
    return { ok: false, message: `Not started: line ${f.range.start.line + 1}: ${f.message}` };
  }

  const needed = new Map<string, Needed>();
  const add = (spec: SourceSpec, step: string) => {
    const key = resolver.keyOf(spec, config);
    const n = needed.get(key);
    if (n) n.steps.push(step);
    else needed.set(key, { spec, steps: [step] });
  };
  for (const step of steps) {
    const s = analysis.secrets.steps.find((x) => x.step === step);
    if (!s) continue;
    if (s.dynamic)
      return { ok: false, message: `Step '${step.name}': its @secrets sources are computed at run time, so the editor cannot resolve them before the run.` };
    for (const src of s.sources) add(src.spec, step.name);
  }
  if (p.extraSources?.length) {
    const at = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const built = buildSpecs(
      p.extraSources.map((x) => jsonToPy(x, at)),
      p.extraSourcesRole,
      config,
    );
    if (built.errors.length) return { ok: false, message: `Extra sources: ${built.errors[0].message}` };
    for (const spec of built.specs) add(spec, '(extra sources)');
  }

  const timeout = AbortSignal.timeout(RUN_RESOLVE_TIMEOUT_MS);
  const both = AbortSignal.any([signal, timeout]);
  const resolved: ResolvedSource[] = [];
  const answers = await Promise.all([...needed.values()].map(async (n) => ({ n, r: await resolver.resolve(n.spec, config, both, { maxAgeMs: 0 }) })));
  for (const { n, r } of answers) {
    if (!r.ok) {
      return {
        ok: false,
        message: `Not started: source '${specDisplay(n.spec)}' (step ${n.steps.join(', ')}) could not be resolved: ${r.message}${r.fix ? ` Fix: ${r.fix}` : ''}`,
      };
    }
    if (!p.preflightOnly) resolved.push(resolvedFromSpec(n.spec, Object.fromEntries(r.vars)));
  }
  if (p.preflightOnly) {
    return {
      ok: true,
      sealed: seal('[]', p.clientPublicKey),
      steps: steps.map((s) => s.name),
      sourceCount: needed.size,
      warnings: remoteWarnings(config),
      configEnv: configEnv(config),
    };
  }
  return {
    ok: true,
    sealed: seal(JSON.stringify(resolved), p.clientPublicKey),
    steps: steps.map((s) => s.name),
    sourceCount: resolved.length,
    warnings: [],
    configEnv: configEnv(config),
  };
}

/** A resolved source for a spec the editor built; refuses specs that are not fully static. */
export function resolvedFromSpec(spec: SourceSpec, env: Record<string, string>): ResolvedSource {
  if (spec.type === undefined) throw new RunPlanError(`${specDisplay(spec)}: no backend type, nothing to inject`);
  if (spec.options === DYNAMIC) throw new RunPlanError(`${specDisplay(spec)}: options are computed at run time and cannot be matched`);
  return { type: spec.type, id: spec.id, options: spec.options as { [k: string]: PlainValue }, role: spec.role ?? null, env };
}
