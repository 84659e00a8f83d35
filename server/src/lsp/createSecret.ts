import { randomUUID } from 'crypto';
import { CancellationToken, CodeAction, CodeActionKind, Connection, Diagnostic } from 'vscode-languageserver/node';
import { CreationTarget, FailedResolution, NewSecretContent, SecretResolver } from '../backends';
import { DocumentAnalysis } from '../core/analyzer';
import { resolveId, sanitizeKey } from '../core/backendIds';
import { envVarNameError } from '../core/envMap';
import { envReadNames } from '../core/envReads';
import { isWellKnownNonSecret } from '../core/leaks/envNames';
import { MetaflowConfig } from '../core/metaflowConfig';
import { containsPosition, rangesEqual } from '../core/positions';
import { SourceInfo, StepSecrets } from '../core/secretsAnalysis';
import { DYNAMIC, SourceSpec, specDisplay } from '../core/sourceSpec';
import { CREATE_SECRET_COMMAND, CreateSecretParams, CreateSecretPlan, CreateSecretPlanParams, CreateSecretResult, Messages } from '../../../shared/protocol';
import { openingKey } from '../../../shared/sealedBox';
import { Logger } from './logger';
import { onRequest } from './messages';

/** What the server gives this module: the analysed documents, the resolver, trust. */
export interface SecretCreationHost {
  resolver: SecretResolver;
  log: Logger;
  trusted(): boolean;
  document(uri: string): Promise<{ analysis: DocumentAnalysis; config: MetaflowConfig } | undefined>;
  /** A secret was created: analyse every document again (its "not found" goes away). */
  reanalyse(): void;
}

const BACKEND_NAMES: Record<string, string> = {
  'aws-secrets-manager': 'AWS Secrets Manager',
  'az-key-vault': 'Azure Key Vault',
  'gcp-secret-manager': 'GCP Secret Manager',
};

/** What a create request needs of the plan the user confirmed (no value: those come sealed). */
interface Plan {
  spec: SourceSpec;
  config: MetaflowConfig;
  shape: 'json' | 'single';
  /** For 'single': the one variable the value is injected as. */
  single?: string;
  target: CreationTarget;
  key: ReturnType<typeof openingKey>;
  expiresAt: number;
}

/** A plan is confirmed by a person typing values: minutes, not hours. */
const PLAN_TTL_MS = 10 * 60_000;
const MAX_PLANS = 20;

/**
 * "Create secret … in …" on a secret that does not exist (MFS030), in trusted workspaces: the
 * code action, the plan the client confirms (where, as whom, which keys the step reads), and the
 * creation itself. Values reach this process sealed to a one-time key of the plan and go from
 * there to the SDK call only: never into a message, the log or a file.
 */
export class SecretCreation {
  private readonly plans = new Map<string, Plan>();

  constructor(private readonly host: SecretCreationHost) {}

  /** Answers the plan and create requests on `connection`. */
  listen(connection: Connection): void {
    onRequest(connection, Messages.createSecretPlan, (p, token) => this.plan(p, abortSignalOf(token)));
    onRequest(connection, Messages.createSecret, (p, token) => this.create(p, abortSignalOf(token)));
  }

  /** The code actions for the "secret not found" diagnostics in `diagnostics`. */
  codeActions(uri: string, analysis: DocumentAnalysis, diagnostics: readonly Diagnostic[]): CodeAction[] {
    if (!this.host.trusted() || this.host.resolver.getSettings().offline) return [];
    const out: CodeAction[] = [];
    for (const d of diagnostics) {
      if (d.code !== 'MFS030') continue;
      const src = sourcesOf(analysis).find((s) => rangesEqual(s.info.spec.range, d.range))?.info;
      if (!src || !creatable(src.spec)) continue;
      out.push({
        title: `Create secret '${src.spec.id}' in ${BACKEND_NAMES[src.spec.type!]}…`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        command: { title: 'Create secret', command: CREATE_SECRET_COMMAND, arguments: [{ uri, position: d.range.start } satisfies CreateSecretPlanParams] },
      });
    }
    return out;
  }

