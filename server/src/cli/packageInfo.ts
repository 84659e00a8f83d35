import * as fs from 'fs';
import * as path from 'path';

export interface PackageInfo {
  version: string;
  /** The README's web address, from `homepage` or `repository` in package.json. */
  readmeUri?: string;
}

/** This package's package.json: beside dist/ when packed, at the repository root in development. */
export function packageInfo(): PackageInfo {
  let dir = __dirname;
  for (;;) {
    const p = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string; homepage?: string; repository?: string | { url?: string } };
      if (pkg.name === 'metaflow-secrets') return { version: pkg.version ?? '0.0.0', readmeUri: readmeUri(pkg) };
    } catch {
      // not here; keep walking up
    }
    const up = path.dirname(dir);
    if (up === dir) return { version: '0.0.0' };
    dir = up;
  }
}

function readmeUri(pkg: { homepage?: string; repository?: string | { url?: string } }): string | undefined {
  if (pkg.homepage && /^https?:\/\//.test(pkg.homepage)) return pkg.homepage.replace(/#.*$/, '');
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!repo) return undefined;
  const m = /^(?:git\+)?(https?:\/\/.+?)(?:\.git)?$/.exec(repo);
  return m ? `${m[1]}#readme`.replace(/#.*$/, '') : undefined;
}
