// Packages the current build into metaflow-secrets.vsix (or `--out FILE`) with the user-facing
// README.vsix.md as the VSIX's README.md. VS Code shows the README.md it finds in an installed
// extension's folder, and `vsce --readme-path` ships the other file under its own name, so the
// repository's (developer) README would show. The files that ship are the ones .vscodeignore
// lets through, as vsce lists them; they are staged in a temp dir and packaged from there.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import { createRequire } from 'module';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';

const require = createRequire(import.meta.url);
const { createVSIX, listFiles, PackageManager } = require('@vscode/vsce');

const repo = resolve(dirname(new URL(import.meta.url).pathname), '..');
const at = process.argv.indexOf('--out');
const out = resolve(at > 0 ? process.argv[at + 1] : join(repo, 'metaflow-secrets.vsix'));

const files = await listFiles({ cwd: repo, packageManager: PackageManager.None });
const stage = mkdtempSync(join(tmpdir(), 'mfs-vsix-'));
try {
  for (const f of files) {
    const from = f === 'README.md' ? 'README.vsix.md' : f;
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    cpSync(join(repo, from), join(stage, f));
  }
  // Everything staged ships; the same rules keep vsce from warning that there are none.
  cpSync(join(repo, '.vscodeignore'), join(stage, '.vscodeignore'));
  await createVSIX({ cwd: stage, packagePath: out, dependencies: false, allowMissingRepository: true, rewriteRelativeLinks: false });
} finally {
  rmSync(stage, { recursive: true, force: true });
}
