import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeSetting } from '../../server/src/core/leaks/envNames';
import { analyse, flow } from './harness';

// The offline default (MFS055) assumes every unexplained environment read in a step whose
// @secrets keys are unknown is a secret; reads that look like settings are not. One test per
// kind of evidence, each with the credential-looking counterpart that must stay assumed.

const OFFLINE = { names: [] as string[], complete: false };
const codes = async (body: string): Promise<string[]> => (await analyse(flow(body), OFFLINE)).map((f) => f.code);

test('names that say "setting" by their last or first part; credential words always win', () => {
  for (const n of [
    'BATCH_SIZE',
    'MAX_RETRIES',
    'REQUEST_TIMEOUT',
    'OUTPUT_DIR',
    'DB_PORT',
    'DB_HOST',
    'NUM_SHARDS',
    'MIN_SCORE',
    'CHECKPOINT_PATH',
    'TRAIN_LOG_LEVEL',
  ]) {
    assert.ok(looksLikeSetting(n), n);
  }
  for (const n of [
    'HF_TOKEN',
    'DB_PASSWORD',
    'MAX_TOKENS',
    'DATABASE_URL',
    'SLACK_WEBHOOK_URL',
    'MONGO_URI',
    'API_KEY',
    'SIZE',
    'SNOWFLAKE_ACCOUNT',
    'DB_USER',
  ]) {
    assert.ok(!looksLikeSetting(n), n);
  }
});

test('a setting-like name read in a step with unknown keys is not assumed secret; a neutral name still is', async () => {
  assert.deepEqual(await codes('print(os.environ["EVAL_BATCH_SIZE"])'), []);
  assert.deepEqual(await codes('print(os.environ["SNOWFLAKE_ACCOUNT"])'), ['MFS055']);
});

test('a non-empty literal default marks a setting; an empty or None default does not, nor a credential name', async () => {
  assert.deepEqual(await codes('print(os.environ.get("MODEL_ID", "gpt2"))'), []);
  assert.deepEqual(await codes('print(os.getenv("SHARDS", 8))'), []);
  assert.deepEqual(await codes('print(os.environ.get("MODEL_ID", ""))'), ['MFS055']);
  assert.deepEqual(await codes('print(os.getenv("MODEL_ID", None))'), ['MFS055']);
  assert.deepEqual(await codes('print(os.environ.get("DB_PASSWORD", "postgres"))'), ['MFS055']);
});

test('a read converted to a number, directly or through its local, is a setting in the whole step', async () => {
  assert.deepEqual(await codes('n = int(os.environ["SHARDS"])\nprint(n)'), []);
  assert.deepEqual(await codes('raw = os.environ["SHARDS"]\nprint("shards", raw)\nself.shards = float(raw)'), []);
  // The conversion of another variable says nothing about this one.
  assert.deepEqual(await codes('raw = os.environ["SHARDS"]\nother = "3"\nprint(raw, int(other))'), ['MFS055']);
  // A credential converted to a number stays assumed.
  assert.deepEqual(await codes('pw = os.environ["DB_PASSWORD"]\nn = int(pw)\nprint(pw)'), ['MFS055']);
});

test('the setting evidence only clears the offline assumption: a name @secrets is known to provide is still a secret', async () => {
  const f = await analyse(flow('print(os.environ.get("BATCH_SIZE", "32"))'), { names: ['BATCH_SIZE'], complete: true });
  assert.deepEqual(
    f.map((x) => x.code),
    ['MFS050'],
  );
});
