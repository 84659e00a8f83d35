// One code-server instance for one test: fresh user-data and extensions dirs, user settings,
// extensions installed from a .vsix or copied from a folder, server bound to 127.0.0.1:<free port>.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { killTree, killTreeNow } from './processTree';
import { editorTools } from './tools';

/** An extension to install: a packaged .vsix, or an unpacked extension folder (with package.json). */
export type ExtensionSource = { vsix: string } | { folder: string; link?: boolean };

export interface CodeServerOptions {
  /** Folder opened as the workspace (absolute). */
  workspaceFolder: string;
  /**
   * A `.code-workspace` file (absolute) opened instead of the folder: a multi-root workspace.
   * `workspaceFolder` is then only where the test keeps its files.
   */
  workspaceFile?: string;
  /** User settings merged over the harness defaults (written to <user-data-dir>/User/settings.json). */
  settings?: Record<string, unknown>;
  /**
   * Remote ("machine") settings, written to <user-data-dir>/Machine/settings.json: where a
   * code-server window looks for `machine` and `machine-overridable` scoped settings.
   */
  machineSettings?: Record<string, unknown>;
  /** false: workspace trust stays on and the folder opens in Restricted Mode. Default true. */
  trusted?: boolean;
  extensions?: ExtensionSource[];
  /**
   * Extra environment for the server and hence the extension host (and what extensions spawn);
   * `undefined` removes a variable. Applied after the isolation below.
   */
  env?: Record<string, string | undefined>;
  /**
   * Default true: HOME is a fresh temp dir (no ~/.aws, ~/.azure, ~/.metaflowconfig of the
   * machine) and inherited cloud/Metaflow variables (AWS_*, AZURE_*, GOOGLE_*, GCLOUD_*,
   * CLOUDSDK_*, METAFLOW_*) are dropped, so a test sees only what it sets.
   */
  isolate?: boolean;
  /** Server start timeout. Default 60 s. */
  startTimeoutMs?: number;
}

export interface CodeServerDirs {
  /** Temp root holding everything below (and the isolated HOME, root/home); removed by stop() unless E2E_KEEP=1. */
  root: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's stdout+stderr. */
  serverLog: string;
}

/** Settings that keep the workbench quiet and deterministic: no welcome page, chat, tips, updates. */
export const defaultSettings: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.editor.enablePreview': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 300,
  'files.autoSave': 'off',
  // Emulators and debug adapters listen on loopback; don't offer to forward their ports.
  'remote.autoForwardPorts': false,
  // DOM renderer, so terminal text can be read from the page.
  'terminal.integrated.gpuAcceleration': 'off',
};

const liveServers = new Set<number>();
const liveTempDirs = new Set<string>();
let exitHookInstalled = false;

/** Kill every server still running and remove temp dirs when the test process ends, however it ends. */
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanUp = () => {
    for (const pid of liveServers) killTreeNow(pid);
    if (process.env.E2E_KEEP === '1') return;
    for (const dir of liveTempDirs) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanUp();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** A temp dir removed at process exit unless released (or E2E_KEEP=1). */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  liveTempDirs.add(dir);
  return dir;
}