  /** Where and as whom the secret at `position` would be created, and the keys to ask values for. */
  async plan(p: CreateSecretPlanParams, signal: AbortSignal): Promise<CreateSecretPlan> {
    if (!this.host.trusted()) return { ok: false, message: 'Secrets are not created in Restricted Mode: trust the workspace first.' };
    if (this.host.resolver.getSettings().offline)
      return { ok: false, message: 'Offline (metaflowSecrets.offline): no backend is asked, so nothing can be created.' };
    const doc = await this.host.document(p.uri);
    const found = doc && sourcesOf(doc.analysis).find((s) => !s.info.spec.value.indirect && containsPosition(s.info.spec.range, p.position));
    if (!doc || !found) return { ok: false, message: 'Put the cursor on a source of @secrets (or get_secret) that names a secret which does not exist.' };
    const { spec } = found.info;
    if (!creatable(spec))
      return {
        ok: false,
        message: `The editor creates AWS Secrets Manager, Azure Key Vault and GCP Secret Manager secrets only, from a source whose id and options are written out (${specDisplay(spec)}).`,
      };
    const target = await this.host.resolver.creationTarget(spec, doc.config, signal);
    if (!target.ok) return { ok: false, message: `Cannot create ${specDisplay(spec)}: ${target.message}${target.fix ? ` Fix: ${target.fix}` : ''}` };
    const shape = shapeOf(spec, doc.config);
    const keys = shape.shape === 'single' ? [shape.single] : found.step ? keysReadBy(found.step, found.info) : [];
    const token = randomUUID();
    this.prune();
    const key = openingKey();
    this.plans.set(token, {
      spec,
      config: doc.config,
      shape: shape.shape,
      single: shape.shape === 'single' ? shape.single : undefined,
      target,
      key,
      expiresAt: Date.now() + PLAN_TTL_MS,
    });
    this.host.log.info(`Create ${specDisplay(spec)}: planned in ${target.where} as ${target.identity}; keys ${keys.join(', ') || '(none read)'}`);
    return {
      ok: true,
      token,
      backend: BACKEND_NAMES[spec.type!],
      secretName: spec.id,
      where: target.where,
      identity: target.identity,
      shape: shape.shape,
      keys,
      readBy: found.step ? `step ${found.step.step.name}` : 'get_secret',
      publicKey: key.publicKey,
    };
  }

  /** Opens the sealed values, creates the secret, and resolves the source again. */
  async create(p: CreateSecretParams, signal: AbortSignal): Promise<CreateSecretResult> {
    const plan = typeof p?.token === 'string' ? this.plans.get(p.token) : undefined;
    if (plan) this.plans.delete(p.token); // one use only
    if (!plan || plan.expiresAt < Date.now())
      return { ok: false, kind: 'expired', message: 'This request to create a secret has expired or was used already: start again from the quick fix.' };
    if (!this.host.trusted() || this.host.resolver.getSettings().offline)
      return { ok: false, kind: 'offline', message: 'Secrets are not created in Restricted Mode or offline.' };
    const content = this.open(plan, p.sealed);
    if ('error' in content) return { ok: false, kind: 'invalid', message: content.error };
    const where = `${plan.target.where} as ${plan.target.identity}`;
    const names = content.kind === 'json' ? content.entries.map(([k]) => k) : [plan.single!];
    this.host.log.info(`Create ${specDisplay(plan.spec)} in ${where}: keys ${names.join(', ')}`);
    const created = await this.host.resolver.createSecret(plan.spec, plan.config, content, signal);
    if (!created.ok) return { ok: false, kind: created.kind, message: failureMessage(plan, created) };
    // Ask again now, so the diagnostic goes as soon as the backend shows the secret.
    const again = await this.host.resolver.resolve(plan.spec, plan.config, signal, { maxAgeMs: 0 });
    this.host.reanalyse();
    const now = again.ok ? `; it resolves now, injecting ${again.names.join(', ') || 'nothing'}` : `; resolving it again said: ${again.message}`;
    this.host.log.info(
      `Created ${specDisplay(plan.spec)}: ${created.resolvedId}${again.ok ? `, resolves with ${again.names.length} name(s)` : `, not resolved yet (${again.kind})`}`,
    );
    return {
      ok: true,
      resolvedId: created.resolvedId,
      message: `Created '${plan.spec.id}' in ${BACKEND_NAMES[plan.spec.type!]} (${plan.target.where})${now}.`,
    };
  }

