import * as path from 'path';
import { fileURLToPath } from 'url';
import { RelatedLocation } from '../core/findings';

/** A path as reports show it: relative to the working directory with `/`, absolute when outside it. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return file.split(path.sep).join('/');
  return rel.split(path.sep).join('/');
}

/** The file a related location points to: its own uri (a file URI or a path), else the finding's file. */
export function relatedFile(r: RelatedLocation, findingFile: string): string {
  if (!r.uri) return findingFile;
  if (r.uri.startsWith('file:')) {
    try {
      return fileURLToPath(r.uri);
    } catch {
      return findingFile;
    }
  }
  return r.uri;
}

/** Reports are line-oriented: a message keeps to one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ');
}
