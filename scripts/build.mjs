// Bundles the client, the language server and the command-line checker with esbuild, and puts
// the WASM files next to them so the packaged extension needs no node_modules.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'fs';
import { createRequire } from 'module';
import { dirname, join } from 'path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
mkdirSync('dist', { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  logOverride: { 'require-resolve-not-external': 'silent' },
  // web-tree-sitter's loader reads import.meta.url, which a CommonJS bundle does not have.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  { entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server.js' },
];
if (existsSync('server/src/cli/main.ts'))
  entries.push({
    entryPoints: ['server/src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: "#!/usr/bin/env node\nconst __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });

await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e })));

copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync(join(dirname(require.resolve('tree-sitter-python/package.json')), 'tree-sitter-python.wasm'), 'dist/tree-sitter-python.wasm');
// The interpreter probe is run as `python -c <its text>` by the server and the CLI.
copyFileSync('python/probe/metaflow_probe.py', 'dist/metaflow_probe.py');
