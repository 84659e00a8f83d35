import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { readMetaflowConfig } from '../../server/src/core/metaflowConfig';

/** An in-memory file system: directories and files by absolute path. */
function memFs(files: Record<string, string>, dirs: string[] = []) {
  const dirSet = new Set(dirs);
  for (const f of Object.keys(files)) dirSet.add(path.dirname(f));
  return { isDirectory: (p: string) => dirSet.has(p), readFile: (p: string) => files[p] };
}

describe("Metaflow's configuration", () => {
  const home = '/home/u';
  test('environment beats the local file, which beats the global file', () => {
    const fs = memFs({
      '/home/u/.metaflowconfig/config.json': JSON.stringify({
        METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'gcp-secret-manager',
        METAFLOW_DEFAULT_SECRETS_ROLE: 'g',
      }),
      '/ws/.metaflow/config.json': JSON.stringify({ METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'az-key-vault' }),
    });
    const c = readMetaflowConfig({ env: {}, startDir: '/ws/flows/sub', homeDir: home, fs });
    assert.equal(c.get('DEFAULT_SECRETS_BACKEND_TYPE')?.value, 'az-key-vault');
    assert.equal(c.get('DEFAULT_SECRETS_BACKEND_TYPE')?.origin, '/ws/.metaflow/config.json');
    assert.equal(c.get('DEFAULT_SECRETS_ROLE')?.value, 'g');
    const e = readMetaflowConfig({ env: { METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'inline' }, startDir: '/ws', homeDir: home, fs });
    assert.deepEqual(e.get('DEFAULT_SECRETS_BACKEND_TYPE'), { value: 'inline', origin: 'env' });
  });
  test('an empty environment variable still counts as set', () => {
    const fs = memFs({ '/home/u/.metaflowconfig/config.json': JSON.stringify({ METAFLOW_AZURE_KEY_VAULT_PREFIX: 'https://v.vault.azure.net' }) });
    const c = readMetaflowConfig({ env: { METAFLOW_AZURE_KEY_VAULT_PREFIX: '' }, startDir: '/ws', homeDir: home, fs });
    assert.equal(c.get('AZURE_KEY_VAULT_PREFIX')?.value, '');
  });
  test('the first .metaflow directory wins even without config.json', () => {
    const fs = memFs({ '/ws/.metaflow/config.json': JSON.stringify({ METAFLOW_DEFAULT_SECRETS_ROLE: 'outer' }) }, ['/ws/a/.metaflow']);
    const c = readMetaflowConfig({ env: {}, startDir: '/ws/a/b', homeDir: home, fs });
    assert.equal(c.get('DEFAULT_SECRETS_ROLE'), undefined);
  });
  test('METAFLOW_HOME and METAFLOW_PROFILE select the global file', () => {
    const fs = memFs({ '/mf/config_prod.json': JSON.stringify({ METAFLOW_GCP_SECRET_MANAGER_PREFIX: 'projects/1/secrets/' }) });
    const c = readMetaflowConfig({ env: { METAFLOW_HOME: '/mf', METAFLOW_PROFILE: 'prod' }, startDir: '/ws', homeDir: home, fs });
    assert.equal(c.get('GCP_SECRET_MANAGER_PREFIX')?.value, 'projects/1/secrets/');
    const missing = readMetaflowConfig({ env: { METAFLOW_HOME: '/mf', METAFLOW_PROFILE: 'dev' }, startDir: '/ws', homeDir: home, fs });
    assert.match(missing.problems[0], /Unable to locate METAFLOW_PROFILE 'dev' in '\/mf'/);
  });
  test('settings override everything; broken JSON is reported, not thrown', () => {
    const fs = memFs({ '/home/u/.metaflowconfig/config.json': '{ nope' });
    const c = readMetaflowConfig({
      env: { METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE: 'inline' },
      startDir: '/ws',
      homeDir: home,
      fs,
      overrides: { DEFAULT_SECRETS_BACKEND_TYPE: 'aws-secrets-manager' },
    });
    assert.deepEqual(c.get('DEFAULT_SECRETS_BACKEND_TYPE'), { value: 'aws-secrets-manager', origin: 'setting' });
    assert.match(c.problems[0], /is not valid JSON/);
  });
});
