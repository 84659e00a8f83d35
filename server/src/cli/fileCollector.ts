import * as fs from 'fs';
import * as path from 'path';
import ignore, { Ignore } from 'ignore';

/** Directories that never hold the project's own flows. */
const SKIP_DIRS = new Set([
  '.git', '.hg', '.svn', 'node_modules', '.venv', 'venv', '__pycache__', 'site-packages',
  '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.metaflow',
]);

export interface CollectedFiles {
  /** Absolute paths, sorted, each once. */
  files: string[];
  /** Paths given on the command line that do not exist. */
  missing: string[];
  /** Paths given on the command line that cannot be checked, each with why ("symlink loop", "a FIFO"...). */
  unusable: { path: string; reason: string }[];
}

/** One .gitignore, with the directory its patterns are relative to. */
interface IgnoreLayer {
  base: string;
  ig: Ignore;
}

/**
 * The files to check: each file named explicitly (whatever its name or ignore status: the user
 * asked for it), and every *.py file under each directory, honouring the .gitignore files from
 * the repository root down and skipping virtual environments and tool directories.
 */
export function collectFiles(paths: readonly string[], cwd: string): CollectedFiles {
  const found = new Set<string>();
  const missing: string[] = [];
  const unusable: { path: string; reason: string }[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') missing.push(p);
      else unusable.push({ path: p, reason: errnoReason(code, (e as Error).message) });
      continue;
    }
    // A path the user named must be read in full, or the run must not pass: check it here, before
    // anything opens it (opening a FIFO would block the run).
    if (st.isFile()) {
      const denied = unreadable(abs, fs.constants.R_OK);
      if (denied) unusable.push({ path: p, reason: denied });
      else found.add(abs);
    } else if (st.isDirectory()) {
      const denied = unreadable(abs, fs.constants.R_OK | fs.constants.X_OK);
      if (denied) unusable.push({ path: p, reason: denied });
      else walk(abs, ancestorLayers(abs), found);
    } else unusable.push({ path: p, reason: `not a regular file or directory (${kindOf(st)})` });
  }
  return { files: [...found].sort(), missing, unusable };
}

function unreadable(abs: string, mode: number): string | undefined {
  try {
    fs.accessSync(abs, mode);
    return undefined;
  } catch (e) {
    return errnoReason((e as NodeJS.ErrnoException).code, (e as Error).message);
  }
}

function errnoReason(code: string | undefined, message: string): string {
  switch (code) {
    case 'ELOOP':
      return 'symlink loop';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENAMETOOLONG':
      return 'name too long';
    default:
      return code ?? message;
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'an unknown kind of file';
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
  return chain.filter((c) => c.startsWith(root as string)).map(layerFor).filter((l): l is IgnoreLayer => !!l);
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

function walk(dir: string, parentLayers: readonly IgnoreLayer[], out: Set<string>): void {
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
    const full = path.join(dir, e.name);
    // Symbolic links are not followed: they can loop, and they point outside the tree.
    if (e.isDirectory()) {
      if (SKIP_DIRS.has(e.name) || ignored(layers, full, true)) continue;
      walk(full, layers, out);
    } else if (e.isFile() && e.name.endsWith('.py') && !ignored(layers, full, false)) {
      out.add(full);
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