  /** The values from the sealed box, checked against the plan (names only reach messages). */
  private open(plan: Plan, sealed: CreateSecretParams['sealed']): NewSecretContent | { error: string } {
    let entries: unknown;
    try {
      entries = (JSON.parse(plan.key.open(sealed)) as { entries?: unknown }).entries;
    } catch {
      return { error: "The values could not be opened (not sealed to this request's key)." };
    }
    if (!Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string')) {
      return { error: 'The values must be pairs of key and text.' };
    }
    const pairs = entries as Array<[string, string]>;
    if (plan.shape === 'single') {
      if (pairs.length !== 1) return { error: `This secret holds one value (injected as ${plan.single}).` };
      return { kind: 'text', value: pairs[0][1] };
    }
    if (pairs.length === 0) return { error: 'Give at least one key.' };
    const seen = new Map<string, string>();
    for (const [k] of pairs) {
      const problem = keyProblem(k);
      if (problem) return { error: problem };
      const s = sanitizeKey(k);
      if (seen.has(s)) return { error: `Keys '${seen.get(s)}' and '${k}' would both be injected as ${s}.` };
      seen.set(s, k);
    }
    return { kind: 'json', entries: pairs };
  }

  private prune(): void {
    const now = Date.now();
    for (const [t, p] of this.plans) if (p.expiresAt < now) this.plans.delete(t);
    while (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value!);
  }
}

/** Every source of the document with the step that reads it (get_secret calls have none). */
function sourcesOf(analysis: DocumentAnalysis): Array<{ info: SourceInfo; step?: StepSecrets }> {
  return [
    ...analysis.secrets.steps.flatMap((step) => step.sources.map((info) => ({ info, step }))),
    ...analysis.secrets.calls.map((c) => ({ info: c.source })),
  ];
}

/** A source of a backend the editor can create secrets in, with everything about it written out. */
function creatable(spec: SourceSpec): boolean {
  // An ARN ends in a suffix AWS picks at creation: it names only a secret that exists.
  const arn = spec.type === 'aws-secrets-manager' && spec.id.startsWith('arn:');
  return !!spec.type && spec.type in BACKEND_NAMES && spec.options !== DYNAMIC && !spec.value.indirect && !arn;
}

/** One JSON object of keys (AWS's default, GCP with options.json), or one value. */
function shapeOf(spec: SourceSpec, config: MetaflowConfig): { shape: 'json' } | { shape: 'single'; single: string } {
  const id = resolveId(spec, config);
  const options = spec.options === DYNAMIC ? {} : spec.options;
  if (id.ok && id.backend === 'azure') return { shape: 'single', single: id.envVarName };
  if (id.ok && id.backend === 'gcp') return id.json ? { shape: 'json' } : { shape: 'single', single: id.envVarName };
  const json = options.json;
  if (json === undefined || !!json) return { shape: 'json' };
  const envName = options.env_var_name;
  return { shape: 'single', single: sanitizeKey(envName ? String(envName) : spec.id) };
}

/**
 * The names the step reads from the environment that nothing else gives it: not another
 * source's known names, not @environment's, not the platform's own variables.
 */
function keysReadBy(step: StepSecrets, source: SourceInfo): string[] {
  const others = new Set(step.sources.filter((s) => s !== source && s.names.known).flatMap((s) => (s.names.known ? s.names.names : [])));
  const env = new Set(step.environmentVars === 'dynamic' ? [] : step.environmentVars.map((v) => v.name));
  const out: string[] = [];
  for (const { name } of envReadNames(step.step.functionNode)) {
    if (out.includes(name) || others.has(name) || env.has(name) || isWellKnownNonSecret(name) || keyProblem(name)) continue;
    out.push(name);
  }
  return out;
}

/** Why Metaflow would refuse to inject this key (after its sanitising), if it would. */
function keyProblem(key: string): string | undefined {
  if (!key) return 'A key must not be empty.';
  return envVarNameError(sanitizeKey(key))?.message;
}

/** What went wrong, worded for a person who tried to create a secret: who, where, and what permission it needs. */
function failureMessage(plan: Plan, f: FailedResolution): string {
  const who = `${plan.target.identity} in ${plan.target.where}`;
  if (f.kind === 'access-denied') return `${who} may not create this secret (${PERMISSION[plan.spec.type!]}): ${f.message}`;
  if (f.kind === 'credentials') return `No usable credentials to create it (${who}): ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`;
  return `Could not create '${plan.spec.id}' (${who}): ${f.message}`;
}

const PERMISSION: Record<string, string> = {
  'aws-secrets-manager': 'it needs secretsmanager:CreateSecret',
  'az-key-vault': 'it needs the secrets "set" permission, e.g. the Key Vault Secrets Officer role',
  'gcp-secret-manager': 'it needs secretmanager.secrets.create and secretmanager.versions.add, e.g. the Secret Manager Admin role',
};

function abortSignalOf(token: CancellationToken): AbortSignal {
  const abort = new AbortController();
  token.onCancellationRequested(() => abort.abort());
  return abort.signal;
}
