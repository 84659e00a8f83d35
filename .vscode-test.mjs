// `npm run test:electron`: the end-to-end scenarios inside a downloaded VS Code (@vscode/test-cli,
// @vscode/test-electron), for machines that can download VS Code. The suite that runs everywhere
// else drives code-server instead (test/e2e).
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const workspace = join(mkdtempSync(join(tmpdir(), 'mfs-electron-')), 'ws');
cpSync('examples', workspace, { recursive: true });

export default defineConfig({
  files: 'out/test/electron/**/*.etest.js',
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'tdd', timeout: 180000 },
});
