import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from './cliHarness';

/**
 * A validator for the vendored SARIF 2.1.0 schema (see SARIF-SCHEMA.md). The schema is draft-04,
 * whose only keyword ajv 8 does not know here is the root `id`; its language pattern has a lone
 * `]`, valid only without the regular expressions' unicode flag.
 */
export function sarifValidator(): { validate: (data: unknown) => boolean; errors: () => string } {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'cli', 'sarif-2.1.0-rtm.5.json'), 'utf8'));
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const v = ajv.compile(schema);
  return { validate: (d) => v(d) as boolean, errors: () => ajv.errorsText(v.errors, { separator: '\n' }) };
}
