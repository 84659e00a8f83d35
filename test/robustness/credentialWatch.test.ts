import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { backendSettings } from '../../server/src/backends';
import { credentialPaths, CredentialWatch } from '../../server/src/backends/credentialWatch';

// The files each backend's credential chain reads are watched, so that a login in a terminal
// (`aws sso login`, `az login`, `gcloud auth application-default login`, a rewritten credentials
// file) is noticed without a manual refresh, including the first one, when nothing exists yet.

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-home-'));
after(() => fs.rmSync(home, { recursive: true, force: true }));
const keyFile = path.join(home, 'keys', 'sa.json');
const env = { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: keyFile };
const reported: string[] = [];
const watch = new CredentialWatch(credentialPaths(env, backendSettings({})), (type) => reported.push(type), { debounceMs: 50, minIntervalMs: 0 });
after(() => watch.dispose());

/** Waits until `type` is reported once more than before `act`. */
async function reportedAfter(type: string, act: () => void): Promise<void> {
  const before = reported.filter((t) => t === type).length;
  act();
  const deadline = Date.now() + 5000;
  while (reported.filter((t) => t === type).length === before) {
    if (Date.now() > deadline) throw new Error(`${type} not reported; reported so far: ${JSON.stringify(reported)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

test('the paths follow the environment and the settings', () => {
  const p = credentialPaths(
    { HOME: '/h', AWS_SHARED_CREDENTIALS_FILE: '/c/creds', AZURE_CONFIG_DIR: '/az', CLOUDSDK_CONFIG: '/g' },
    backendSettings({ gcp: { keyFilename: '/k.json' } }),
  );
  assert.deepEqual(p.get('aws-secrets-manager'), ['/c/creds', '/h/.aws/config', '/h/.aws/sso/cache']);
  assert.deepEqual(p.get('az-key-vault'), ['/az/msal_token_cache.json', '/az/msal_token_cache.bin', '/az/azureProfile.json']);
  assert.deepEqual(p.get('gcp-secret-manager'), ['/g/application_default_credentials.json', '/g/credentials.db', '/g/access_tokens.db', '/k.json']);
});

test('a first `aws sso login`: ~/.aws/sso/cache is created and a token written', async () => {
  await reportedAfter('aws-secrets-manager', () => write(path.join(home, '.aws', 'sso', 'cache', 'abc.json'), '{"accessToken":"x"}'));
});

test('a token refreshed in the SSO cache', async () => {
  await reportedAfter('aws-secrets-manager', () => fs.writeFileSync(path.join(home, '.aws', 'sso', 'cache', 'abc.json'), '{"accessToken":"y"}'));
});

test('the credentials file replaced by renaming (as `aws configure` writes it)', async () => {
  await reportedAfter('aws-secrets-manager', () => {
    write(path.join(home, '.aws', 'credentials.tmp'), '[default]\naws_access_key_id = A\n');
    fs.renameSync(path.join(home, '.aws', 'credentials.tmp'), path.join(home, '.aws', 'credentials'));
  });
});

test('`az login` writes its token cache', async () => {
  await reportedAfter('az-key-vault', () => write(path.join(home, '.azure', 'msal_token_cache.json'), '{}'));
});

test('`gcloud auth application-default login` writes the ADC file; GOOGLE_APPLICATION_CREDENTIALS is rewritten', async () => {
  await reportedAfter('gcp-secret-manager', () => write(path.join(home, '.config', 'gcloud', 'application_default_credentials.json'), '{}'));
  await reportedAfter('gcp-secret-manager', () => write(keyFile, '{"type":"service_account"}'));
});

test('other files in the same directories are not credential changes', async () => {
  const before = reported.length;
  write(path.join(home, '.bash_history'), 'ls\n');
  write(path.join(home, '.aws', 'cli', 'cache', 'x.json'), '{}');
  write(path.join(home, '.config', 'other', 'settings.json'), '{}');
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(reported.slice(before), []);
});

test('changes in a burst are one report, and reports of a type are spaced by minIntervalMs', async () => {
  const got: number[] = [];
  const w = new CredentialWatch(new Map([['t', [path.join(home, 'burst.json')]]]), () => got.push(Date.now()), { debounceMs: 100, minIntervalMs: 1000 });
  try {
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(home, 'burst.json'), String(i));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(got.length, 1, 'five writes, one report');
    // Written 300 ms after the report: reported 1,000 ms after it, not 100 ms after the write.
    fs.writeFileSync(path.join(home, 'burst.json'), 'again');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 1, 'the next waits for the interval');
    await new Promise((r) => setTimeout(r, 900));
    assert.equal(got.length, 2);
    assert.ok(got[1] - got[0] >= 950, `${got[1] - got[0]} ms apart`);
  } finally {
    w.dispose();
  }
});
