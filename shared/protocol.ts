// Types shared by the client and the server: settings and custom requests. No runtime imports.

/** Client commands that complete a quick fix the server offers (by the analysis' action name). */
export const EditorCommands = {
  'set-default-backend-type': 'metaflowSecrets.setDefaultBackendType',
} as const;

/** The client command behind "Create secret … in …" on a secret that does not exist (args: CreateSecretPlanParams). */
export const CREATE_SECRET_COMMAND = 'metaflowSecrets.createSecret';

/** The `metaflowSecrets.*` settings the server reads (see package.json for descriptions). */
export interface ServerSettings {
  /** Overrides of Metaflow configuration values, by name (`DEFAULT_SECRETS_BACKEND_TYPE` or `METAFLOW_...`). */
  metaflowConfig: Record<string, string>;
  /** Backend types registered by Metaflow extensions in use (e.g. Outerbounds types). */
  extraBackendTypes: string[];
  /** Upper bound of Python files the background index reads. */
  indexMaxFiles: number;
  /** No backend calls at all (static checks only). */
  offline: boolean;
  leaks: { severity: 'error' | 'warning' | 'information' | 'hint' | 'off'; conservative: boolean };
  backends: Record<string, unknown>;
  /** Per-rule levels by code or rule name (`MFS050` or `secret-in-log`) → error/warning/information/hint/off. */
  rules: Record<string, string>;
  /** Keys of secrets that hold no secret value, by name or glob (`DB_USER`, `*_HOST`): printing them is not a leak. */
  nonSecretKeys: string[];
}

export const DEFAULT_SETTINGS: ServerSettings = {
  metaflowConfig: {},
  extraBackendTypes: [],
  indexMaxFiles: 5000,
  offline: false,
  leaks: { severity: 'warning', conservative: false },
  backends: {},
  rules: {},
  nonSecretKeys: [],
};

/** Sent by the client in initializationOptions. */
export interface InitializationOptions {
  settings: ServerSettings;
  /** VS Code workspace trust: false means no cloud calls and nothing run. */
  trusted: boolean;
  /** Directory holding the WASM files in the bundled extension. */
  wasmDir?: string;
}

/** What the Secrets view shows of one source: where it points and what the backend said; never a value. */
export interface SecretsTreeSource {
  /** As Metaflow prints it: `<id> (<type>)`. */
  label: string;
  type: string;
  /** ARN, vault URL or resource name, when the id rules resolved it. */
  resolvedId?: string;
  state: 'ok' | 'missing' | 'denied' | 'offline' | 'pending' | 'unknown' | 'failed';
  /** Why, for every state but ok: the backend's message or what the editor cannot know. */
  detail?: string;
  /** The variables it injects (or keys get_secret returns), when known. */
  names?: string[];
  range: OutlineRange;
}

export interface SecretsTreeStep {
  name: string;
  range: OutlineRange;
  sources: SecretsTreeSource[];
}

export interface SecretsTreeFlow {
  uri: string;
  name: string;
  range: OutlineRange;
  steps: SecretsTreeStep[];
}

export interface InterpreterParams {
  /** Absent: no interpreter known; the checks use the static model. */
  python?: string;
  /** Where it came from, for the log: the run.python setting, the Python extension, or the python3 default. */
  origin: 'setting' | 'python-extension' | 'default';
  /** The workspace folder (file system path) it is for; absent: every folder. */
  folder?: string;
}

export interface MetaflowStatusParams {
  /** true: the checks use what the interpreter's Metaflow registers; false: the static model. */
  probed: boolean;
  /** "Metaflow 2.19.39 (ob-metaflow)" or "Metaflow: static model". */
  text: string;
  /** Backend types and interpreter, or why the static model is used. Never holds a value. */
  detail: string;
}

export interface FlowOutlineParams {
  uri: string;
}

export interface OutlineRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface StepOutline {
  name: string;
  range: OutlineRange;
  hasSecrets: boolean;
}

export interface FlowOutline {
  name: string;
  range: OutlineRange;
  steps: StepOutline[];
}

export interface StatusParams {
  state: 'idle' | 'resolving' | 'ok' | 'problems' | 'offline' | 'untrusted';
  /** Short text for the language status item; never holds a value. */
  detail: string;
}

export interface PrepareRunParams {
  uri: string;
  flow: string;
  /** One step (spin/resume); the whole flow when absent. */
  step?: string;
  /** Sources added for this run (`--with secrets:sources=[...]` semantics). */
  extraSources?: unknown[];
  extraSourcesRole?: string;
  /** The client's one-time X25519 public key (base64 SPKI DER): the answer is sealed to it. */
  clientPublicKey: string;
  /**
   * A pre-flight for a remote run: resolve every source with the role the tasks will use, return
   * no values (remote tasks fetch their own), and warn about settings Metaflow does not forward.
   */
  preflightOnly?: boolean;
}

