// The project's own extension as the e2e tests install it: linked unpacked from the repository
// (fast: no packaging) or packaged into a .vsix (slow: what users install).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExtensionSource } from './codeServer';
import { repoRoot } from './tools';

function requireBuild(): void {
  for (const f of ['dist/client.js', 'dist/server.js']) {
    if (!fs.existsSync(path.join(repoRoot, f))) {
      throw new Error(`${f} is missing; build the extension first: node scripts/build.mjs`);
    }
  }
}

/** The repository root linked into the extensions dir; uses the current dist/ bundles. */
export function repoExtension(): ExtensionSource {
  requireBuild();
  return { folder: repoRoot, link: true };
}

let packaged: Promise<string> | undefined;

/**
 * Packages the current build into a .vsix the way `npm run package` does (once per test process;
 * 15-60 s on this machine) in a temp dir, and returns its path. Install it with `{ vsix: path }`.
 */
export function packageRepoVsix(timeoutMs = 240_000): Promise<string> {
  packaged ??= (async () => {
    requireBuild();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-vsix-')), 'metaflow-secrets.vsix');
    // What `npm run package` ships: the user README as the VSIX's README.md (scripts/package.mjs).
    const args = [path.join(repoRoot, 'scripts/package.mjs'), '--out', out];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stdout.on('data', (d) => (log += d));
      child.stderr.on('data', (d) => (log += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`packaging did not finish within ${timeoutMs} ms:\n${log.slice(-2000)}`));
      }, timeoutMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0 && fs.existsSync(out)) resolve();
        else reject(new Error(`packaging failed (exit ${code}):\n${log.slice(-2000)}`));
      });
    });
    return out;
  })();
  return packaged;
}
