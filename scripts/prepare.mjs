// npm's `prepare`: builds dist/ when this package is installed from git. npm documents that it
// installs devDependencies before running `prepare` for a git dependency, but a *global* install
// from git (how pre-commit installs a node hook) skips them (npm/cli#8440); then they are
// installed here first, locally and without scripts (so this script does not run twice).
import { spawnSync } from 'child_process';
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const has = (name) => {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
};

if (!has('esbuild')) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_config_(global|prefix|location)$/i.test(k)) delete env[k];
  const r = spawnSync('npm', ['install', '--include=dev', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--location=project'], {
    env,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('prepare: could not install the build dependencies (npm install --include=dev)');
    process.exit(r.status ?? 1);
  }
}
await import('./build.mjs');