export type PrepareRunResult =
  | {
      ok: true;
      /** JSON of the resolved sources (shared/run ResolvedSource[]), sealed to the client's key. */
      sealed: import('./sealedBox').SealedBox;
      /** Steps that will run and the number of sources resolved: for the log, no values. */
      steps: string[];
      sourceCount: number;
      warnings: string[];
      /**
       * The Metaflow configuration the editor used (METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE, prefixes,
       * roles; never a secret): set in the run so its @secrets reads specs exactly as analysed.
       */
      configEnv: Record<string, string>;
    }
  | { ok: false; message: string };

export interface CreateSecretPlanParams {
  uri: string;
  /** Inside the source (the diagnostic's start, or the cursor). */
  position: { line: number; character: number };
}

export type CreateSecretPlan =
  | {
      ok: true;
      /** Names this plan in the create request; valid once, for a few minutes. */
      token: string;
      /** "AWS Secrets Manager", "Azure Key Vault", "GCP Secret Manager". */
      backend: string;
      /** The source's id as written. */
      secretName: string;
      /** The backend's own words: account and region, vault, project. */
      where: string;
      /** Who the credential chain says the editor is (an ARN, a user principal, a service account). */
      identity: string;
      /** 'json': one value per key in one JSON object; 'single': one value, injected as `keys[0]`. */
      shape: 'json' | 'single';
      /** Pre-filled keys: what the step reads that nothing else provides ('json'), or the one variable ('single'). */
      keys: string[];
      /** The step (or "get_secret") that reads it, for the prompt. */
      readBy: string;
      /** The server's one-time X25519 public key (base64 SPKI DER): the values are sealed to it. */
      publicKey: string;
    }
  | { ok: false; message: string };

export interface CreateSecretParams {
  token: string;
  /** JSON `{"entries": [[key, value], ...]}`, sealed to the plan's public key (shared/sealedBox seal). */
  sealed: import('./sealedBox').SealedBox;
}

export type CreateSecretResult = { ok: true; message: string; resolvedId: string } | { ok: false; kind: string; message: string };

/** A request: its method and, in the types only, what it takes and returns (`types` is never set). */
export interface RequestMessage<P, R> {
  readonly method: string;
  readonly types?: (params: P) => R;
}

/** A notification: its method and, in the types only, what it carries. */
export interface NotificationMessage<P> {
  readonly method: string;
  readonly types?: (params: P) => void;
}

const request = <P, R>(method: string): RequestMessage<P, R> => ({ method });
const notification = <P>(method: string): NotificationMessage<P> => ({ method });
type Empty = Record<string, never>;

/**
 * The custom messages with their types: both sides send and handle them through these (client
 * `messages.ts`, server `lsp/messages.ts`), so a call site never restates a result type.
 */
export const Messages = {
  /** client → server: workspace trust changed (untrusted → trusted only; VS Code restarts otherwise). */
  trustChanged: notification<{ trusted: boolean }>('metaflowSecrets/trustChanged'),
  /** client → server: the flows and steps of a document, for CodeLens and run commands. */
  flowOutline: request<FlowOutlineParams, FlowOutline[]>('metaflowSecrets/flowOutline'),
  /** client → server: Metaflow's global configuration (outside the workspace) changed on disk. */
  configChanged: notification<Empty>('metaflowSecrets/configChanged'),
  /** client → server: drop cached backend answers and resolve again. */
  refresh: request<Empty, null>('metaflowSecrets/refresh'),
  /** server → client: resolution state for the language status item. */
  status: notification<StatusParams>('metaflowSecrets/status'),
  /** client → server: resolve what a run needs; values come back sealed (see runSecrets). */
  prepareRun: request<PrepareRunParams, PrepareRunResult>('metaflowSecrets/prepareRun'),
  /** client → server: flows → steps → sources of the open documents, for the Secrets view (names only). */
  secretsTree: request<Empty, SecretsTreeFlow[]>('metaflowSecrets/secretsTree'),
  /** client → server: the interpreter that runs flows (asked which Metaflow it has, in a trusted workspace). */
  interpreter: notification<InterpreterParams>('metaflowSecrets/interpreter'),
  /** server → client: which Metaflow the checks use, for the language status item. */
  metaflow: notification<MetaflowStatusParams>('metaflowSecrets/metaflow'),
  /** client → server: what creating the missing secret at a position would do (where, as whom, which keys); a one-time key. */
  createSecretPlan: request<CreateSecretPlanParams, CreateSecretPlan>('metaflowSecrets/createSecretPlan'),
  /** client → server: create it; the values travel sealed to the plan's one-time key. */
  createSecret: request<CreateSecretParams, CreateSecretResult>('metaflowSecrets/createSecret'),
} as const;