/** Removes a temp dir now (unless keep) and forgets it. */
export function releaseTempDir(dir: string, keep = false): void {
  if (!keep && process.env.E2E_KEEP !== '1') fs.rmSync(dir, { recursive: true, force: true });
  liveTempDirs.delete(dir);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function readManifest(dir: string): { publisher: string; name: string; version: string } {
  const manifestPath = path.join(dir, 'package.json');
  if (!fs.existsSync(manifestPath)) throw new Error(`extension folder ${dir} has no package.json`);
  const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  for (const k of ['publisher', 'name', 'version']) {
    if (typeof m[k] !== 'string') throw new Error(`extension ${manifestPath} lacks "${k}"`);
  }
  return m;
}

/**
 * Put an unpacked extension into the extensions dir. VS Code only loads what the dir's
 * extensions.json lists once that file exists, so the entry is added there too.
 */
function installFolderExtension(extensionsDir: string, src: string, link: boolean): void {
  const m = readManifest(src);
  const id = `${m.publisher}.${m.name}`;
  const relativeLocation = `${id}-${m.version}`;
  const dest = path.join(extensionsDir, relativeLocation);
  fs.rmSync(dest, { recursive: true, force: true });
  if (link) fs.symlinkSync(path.resolve(src), dest, 'dir');
  else fs.cpSync(src, dest, { recursive: true });
  const listPath = path.join(extensionsDir, 'extensions.json');
  const list: Array<{ identifier: { id: string } }> = fs.existsSync(listPath) ? JSON.parse(fs.readFileSync(listPath, 'utf8')) : [];
  const entry = {
    identifier: { id },
    version: m.version,
    location: { $mid: 1, path: dest, scheme: 'file' },
    relativeLocation,
    metadata: { installedTimestamp: Date.now(), source: 'vsix' },
  };
  fs.writeFileSync(listPath, JSON.stringify([...list.filter((e) => e.identifier.id !== id), entry]));
}

const inheritedCloudVariable = /^(AWS_|AZURE_|GOOGLE_|GCLOUD_|CLOUDSDK_|METAFLOW_)/;

function serverEnv(extra: Record<string, string | undefined> | undefined, nodeBin: string, isolatedHome: string | undefined): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  if (isolatedHome !== undefined) {
    for (const k of Object.keys(base)) if (inheritedCloudVariable.test(k)) delete base[k];
    base.HOME = isolatedHome;
  }
  const env: NodeJS.ProcessEnv = { ...base, ...extra };
  // Node 24 first: code-server and the extension host it forks must run on it.
  env.PATH = `${path.dirname(nodeBin)}${path.delimiter}${env.PATH ?? ''}`;
  // Don't let the test runner's own flags leak into the server's Node.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

export class CodeServer {
  private exited = false;

  private constructor(
    readonly process: ChildProcess,
    readonly port: number,
    readonly dirs: CodeServerDirs,
    readonly workspaceFolder: string,
    readonly workspaceFile?: string,
  ) {
    process.once('exit', () => {
      this.exited = true;
      if (process.pid) liveServers.delete(process.pid);
    });
  }

  get url(): string {
    if (this.workspaceFile) return `http://127.0.0.1:${this.port}/?workspace=${encodeURIComponent(this.workspaceFile)}`;
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspaceFolder)}`;
  }

  serverLogText(): string {
    try {
      return fs.readFileSync(this.dirs.serverLog, 'utf8');
    } catch {
      return '';
    }
  }

  static async start(opts: CodeServerOptions): Promise<CodeServer> {
    if (!path.isAbsolute(opts.workspaceFolder) || !fs.statSync(opts.workspaceFolder).isDirectory()) {
      throw new Error(`workspaceFolder must be an existing absolute directory: ${opts.workspaceFolder}`);
    }
    if (opts.workspaceFile !== undefined && (!path.isAbsolute(opts.workspaceFile) || !fs.existsSync(opts.workspaceFile))) {
      throw new Error(`workspaceFile must be an existing absolute path: ${opts.workspaceFile}`);
    }
    const root = makeTempDir('e2e-editor-');
    try {
      return await CodeServer.startIn(root, opts);
    } catch (e) {
      releaseTempDir(root);
      throw e;
    }
  }

  private static async startIn(root: string, opts: CodeServerOptions): Promise<CodeServer> {
    const tools = editorTools();
    const dirs: CodeServerDirs = {
      root,
      userDataDir: path.join(root, 'user-data'),
      extensionsDir: path.join(root, 'extensions'),
      serverLog: path.join(root, 'code-server.log'),
    };
    fs.mkdirSync(path.join(dirs.userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(dirs.extensionsDir, { recursive: true });
    const trusted = opts.trusted ?? true;
    const settings = {
      ...defaultSettings,
      'security.workspace.trust.enabled': !trusted,
      // Restricted Mode without the modal "Do you trust the authors" dialog blocking the UI.
      ...(trusted ? {} : { 'security.workspace.trust.startupPrompt': 'never' }),
      ...opts.settings,
    };
    fs.writeFileSync(path.join(dirs.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    if (opts.machineSettings) {
      fs.mkdirSync(path.join(dirs.userDataDir, 'Machine'), { recursive: true });
      fs.writeFileSync(path.join(dirs.userDataDir, 'Machine', 'settings.json'), JSON.stringify(opts.machineSettings, null, 2));
    }
    // Our own config file, so code-server never writes ~/.config/code-server/config.yaml.
    const configFile = path.join(root, 'config.yaml');
    fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
    let isolatedHome: string | undefined;
    if (opts.isolate ?? true) {
      isolatedHome = path.join(root, 'home');
      fs.mkdirSync(isolatedHome);
    }
    const env = serverEnv(opts.env, tools.node, isolatedHome);
    const common = ['--config', configFile, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir];

    for (const ext of opts.extensions ?? []) {
      if ('vsix' in ext) {
        if (!fs.existsSync(ext.vsix)) throw new Error(`vsix not found: ${ext.vsix}`);
        const r = spawnSync(tools.node, [tools.codeServerEntry, ...common, '--force', '--install-extension', ext.vsix], {
          env,
          encoding: 'utf8',
          timeout: 60_000,
        });
        if (r.status !== 0 || !/successfully installed/i.test(r.stdout)) {
          throw new Error(`installing ${ext.vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
        }
      } else {
        installFolderExtension(dirs.extensionsDir, ext.folder, ext.link ?? false);
      }
    }

    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const log = fs.openSync(dirs.serverLog, 'a');
      const child = spawn(
        tools.node,
        [
          tools.codeServerEntry,
          ...common,
          '--auth',
          'none',
          '--bind-addr',
          `127.0.0.1:${port}`,
          '--disable-telemetry',
          '--disable-update-check',
          '--disable-getting-started-override',
          '--ignore-last-opened',
          opts.workspaceFile ?? opts.workspaceFolder,
        ],
        { env, detached: true, stdio: ['ignore', log, log] },
      );
      fs.closeSync(log);
      if (child.pid === undefined) throw new Error(`could not spawn ${tools.node}`);
      liveServers.add(child.pid);
      const server = new CodeServer(child, port, dirs, opts.workspaceFolder, opts.workspaceFile);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && !server.exited) {
        if ((await httpStatus(`http://127.0.0.1:${port}/healthz`, 2000)) === 200) {
          // The first page request starts VS Code's server agent (~3 s here); start it while
          // the browser is still launching. The answer itself is not needed.
          void httpStatus(`http://127.0.0.1:${port}/`, 30_000);
          return server;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      lastError = server.exited ? `code-server exited during start (port ${port})` : `code-server did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`;
      await server.stop({ keepFiles: true });
      if (!/EADDRINUSE/.test(tail(dirs.serverLog))) break; // only a port race is worth a retry
    }
    throw new Error(`${lastError}; log tail:\n${tail(dirs.serverLog)}`);
  }

  /** Kills the server's whole process tree; removes the temp dirs unless keepFiles or E2E_KEEP=1. */
  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    const pid = this.process.pid;
    if (pid !== undefined) {
      await killTree(pid);
      liveServers.delete(pid);
    }
    releaseTempDir(this.dirs.root, opts.keepFiles);
  }
}
