import { RuleInfo } from './ruleTypes';

// Rules decided from the source text and Metaflow's configuration alone (no backend).
export const STATIC_RULES: RuleInfo[] = [
  {
    code: 'MFS001',
    name: 'sources-not-a-list',
    severity: 'error',
    title: '`sources` is not a list or tuple',
    explanation: 'Metaflow iterates `sources` without checking its type: a string becomes one source per character, a dict one source per key.',
  },
  {
    code: 'MFS002',
    name: 'source-item-type',
    severity: 'error',
    title: 'A source is neither a string nor a dict',
    explanation: 'Each item of `sources` must be a str spec ("type.id") or a dict spec ({"type", "id", "options", "role"}).',
  },
  {
    code: 'MFS003',
    name: 'bad-dict-source',
    severity: 'error',
    title: 'A dict source has a field of the wrong type',
    explanation: '`type`, `id` and `role` must be strings and `options` a dict; Metaflow checks this when the task starts.',
  },
  {
    code: 'MFS004',
    name: 'unknown-backend-type',
    severity: 'error',
    title: 'Unknown secrets backend type',
    explanation:
      'A string source is split on its FIRST dot: the part before it is the backend type. A dotted AWS name or a vault URL written as a plain string therefore names a backend that does not exist.',
  },
  {
    code: 'MFS005',
    name: 'no-default-backend-type',
    severity: 'error',
    title: 'No default secrets backend type configured',
    explanation:
      'A source without a type (a string with no dot, or a dict without "type") uses METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE, which is not set in the environment or Metaflow\'s configuration. Reported once per file; a Warning instead of an Error when nothing configures Metaflow on this machine (the configuration then most likely lives where the flow runs).',
  },
  {
    code: 'MFS006',
    name: 'azure-secret-id',
    severity: 'error',
    title: 'Azure Key Vault secret id is invalid',
    explanation: 'Metaflow accepts https://<vault><domain>/secrets/<name>[/<version>] or, with METAFLOW_AZURE_KEY_VAULT_PREFIX set, <name>[/<version>].',
  },
  {
    code: 'MFS007',
    name: 'gcp-secret-id',
    severity: 'error',
    title: 'GCP Secret Manager secret id is invalid',
    explanation: 'Metaflow accepts projects/<number>/secrets/<name>[/versions/<v>] or, with METAFLOW_GCP_SECRET_MANAGER_PREFIX set, <name>[/versions/<v>].',
  },
  {
    code: 'MFS008',
    name: 'unknown-attribute',
    severity: 'error',
    title: '@secrets has an unknown attribute',
    explanation: '@secrets accepts only sources, role and allow_override; Metaflow refuses any other keyword when the flow is loaded.',
  },
  {
    code: 'MFS009',
    name: 'duplicate-decorator',
    severity: 'error',
    title: '@secrets appears twice on a step',
    explanation: 'A step may carry @secrets only once; list every source in one decorator.',
  },
  {
    code: 'MFS010',
    name: 'misplaced-decorator',
    severity: 'error',
    title: '@secrets is not applied to a step',
    explanation: '@secrets must decorate a method that has @step, and stand above @step.',
  },
  {
    code: 'MFS011',
    name: 'invalid-env-var-name',
    severity: 'error',
    title: 'A secret would set an invalid environment variable name',
    explanation: 'Names must fully match [a-zA-Z_][a-zA-Z0-9_]*.',
  },
  {
    code: 'MFS012',
    name: 'disallowed-env-var-name',
    severity: 'error',
    title: 'A secret would set a variable starting with METAFLOW_',
    explanation: 'Metaflow reserves the METAFLOW_ prefix and refuses secrets that set it.',
  },
  {
    code: 'MFS013',
    name: 'clash-between-sources',
    severity: 'error',
    title: 'Two sources set the same variable',
    explanation: 'Two sources of one step that inject the same name always fail, even with allow_override=True.',
  },
  {
    code: 'MFS014',
    name: 'clash-with-environment',
    severity: 'error',
    title: 'A secret clashes with @environment',
    explanation: 'A variable set by @environment(vars=...) on the same step already exists when @secrets runs; without allow_override=True the task fails.',
  },
  {
    code: 'MFS015',
    name: 'dynamic-sources',
    severity: 'hint',
    title: 'Sources are computed at run time',
    explanation: 'Calls, f-strings, config expressions and callables are evaluated only when the task runs; nothing is checked statically for them.',
  },
  {
    code: 'MFS016',
    name: 'positional-argument',
    severity: 'error',
    title: '@secrets takes keyword arguments only',
    explanation: 'A positional argument is taken for the decorated function, so Metaflow reports the decorator as not applied to a step.',
  },
  {
    code: 'MFS017',
    name: 'azure-prefix',
    severity: 'error',
    title: 'METAFLOW_AZURE_KEY_VAULT_PREFIX is invalid',
    explanation: 'The prefix must be a https:// vault URL such as https://myvault.vault.azure.net/.',
  },
  {
    code: 'MFS018',
    name: 'inline-provider',
    severity: 'information',
    title: 'The inline provider is meant for tests',
    explanation: 'The inline backend returns options["env_vars"] as written in the code; real secrets do not belong in source files.',
  },
  {
    code: 'MFS019',
    name: 'non-string-value',
    severity: 'error',
    title: 'An inline secret value is not a string',
    explanation: 'Every value a source returns must be a str; the inline backend returns env_vars as written.',
  },
  {
    code: 'MFS020',
    name: 'with-secrets-syntax',
    severity: 'error',
    title: '`--with secrets:...` is parsed differently from what was meant',
    explanation:
      'Metaflow reads each value after `secrets:` as JSON, then int, then float, else a plain string: single quotes, curly quotes or an en-dash make it a string that is iterated per character.',
  },
  {
    code: 'MFS021',
    name: 'with-secrets-truthy-false',
    severity: 'warning',
    title: '`allow_override=False` in `--with secrets` is truthy',
    explanation: 'Attached decorators are re-serialised for each task; False comes back as the string "False", which is truthy, so the clash check is skipped.',
  },
  {
    code: 'MFS022',
    name: 'with-secrets-overridden',
    severity: 'information',
    title: 'An in-code @secrets wins over `--with secrets`',
    explanation: 'For a step that already has @secrets in its code, the attached decorator is silently dropped.',
  },
  {
    code: 'MFS023',
    name: 'env-read-not-provided',
    severity: 'warning',
    title: 'A step reads a variable its @secrets does not provide',
    explanation:
      'The variable is read from os.environ in a step whose sources (all of them known) do not set it; it will be missing at run time unless something else sets it.',
  },
  {
    code: 'MFS024',
    name: 'extension-backend-type',
    severity: 'information',
    title: 'A backend type registered by a Metaflow distribution, assumed present',
    explanation:
      "Types such as 'outerbounds' exist only when the flow runs with the distribution that registers them (ob-metaflow-extensions). Until the run interpreter has told the editor which Metaflow it has (no interpreter, no Metaflow in it, Restricted Mode), the editor assumes that distribution and says so; selecting the interpreter (CLI: --python) or declaring the type in metaflowSecrets.extraBackendTypes makes it certain.",
  },
  {
    code: 'MFS025',
    name: 'placeholder-source',
    severity: 'error',
    title: 'A source is a placeholder left from an example',
    explanation:
      '`...`, `sources=...`, "<your-secret>", "TODO", "CHANGEME" and the like are valid Python, so nothing fails until a task starts: then Metaflow rejects the item, or asks the backend for a secret with that name.',
  },
  {
    code: 'MFS026',
    name: 'name-not-imported',
    severity: 'error',
    title: 'A Metaflow name the flow uses is not imported',
    explanation:
      '`@secrets`, `@step`, `@environment` or `FlowSpec` used without being imported (and no `*` import that could provide it): Python fails with NameError when the file is loaded, before Metaflow runs.',
  },
  {
    code: 'MFS027',
    name: 'decorator-is-a-module',
    severity: 'error',
    title: 'The decorator name is bound to a module or a literal',
    explanation:
      "`import secrets` (the standard library) after `from metaflow import secrets` rebinds the name; `@secrets(...)` then fails with TypeError: 'module' object is not callable. An assignment such as `secrets = {...}` before the flow class does the same ('dict' object is not callable); a wrapper `def secrets(...)` is left alone.",
  },
  {
    code: 'MFS028',
    name: 'not-exported-by-metaflow',
    severity: 'error',
    title: 'An import of a name metaflow does not export',
    explanation: '`from metaflow import get_secret` fails with ImportError: the function lives in metaflow.plugins.secrets.',
  },
  {
    code: 'MFS029',
    name: 'no-current-secrets',
    severity: 'error',
    title: '`current.secrets` does not exist',
    explanation:
      '@secrets sets environment variables and nothing else; `current.secrets[...]` (taught by a popular third-party overview) fails with AttributeError in the step. The quick fix rewrites `current.secrets[src][KEY]` to `os.environ[KEY]`.',
  },
  {
    code: 'MFS039',
    name: 'gcp-prefix-format',
    severity: 'error',
    title: 'METAFLOW_GCP_SECRET_MANAGER_PREFIX produces a malformed resource name',
    explanation:
      "Metaflow appends a short id to the prefix as written: 'projects/p/secrets' (no trailing slash) plus 'db' asks GCP for 'projects/p/secretsdb'. The prefix must look like 'projects/<project>/secrets/'.",
  },
  {
    code: 'MFS040',
    name: 'source-built-before-a-task',
    severity: 'warning',
    title: 'A source is built from `current` before any task exists',
    explanation:
      'Decorator arguments are evaluated when the file is loaded; `current.namespace`, `current.run_id` and the like are None then, so f"api-keys-{current.namespace}" names the secret \'api-keys-None\'.',
  },
  {
    code: 'MFS041',
    name: 'misnamed-configuration',
    severity: 'warning',
    title: 'A secrets configuration name that Metaflow does not read',
    explanation:
      "Metaflow reads its configuration by exact name and ignores the rest: METAFLOW_SECRETS_BACKEND_TYPE (copied from a popular overview) leaves the default type unset. Checked in the environment, Metaflow's config files and metaflowSecrets.metaflowConfig.",
  },
];
