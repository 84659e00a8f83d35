// What an environment variable's name says about its value, for reads whose provider is unknown.
// A name that looks like a credential always wins over the non-secret lists (GITHUB_TOKEN is
// not a GITHUB_* setting).

/** Names set by the OS, the shell, Python, Metaflow, CUDA, schedulers, clouds: never secrets. */
const NON_SECRET_NAMES = new Set([
  'HOME',
  'PATH',
  'USER',
  'USERNAME',
  'LOGNAME',
  'SHELL',
  'PWD',
  'OLDPWD',
  'TMPDIR',
  'TEMP',
  'TMP',
  'LANG',
  'LANGUAGE',
  'TERM',
  'TZ',
  'HOSTNAME',
  'HOST',
  'DISPLAY',
  'EDITOR',
  'PAGER',
  'SHLVL',
  'PYTHONPATH',
  'PYTHONHASHSEED',
  'PYTHONUNBUFFERED',
  'VIRTUAL_ENV',
  'JAVA_HOME',
  'SPARK_HOME',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_EXECUTION_ENV',
  'AWS_CONFIG_FILE',
  'GOOGLE_CLOUD_PROJECT',
  'GCP_PROJECT',
  'GCLOUD_PROJECT',
  'CLOUDSDK_CORE_PROJECT',
  'AZURE_REGION',
  'CUDA_VISIBLE_DEVICES',
  'OMP_NUM_THREADS',
  'MKL_NUM_THREADS',
  'TOKENIZERS_PARALLELISM',
  'RANK',
  'LOCAL_RANK',
  'WORLD_SIZE',
  'NODE_RANK',
  'MASTER_ADDR',
  'MASTER_PORT',
  'HF_HOME',
  'HF_HUB_CACHE',
  'HF_DATASETS_CACHE',
  'TRANSFORMERS_CACHE',
  'TORCH_HOME',
  'CI',
  'DEBUG',
  'VERBOSE',
  'LOG_LEVEL',
  'LOGLEVEL',
  'ENV',
  'ENVIRONMENT',
  'STAGE',
  'PORT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'SYSTEMROOT',
  'COMSPEC',
  'NUMBER_OF_PROCESSORS',
]);
const NON_SECRET_PREFIXES = [
  'METAFLOW_',
  'LC_',
  'XDG_',
  'CONDA_',
  'PYTHON',
  'NVIDIA_',
  'CUDA_',
  'KUBERNETES_',
  'AWS_BATCH_',
  'ECS_',
  'ARGO_',
  'MF_',
  'SLURM_',
  'GITHUB_',
  'RUNNER_',
  'CI_',
  'BUILDKITE_',
  'SSH_',
];

/** The parts of a name (split on `_`) that make it look like a credential. */
const CREDENTIAL_WORDS = new Set([
  'TOKEN',
  'TOKENS',
  'SECRET',
  'SECRETS',
  'PASSWORD',
  'PASSWD',
  'PASS',
  'PWD',
  'APIKEY',
  'CREDENTIAL',
  'CREDENTIALS',
  'CREDS',
  'AUTH',
  'BEARER',
  'PAT',
  'DSN',
  'PRIVATE',
  'SIGNING',
  'WEBHOOK',
]);

/** Names about a credential rather than the credential: a file holding it, its id, name, endpoint, expiry. */
const ABOUT_A_CREDENTIAL = /_(FILE|PATH|DIR|ID|NAME|ARN|URL|URI|ENDPOINT|EXPIRY|EXPIRES|EXPIRATION|TYPE|REGION|HEADER|LENGTH|TTL)$/;

/** `HF_TOKEN`, `OPENAI_API_KEY`, `DB_PASSWORD`, `CLIENT_SECRET`, `AWS_SECRET_ACCESS_KEY`. */
export function looksLikeCredential(name: string): boolean {
  const up = name.toUpperCase();
  if (up === 'PWD' || up === 'OLDPWD') return false; // the working directory
  if (ABOUT_A_CREDENTIAL.test(up)) return false;
  const words = up.split(/_+/).filter(Boolean);
  if (words.some((w) => CREDENTIAL_WORDS.has(w))) return true;
  if (/(^|_)(API|ACCESS|SECRET|PRIVATE|LICENSE|ENCRYPTION|MASTER|SERVICE)_?KEY(S)?$/.test(up)) return true;
  return /PASSWORD|PASSWD|SECRET|TOKEN/.test(up) && !/TOKENIZER/.test(up);
}

/**
 * The last part of a name that makes it a setting: a size, a count, a limit, a duration, a place
 * on disk, a host or port, a level or mode. URL and URI are not here: DATABASE_URL, MONGO_URI and
 * SLACK_WEBHOOK_URL often are the credential.
 */
const SETTING_SUFFIXES = new Set([
  'SIZE',
  'COUNT',
  'LIMIT',
  'TIMEOUT',
  'TTL',
  'INTERVAL',
  'DELAY',
  'RETRIES',
  'ATTEMPTS',
  'WORKERS',
  'THREADS',
  'PROCS',
  'EPOCHS',
  'STEPS',
  'BATCH',
  'RATE',
  'SEED',
  'DIR',
  'FOLDER',
  'PATH',
  'FILE',
  'PORT',
  'HOST',
  'HOSTNAME',
  'LEVEL',
  'MODE',
  'REGION',
  'ZONE',
  'VERSION',
  'FORMAT',
  'LOCALE',
]);
/** First parts that make a name a number to tune (`NUM_SHARDS`, `MAX_LENGTH`). */
const SETTING_PREFIXES = new Set(['NUM', 'MAX', 'MIN', 'N']);

/**
 * `BATCH_SIZE`, `NUM_WORKERS`, `OUTPUT_DIR`, `DB_PORT`: a name that says the value is a setting.
 * A name that looks like a credential is never one (`MAX_TOKENS` reads as a credential word and
 * stays assumed; conversion to a number is what clears such a knob, see settingNames).
 */
export function looksLikeSetting(name: string): boolean {
  if (looksLikeCredential(name)) return false;
  const words = name.toUpperCase().split(/_+/).filter(Boolean);
  if (words.length < 2) return false;
  return SETTING_SUFFIXES.has(words[words.length - 1]) || SETTING_PREFIXES.has(words[0]);
}

/** A variable the platform sets or a plain setting: not assumed secret even when a step's @secrets keys are unknown. */
export function isWellKnownNonSecret(name: string): boolean {
  if (looksLikeCredential(name)) return false;
  const up = name.toUpperCase();
  if (NON_SECRET_NAMES.has(up)) return true;
  return NON_SECRET_PREFIXES.some((p) => up.startsWith(p));
}
