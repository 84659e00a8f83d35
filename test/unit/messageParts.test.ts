import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HEADLINE_MAX, messageParts, splitMessage } from '../../server/src/core/messageParts';
import { toDiagnostic } from '../../server/src/lsp/convert';
import { analyzeDocument } from '../../server/src/core/analyzer';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { PythonParser } from '../../server/src/core/parser';
import { resolutionFindings } from '../../server/src/backends/resolutionFindings';
import { makeSpec } from '../backends/helpers';

// The Problems row leads with the short statement; the explanation moves to the detail (the
// diagnostic's first related entry, shown in the hover and under the row).

describe('a finding message as headline and detail', () => {
  test('a short message stays one row', () => {
    assert.deepEqual(splitMessage("Found invalid env var name '1A'."), { headline: "Found invalid env var name '1A'." });
  });

  test("the first sentence is Metaflow's message; the rest is detail", () => {
    const text =
      "Unknown secrets backend type prod/db (available types: aws-secrets-manager, gcp-secret-manager, az-key-vault). A string source is split on its first dot: 'prod/db.creds' is read as type 'prod/db' and id 'creds'.";
    assert.deepEqual(splitMessage(text), {
      headline: 'Unknown secrets backend type prod/db (available types: aws-secrets-manager, gcp-secret-manager, az-key-vault).',
      detail: "A string source is split on its first dot: 'prod/db.creds' is read as type 'prod/db' and id 'creds'.",
    });
  });

  test('a long first sentence splits at its first clause, and the detail starts with a capital', () => {
    const p = splitMessage(
      "sources is a str, not a list: Metaflow iterates it character by character, so this declares 14 source(s) 'd', 'b', '-', 'c', 'r', 'e', ... instead of 'db-credentials'. Write sources=['db-credentials'].",
    );
    assert.equal(p.headline, 'sources is a str, not a list');
    assert.match(p.detail ?? '', /^Metaflow iterates it character by character.*Write sources=\['db-credentials'\]\.$/);
    const leak = splitMessage(
      "Secret `PROD_TOKEN` reaches print(): it is written to the task's logs, which Metaflow stores with the run and shows to anyone who can read them.",
    );
    assert.equal(leak.headline, 'Secret `PROD_TOKEN` reaches print()');
    assert.match(leak.detail ?? '', /^It is written to the task's logs/);
  });

  test('quotes, backticks, brackets and apostrophes do not end a sentence', () => {
    const p = splitMessage(
      "Failed to retrieve secret 'projects/my-proj/secrets/db': Invalid secret_id: projects/my-proj/secrets/db. Must be either a full path or a simple string. This step's @secrets (e.g. the first) cannot read it.",
    );
    assert.equal(p.headline, "Failed to retrieve secret 'projects/my-proj/secrets/db': Invalid secret_id: projects/my-proj/secrets/db.");
  });

  test('"Did you mean" stays in the row', () => {
    const p = splitMessage(
      "Failed to retrieve secret 'db-credentails': Secrets Manager can't find the specified secret. The identity arn:aws:iam::123456789012:user/demo looked in us-east-1. Did you mean 'db-credentials'? (listed in us-east-1)",
    );
    assert.equal(
      p.headline,
      "Failed to retrieve secret 'db-credentails': Secrets Manager can't find the specified secret. Did you mean 'db-credentials'? (listed in us-east-1)",
    );
    assert.equal(p.detail, 'The identity arn:aws:iam::123456789012:user/demo looked in us-east-1.');
  });

  test("AWS's sentence leads without botocore's wrapper, which stays in the detail", () => {
    const p = splitMessage(
      "Failed to retrieve secret 'api-token': An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret.",
    );
    assert.deepEqual(p, {
      headline: "Failed to retrieve secret 'api-token': Secrets Manager can't find the specified secret.",
      detail: '(ResourceNotFoundException, from GetSecretValue)',
    });
  });

  test('access denied: the row says so, the identity and role tried are detail', () => {
    const message =
      "Failed to retrieve secret 'db-creds': An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::123456789012:assumed-role/reader/s is not authorized to perform: secretsmanager:GetSecretValue on resource: db-creds";
    const [f] = resolutionFindings(makeSpec('aws-secrets-manager', 'db-creds'), {
      ok: false,
      kind: 'access-denied',
      message,
      meta: { identity: 'arn:aws:sts::123456789012:assumed-role/reader/s' },
    });
    assert.equal(f.code, 'MFS031');
    const p = messageParts(f);
    assert.equal(p.headline, "Failed to retrieve secret 'db-creds': access denied");
    assert.match(
      p.detail ?? '',
      /is not authorized to perform: secretsmanager:GetSecretValue.*\[tried as arn:aws:sts::123456789012:assumed-role\/reader\/s\]$/,
    );
  });

  test('an explicit summary leads, the whole message is the detail', () => {
    assert.deepEqual(messageParts({ message: 'A long story about a value.', summary: 'A value leaks' }), {
      headline: 'A value leaks',
      detail: 'A long story about a value.',
    });
  });

  test('examples/flows/common_mistakes.py: every row is short, every explanation kept', async () => {
    const text = `import logging
import os
from metaflow import FlowSpec, environment, secrets, step
log = logging.getLogger(__name__)
SHARED = ["db-credentials"]
class MistakesFlow(FlowSpec):
    @secrets(sources="db-credentials")
    @step
    def start(self):
        self.next(self.vault)
    @secrets(sources=["https://myvault.vault.azure.net/secrets/db-password"])
    @step
    def vault(self):
        self.next(self.leak)
    @secrets(sources=SHARED)
    @step
    def leak(self):
        password = os.environ["DB_PASSWORD"]
        log.info("password is %s", password)
        self.api_password = password
        self.next(self.end)
    @step
    def end(self):
        print(self.api_password)
`;
    const parser = await PythonParser.create();
    const tree = parser.parse(text);
    const a = analyzeDocument(parser, text, tree, {
      config: fixedConfig({ DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' }),
      leaks: { severity: 'warning', conservative: false },
    }).analysis;
    tree.delete();
    assert.ok(a.findings.length >= 4, JSON.stringify(a.findings.map((f) => f.code)));
    for (const f of a.findings) {
      const d = toDiagnostic(f, 'file:///w/flows/common_mistakes.py');
      assert.equal(typeof d.message, 'string');
      const row = d.message as string;
      assert.ok(row.length <= HEADLINE_MAX, `${f.code}: ${row.length} characters: ${row}`);
      // Nothing is lost: every word of the message is in the row or its detail.
      const shown = [row, ...(d.relatedInformation ?? []).map((r) => r.message)].join(' ');
      for (const word of f.message.split(/\s+/).map((w) => w.replace(/[.:;]+$/, '')))
        assert.ok(shown.toLowerCase().includes(word.toLowerCase()), `${f.code}: "${word}" is missing`);
    }
    const leak = a.findings.find((f) => f.code === 'MFS055' && /log\.info/.test(f.message));
    assert.ok(leak, 'the assumed-secret leak to log.info()');
    assert.equal(toDiagnostic(leak, 'file:///x.py').message, '`DB_PASSWORD` (via `password`), probably a secret from @secrets, reaches log.info()');
  });
});
