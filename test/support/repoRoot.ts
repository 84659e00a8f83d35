import * as fs from 'fs';
import * as path from 'path';

/** The repository root (the directory whose package.json is metaflow-secrets), from test/ or out/test/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p) && JSON.parse(fs.readFileSync(p, 'utf8')).name === 'metaflow-secrets') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`repository root not found above ${__dirname}`);
    dir = up;
  }
}
