import { SECRETS_CONFIG_NAMES } from './metaflowConfig';
import { nearestNames } from './suggest';

// Metaflow reads configuration by exact name and ignores every other METAFLOW_ variable or key,
// so a name copied wrong (METAFLOW_SECRETS_BACKEND_TYPE, taught by a popular overview) fails
// later as "No default secrets backend type configured" with no hint about the typo.

/** Real configuration names with SECRET or VAULT in them that @secrets does not read (metaflow 2.19.39). */
const OTHER_REAL_NAMES = ['KUBERNETES_SECRETS', 'KUBERNETES_IMAGE_PULL_SECRETS', 'ARGO_WORKFLOWS_KUBERNETES_SECRETS'];

/** Names people write for the real ones, beyond what edit distance finds. */
const KNOWN_MISTAKES: Readonly<Record<string, string>> = {
  SECRETS_BACKEND_TYPE: 'DEFAULT_SECRETS_BACKEND_TYPE',
  SECRET_BACKEND_TYPE: 'DEFAULT_SECRETS_BACKEND_TYPE',
  SECRETS_BACKEND: 'DEFAULT_SECRETS_BACKEND_TYPE',
  DEFAULT_SECRETS_BACKEND: 'DEFAULT_SECRETS_BACKEND_TYPE',
  SECRETS_BACKEND_ROLE: 'DEFAULT_SECRETS_ROLE',
  SECRETS_ROLE: 'DEFAULT_SECRETS_ROLE',
  SECRETS_MANAGER_DEFAULT_REGION: 'AWS_SECRETS_MANAGER_DEFAULT_REGION',
  AWS_SECRETS_MANAGER_REGION: 'AWS_SECRETS_MANAGER_DEFAULT_REGION',
  GCP_SECRETS_MANAGER_PREFIX: 'GCP_SECRET_MANAGER_PREFIX',
  AZURE_KEYVAULT_PREFIX: 'AZURE_KEY_VAULT_PREFIX',
};

export interface MisnamedConfig {
  /** As written, with the METAFLOW_ prefix. */
  name: string;
  /** The configuration name meant, with the METAFLOW_ prefix. */
  meant: string;
  /** `env`, `setting`, or the config file's path. */
  origin: string;
}

/** The names among `names` that look like a secrets configuration name but are not one. */
export function misnamedConfig(names: Iterable<string>, origin: string): MisnamedConfig[] {
  const out: MisnamedConfig[] = [];
  for (const raw of names) {
    const full = raw.startsWith('METAFLOW_') ? raw : `METAFLOW_${raw}`;
    const short = full.slice('METAFLOW_'.length);
    if ((SECRETS_CONFIG_NAMES as readonly string[]).includes(short) || OTHER_REAL_NAMES.includes(short)) continue;
    if (!/SECRET|VAULT/.test(short)) continue;
    const meant = KNOWN_MISTAKES[short] ?? nearestNames(short, SECRETS_CONFIG_NAMES, 3)[0];
    if (meant) out.push({ name: full, meant: `METAFLOW_${meant}`, origin });
  }
  return out;
}

/** How a misnamed configuration is explained in a finding. */
export function misnamedText(m: MisnamedConfig): string {
  return `${m.name} is set (${m.origin === 'env' ? 'in the environment' : m.origin === 'setting' ? 'in metaflowSecrets.metaflowConfig' : `in ${m.origin}`}) but Metaflow does not read that name; it reads ${m.meant}`;
}
