import * as fs from 'fs';
import * as path from 'path';
import { pythonFilesUnder } from '../session/pythonFiles';

export interface CollectedFiles {
  /** Absolute paths, sorted, each once. */
  files: string[];
  /** Paths given on the command line that do not exist. */
  missing: string[];
  /** Paths given on the command line that cannot be checked, each with why ("symlink loop", "a FIFO"...). */
  unusable: { path: string; reason: string }[];
}

/**
 * The files to check: each file named explicitly (whatever its name or ignore status: the user
 * asked for it), and every *.py file under each directory as the editor's index sees them
 * (session/pythonFiles.ts).
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
      else for (const f of pythonFilesUnder(abs)) found.add(f);
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
