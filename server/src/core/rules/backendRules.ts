import { RuleInfo } from './ruleTypes';

// Rules that need a backend's answer (existence, access, content).
export const BACKEND_RULES: RuleInfo[] = [
  {
    code: 'MFS030',
    name: 'secret-not-found',
    severity: 'error',
    title: 'The secret does not exist',
    explanation: 'The backend answered that no secret has this id (in this region, vault or project). The step would fail when its task starts.',
  },
  {
    code: 'MFS031',
    name: 'secret-access-denied',
    severity: 'error',
    title: 'The identity may not read the secret',
    explanation:
      'The backend refused the identity (and role) the editor used, which is normally the one your runs use too. Check the policy, the role in @secrets(role=...) or METAFLOW_DEFAULT_SECRETS_ROLE, and the identity the task runs as.',
  },
  {
    code: 'MFS032',
    name: 'backend-credentials',
    severity: 'warning',
    title: 'No usable credentials for the secrets backend',
    explanation:
      'Credentials are missing or expired on this machine, so the editor cannot check the secret. This says nothing about the code; log in again with the command shown.',
  },
  {
    code: 'MFS033',
    name: 'backend-unavailable',
    severity: 'information',
    title: 'The secrets backend did not answer',
    explanation:
      'The backend was throttling, unreachable, failing (5xx) or slower than the timeout. The editor will ask again later; nothing is known about the secret yet.',
  },
  {
    code: 'MFS034',
    name: 'secret-content',
    severity: 'error',
    title: 'The secret content is not what Metaflow expects',
    explanation:
      'With options json (the AWS default, opt-in on GCP) the secret must be a JSON object; Metaflow fails with "Secret string could not be parsed as JSON" or "... not an object (dict-like)" otherwise.',
  },
  {
    code: 'MFS035',
    name: 'duplicate-sanitized-key',
    severity: 'error',
    title: 'Two keys of the secret become the same variable',
    explanation: 'Metaflow turns -, . and / into _ in key names; two keys that end up with the same name fail the task.',
  },
  {
    code: 'MFS036',
    name: 'secret-invalid-env-var-name',
    severity: 'error',
    title: 'A key of the secret is not a valid variable name',
    explanation: 'After sanitising, every name must fully match [a-zA-Z_][a-zA-Z0-9_]*; Metaflow fails with "Found invalid env var name".',
  },
  {
    code: 'MFS037',
    name: 'secret-disallowed-env-var-name',
    severity: 'error',
    title: 'A key of the secret starts with METAFLOW_',
    explanation: 'Metaflow reserves the METAFLOW_ prefix and refuses secrets that would set such a variable.',
  },
  {
    code: 'MFS038',
    name: 'secret-request-refused',
    severity: 'error',
    title: 'The backend refused the request',
    explanation:
      'The id is malformed for the backend, no region is configured, or the backend rejected the request for another reason; the message is what Metaflow would print.',
  },
];
