import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { flowFile, heads, makeTree, repoRoot, tempDir } from './cliHarness';

// The packed npm package, run the way CI runs it: `npm pack`, then `npm exec` (npx) of the
// tarball's bin in an unrelated directory. The bundle in dist/ must stand alone.

const root = repoRoot();
let npxDirs: string[] = [];

/** npm's own npx cache entries for this tarball (created by this test): removed afterwards. */
function npxEntriesFor(tarball: string): string[] {
  const cache = path.join(os.homedir(), '.npm', '_npx');
  if (!fs.existsSync(cache)) return [];
  return fs
    .readdirSync(cache)
    .map((d) => path.join(cache, d))
    .filter((d) => {
      try {
        return fs.readFileSync(path.join(d, 'package.json'), 'utf8').includes(tarball);
      } catch {
        return false;
      }
    });
}

after(() => {
  for (const d of npxDirs) fs.rmSync(d, { recursive: true, force: true });
});

function npmExec(tarball: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^METAFLOW_/.test(k)) env[k] = v;
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['exec', '--yes', '--prefer-offline', `--package=${tarball}`, '--', 'metaflow-secrets', ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm exec did not finish in 240 s\n${stderr}`));
    }, 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('npm pack ships a self-contained bin that runs with npx in any directory', { timeout: 300_000 }, async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  const dest = tempDir('mfs-pack-');
  const out = execFileSync('npm', ['pack', '--pack-destination', dest], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tarball = path.join(dest, out.trim().split('\n').pop() as string);
  assert.ok(fs.existsSync(tarball), out);
  npxDirs = [];

  const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const f of [
    'package/package.json',
    'package/dist/cli.js',
    'package/dist/tree-sitter.wasm',
    'package/dist/tree-sitter-python.wasm',
    'package/dist/metaflow_probe.py',
  ]) {
    assert.ok(listing.includes(f), `${f} in ${listing.join(', ')}`);
  }
  assert.ok(!listing.some((f) => f.endsWith('.map') || f.includes('/server/src/') || f.includes('/test/')), listing.join(', '));
  const pkg = JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  assert.equal(pkg.bin['metaflow-secrets'], 'dist/cli.js');
  assert.match(
    execFileSync('tar', ['xzOf', tarball, 'package/dist/cli.js'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).slice(0, 40),
    /^#!\/usr\/bin\/env node\n/,
  );

  const dir = makeTree({
    'flows/bad.py': flowFile(
      'BadFlow',
      `    @secrets(sources=["prod/db.creds"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
`,
    ),
  });
  try {
    const started = Date.now();
    const r = await npmExec(tarball, ['check', '--offline'], dir);
    console.log(`npm exec of the packed tarball (install included): ${Date.now() - started} ms`);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(heads(r.stdout), ['flows/bad.py:6:23: error MFS004']);
    assert.match(r.stdout, /Unknown secrets backend type prod\/db \(available types: aws-secrets-manager, gcp-secret-manager, az-key-vault\)/);

    const version = await npmExec(tarball, ['--version'], dir);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), pkg.version);
  } finally {
    npxDirs = npxEntriesFor(tarball);
  }
});
