import { MetaflowConfig } from './metaflowConfig';
import { Plain, SourceSpec } from './sourceSpec';

// Each backend's id rules, as Metaflow's providers apply them before any network call.

/** What a backend will be asked for, once the id rules passed. */
export type IdResolution =
  | { ok: true; backend: 'aws'; secretId: string; region?: string; regionOrigin?: string; role?: string; roleOrigin?: string }
  | { ok: true; backend: 'azure'; vaultUrl: string; secretName: string; version?: string; envVarName: string }
  | { ok: true; backend: 'gcp'; resourceName: string; secretName: string; envVarName: string; json: boolean }
  | { ok: true; backend: 'inline' | 'other' }
  | { ok: false; code: 'MFS006' | 'MFS007' | 'MFS017' | 'MFS039'; message: string };

export const AZURE_DOMAINS = ['.vault.azure.net', '.vault.azure.cn', '.vault.usgovcloudapi.net', '.vault.microsoftazure.de'];

/** Metaflow's provider key sanitiser (AWS, Azure, GCP): `-`, `.`, `/` become `_`. */
export function sanitizeKey(key: string): string {
  return key.replace(/[-./]/g, '_');
}

function opt(spec: SourceSpec, name: string): Plain | undefined {
  return typeof spec.options === 'object' ? spec.options[name] : undefined;
}

/** Failures inside a provider are wrapped by the decorator like this. */
export function wrapProviderError(id: string, message: string): string {
  return `Failed to retrieve secret '${id}': ${message}`;
}

export function resolveId(spec: SourceSpec, config: MetaflowConfig): IdResolution {
  switch (spec.type) {
    case 'aws-secrets-manager':
      return resolveAws(spec, config);
    case 'az-key-vault':
      return resolveAzure(spec, config);
    case 'gcp-secret-manager':
      return resolveGcp(spec, config);
    case 'inline':
      return { ok: true, backend: 'inline' };
    default:
      return { ok: true, backend: 'other' };
  }
}

function resolveAws(spec: SourceSpec, config: MetaflowConfig): IdResolution {
  let region: string | undefined;
  let regionOrigin: string | undefined;
  const m = /^arn:aws:secretsmanager:([^:]+):/.exec(spec.id);
  const optRegion = opt(spec, 'region');
  if (m) {
    region = m[1];
    regionOrigin = 'the ARN';
  } else if (typeof spec.options === 'object' && 'region' in spec.options) {
    region = typeof optRegion === 'string' ? optRegion : undefined;
    regionOrigin = 'options.region';
  } else {
    const c = config.get('AWS_SECRETS_MANAGER_DEFAULT_REGION');
    if (c) {
      region = c.value;
      regionOrigin = 'METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION';
    }
  }
  let role = spec.role;
  let roleOrigin: string | undefined = spec.roleOrigin;
  const awsDefaultRole = config.get('AWS_SECRETS_MANAGER_DEFAULT_ROLE')?.value;
  if (awsDefaultRole && !role) {
    role = awsDefaultRole;
    roleOrigin = 'AWS_SECRETS_MANAGER_DEFAULT_ROLE';
  }
  return { ok: true, backend: 'aws', secretId: spec.id, region, regionOrigin, role: role || undefined, roleOrigin };
}

function validVaultName(n: string): boolean {
  return /^[a-zA-Z0-9-]{3,24}$/.test(n) && !n.includes('--');
}

/** Python's urlparse(...).netloc and .path, enough for https URLs. */
function splitUrl(u: string): { netloc: string; path: string } {
  const rest = u.slice('https://'.length);
  const cut = rest.search(/[/?#]/);
  const netloc = cut < 0 ? rest : rest.slice(0, cut);
  let p = cut < 0 ? '' : rest.slice(cut);
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  return { netloc, path: p };
}

function stripSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

/** Mirrors `_is_secret_id_fully_qualified_url`: an error message, or the parts. */
function checkAzureUrl(url: string): { error: string } | { vaultUrl: string; name: string; version?: string } {
  const { netloc, path } = splitUrl(url);
  const domain = AZURE_DOMAINS.find((d) => netloc.includes(d));
  if (!domain) return { error: `bad key vault domain ${url}` };
  const vault = netloc.slice(0, netloc.length - domain.length);
  if (!validVaultName(vault)) return { error: `bad key vault name ${vault}` };
  const parts = stripSlashes(path).split('/');
  if (parts.length < 2 || parts.length > 3) return { error: `bad secret uri path [${parts.map((p) => `'${p}'`).join(', ')}]` };
  if (parts[0] !== 'secrets') return { error: `bad secret type ${parts[0]}` };
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,126}$/.test(parts[1])) return { error: `bad secret name ${parts[1]}` };
  if (parts.length === 3 && !/^[a-zA-Z0-9]{32}$/.test(parts[2])) return { error: `bad secret version ${parts[2]}` };
  return { vaultUrl: `https://${netloc}`, name: parts[1], version: parts[2] };
}

/** Metaflow's bare "bad secret version abc123", with what a version id is. */
function azureExplained(error: string): string {
  const v = /^bad secret version (.*)$/.exec(error);
  if (!v) return error;
  return `${error}. An Azure Key Vault version id is 32 letters and digits ('${v[1]}' has ${v[1].length} characters), as listed by \`az keyvault secret list-versions\`; leave it out to get the latest version`;
}

