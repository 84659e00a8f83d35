import * as fs from 'fs';
import * as path from 'path';
import ignore, { Ignore } from 'ignore';

/**
 * The one walker over a project's Python files, used by the CLI (files to check) and the
 * editor's workspace index (modules to know): the same .gitignore handling and the same
 * skipped directories, so both see the same files.
 */

/** Directories that never hold the project's own flows (build/ and dist/ hold copies of them). */
const SKIP_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  'site-packages',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.metaflow',
  'build',
  'dist',
]);

/** One .gitignore, with the directory its patterns are relative to. */
interface IgnoreLayer {
  base: string;
  ig: Ignore;
}

/**
 * Every *.py file under `root` (sorted by directory walk, at most `maxFiles`), honouring the
 * .gitignore files from the repository root down and skipping virtual environments and tool
 * directories. Symbolic links are not followed: they can loop, and they point outside the tree.
 */
export function pythonFilesUnder(root: string, maxFiles = Infinity): string[] {
  const out: string[] = [];
  walk(root, ancestorLayers(root), out, maxFiles);
  return out;
}

/** The .gitignore files above `dir` up to its repository root (the directory holding .git). */
function ancestorLayers(dir: string): IgnoreLayer[] {
  const chain: string[] = [];
  let d = path.dirname(dir);
  let root: string | undefined;
  if (exists(path.join(dir, '.git'))) root = dir;
  while (!root) {
    chain.unshift(d);
    if (exists(path.join(d, '.git'))) root = d;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  // Outside a repository, only the directory's own .gitignore files count.
  if (!root) return [];
  return chain
    .filter((c) => c.startsWith(root as string))
    .map(layerFor)
    .filter((l): l is IgnoreLayer => !!l);
}

function layerFor(dir: string): IgnoreLayer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
  } catch {
    return undefined;
  }
  return { base: dir, ig: ignore().add(text) };
}

function ignored(layers: readonly IgnoreLayer[], full: string, isDir: boolean): boolean {
  for (const l of layers) {
    const rel = path.relative(l.base, full).split(path.sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (l.ig.ignores(isDir ? rel + '/' : rel)) return true;
  }
  return false;
}

function walk(dir: string, parentLayers: readonly IgnoreLayer[], out: string[], maxFiles: number): void {
  if (out.length >= maxFiles) return;
  const own = layerFor(dir);
  const layers = own ? [...parentLayers, own] : parentLayers;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  // A virtual environment under any name (env/, .env3/...) is recognised by its marker file.
  if (entries.some((e) => e.isFile() && e.name === 'pyvenv.cfg')) return;
  for (const e of entries) {
    if (out.length >= maxFiles) return;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (SKIP_DIRS.has(e.name) || ignored(layers, full, true)) continue;
      walk(full, layers, out, maxFiles);
    } else if (e.isFile() && e.name.endsWith('.py') && !ignored(layers, full, false)) {
      out.push(full);
    }
  }
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}
