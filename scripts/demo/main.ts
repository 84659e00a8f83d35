import * as path from 'path';
import { CodeServer } from '../../test/e2e/support/codeServer';
import { demoWorkspace, startDemoEnvironment } from './demoEnvironment';

// `npm run demo`: a real VS Code (code-server) on 127.0.0.1 with the packaged extension, the
// examples workspace and local emulators seeded with example secrets. Ctrl-C stops everything.
async function main(): Promise<void> {
  const repo = path.resolve(__dirname, '..', '..', '..');
  const vsix = path.join(repo, 'metaflow-secrets.vsix');
  const workspace = demoWorkspace(repo, path.join(repo, '.tools', 'demo-workspace'), process.argv.includes('--fresh'));
  const env = await startDemoEnvironment(repo);
  const server = await CodeServer.start({
    workspaceFolder: workspace,
    extensions: [{ vsix }],
    settings: env.settings,
    machineSettings: env.machineSettings,
    env: env.env,
    trusted: !process.argv.includes('--untrusted'),
  });
  const stop = async () => {
    await server.stop();
    await env.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.stdout.write(`\nMetaflow Secrets demo is running.\n  Open: ${server.url}\n  Workspace: ${workspace}\n  Stop: Ctrl-C\n\n`);
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
