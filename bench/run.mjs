// `npm run bench [-- options]`: builds the server bundle, compiles the benchmark, runs it.
// Type errors outside bench/ belong to work in progress elsewhere and do not stop the run
// (tsc still emits); errors in bench/ do.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: repo, encoding: 'utf8', ...opts });

if (!process.env.BENCH_SERVER) {
  const build = run(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const tsc = run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'bench']);
const ownErrors = (tsc.stdout ?? '').split('\n').filter((l) => l.startsWith('bench/'));
if (ownErrors.length) {
  process.stderr.write(ownErrors.join('\n') + '\n');
  process.exit(1);
}
const bench = run(process.execPath, [join(repo, 'out', 'bench', 'main.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(bench.status ?? 1);