function resolveAzure(spec: SourceSpec, config: MetaflowConfig): IdResolution {
  const id = spec.id;
  const fail = (message: string): IdResolution => ({ ok: false, code: 'MFS006', message: wrapProviderError(id, message) });
  if (id === '') return fail('empty secret id is not supported');
  let full: string;
  if (!id.startsWith('https://')) {
    const parts = stripSlashes(id).split('/');
    if (parts.length > 2) return fail(`unsupported partial secret ${id}`);
    const prefix = config.get('AZURE_KEY_VAULT_PREFIX')?.value;
    if (!prefix) {
      return {
        ok: false,
        code: 'MFS006',
        message: wrapProviderError(id, `cannot use simple secret id without setting METAFLOW_AZURE_KEY_VAULT_PREFIX. ${prefix === '' ? '' : 'None'}`),
      };
    }
    full = `${prefix.replace(/\/+$/, '')}/secrets/${id}`;
    if (!full.startsWith('https://')) return fail(`unsupported partial secret ${id}`);
    const checked = checkAzureUrl(full);
    if ('error' in checked) {
      // The prefix itself is wrong when the vault part fails or it carries a path of its own
      // (Metaflow appends /secrets/<id>); name/version errors are the id's.
      const prefixPath = stripSlashes(splitUrl(prefix).path);
      if (checked.error.startsWith('bad key vault')) return { ok: false, code: 'MFS017', message: wrapProviderError(id, checked.error) };
      if (prefixPath !== '') {
        return {
          ok: false,
          code: 'MFS017',
          message: `${wrapProviderError(id, checked.error)}. METAFLOW_AZURE_KEY_VAULT_PREFIX must be the vault URL alone (https://<vault>.vault.azure.net/): Metaflow appends /secrets/<id> itself, so its path '${prefixPath}' makes the id ${full}`,
        };
      }
      return fail(azureExplained(checked.error));
    }
  } else {
    full = id;
  }
  const checked = checkAzureUrl(full);
  if ('error' in checked) return fail(azureExplained(checked.error));
  const envOpt = opt(spec, 'env_var_name');
  const envVarName = sanitizeKey(envOpt !== undefined && envOpt !== null ? String(envOpt) : checked.name);
  return { ok: true, backend: 'azure', vaultUrl: checked.vaultUrl, secretName: checked.name, version: checked.version, envVarName };
}

function resolveGcp(spec: SourceSpec, config: MetaflowConfig): IdResolution {
  const id = spec.id;
  const full = /^projects\/\d+\/secrets\/([\w-]+)(\/versions\/([\w-]+))?$/.exec(id);
  const partial = /^([\w-]+)(\/versions\/[\w-]+)?$/.exec(id);
  let resourceName: string;
  let envVarName: string;
  let secretName: string;
  if (full) {
    secretName = full[1];
    envVarName = full[1];
    resourceName = full[3] ? id : `${id}/versions/latest`;
  } else if (partial) {
    const prefix = config.get('GCP_SECRET_MANAGER_PREFIX')?.value;
    if (!prefix) {
      return {
        ok: false,
        code: 'MFS007',
        message: wrapProviderError(id, `Cannot use simple secret_id without setting METAFLOW_GCP_SECRET_MANAGER_PREFIX. ${prefix === '' ? '' : 'None'}`),
      };
    }
    secretName = partial[1];
    envVarName = partial[2] ? partial[1] : id;
    resourceName = partial[2] ? `${prefix}${id}` : `${prefix}${id}/versions/latest`;
    const bad = gcpPrefixProblem(prefix, resourceName, config.get('GCP_SECRET_MANAGER_PREFIX')?.origin ?? '');
    if (bad) return { ok: false, code: 'MFS039', message: bad };
  } else {
    return { ok: false, code: 'MFS007', message: wrapProviderError(id, `Invalid secret_id: ${id}. Must be either a full path or a simple string.`) };
  }
  const json = !!opt(spec, 'json');
  const envOpt = opt(spec, 'env_var_name');
  if (!json && envOpt) envVarName = String(envOpt);
  return { ok: true, backend: 'gcp', resourceName, secretName, envVarName: sanitizeKey(envVarName), json };
}

/**
 * Metaflow glues the prefix and the id together as written, so a prefix copied without its
 * trailing slash (`projects/p/secrets`) names a resource that does not exist.
 */
function gcpPrefixProblem(prefix: string, resourceName: string, origin: string): string | undefined {
  if (/^projects\/[^/]+\/secrets\/$/.test(prefix)) return undefined;
  const fixed = /^projects\/[^/]+\/secrets$/.test(prefix)
    ? ` Write it with the trailing slash: '${prefix}/'.`
    : " It must look like 'projects/<project>/secrets/'.";
  return `METAFLOW_GCP_SECRET_MANAGER_PREFIX is '${prefix}'${origin ? ` (from ${origin})` : ''}: Metaflow appends the id to it as written and asks GCP for '${resourceName}', which is not a secret's resource name, so the task fails.${fixed}`;
}
