import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendSettings } from './settings';

type Env = Record<string, string | undefined>;

/**
 * What each backend's credential chain reads, so that a login in a terminal is noticed:
 * - AWS: the shared credentials and config files (profiles, SSO sessions, credential_process)
 *   and the SSO token cache `aws sso login` writes; a web identity token file if one is named;
 * - Azure: what `az login` writes (MSAL's token cache, the profile with the subscriptions);
 * - GCP: what `gcloud auth application-default login` and `gcloud auth login` write, and the key
 *   file GOOGLE_APPLICATION_CREDENTIALS or the settings name.
 * Environment variables themselves cannot change under a running server; they only say where
 * these files are.
 */
export function credentialPaths(env: Env, settings: BackendSettings): Map<string, string[]> {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const aws = path.join(home, '.aws');
  const azure = env.AZURE_CONFIG_DIR || path.join(home, '.azure');
  const gcloud = env.CLOUDSDK_CONFIG || (process.platform === 'win32' && env.APPDATA ? path.join(env.APPDATA, 'gcloud') : path.join(home, '.config', 'gcloud'));
  const given = (...ps: (string | undefined)[]) => ps.filter((p): p is string => !!p).map((p) => path.resolve(p));
  return new Map([
    [
      'aws-secrets-manager',
      given(
        env.AWS_SHARED_CREDENTIALS_FILE || path.join(aws, 'credentials'),
        env.AWS_CONFIG_FILE || path.join(aws, 'config'),
        path.join(aws, 'sso', 'cache'),
        env.AWS_WEB_IDENTITY_TOKEN_FILE,
      ),
    ],
    ['az-key-vault', given(path.join(azure, 'msal_token_cache.json'), path.join(azure, 'msal_token_cache.bin'), path.join(azure, 'azureProfile.json'))],
    [
      'gcp-secret-manager',
      given(
        path.join(gcloud, 'application_default_credentials.json'),
        path.join(gcloud, 'credentials.db'),
        path.join(gcloud, 'access_tokens.db'),
        env.GOOGLE_APPLICATION_CREDENTIALS,
        settings.gcp.keyFilename,
      ),
    ],
  ]);
}

/** What a directory watch is for: a name in it (or any, '*') that concerns a backend type. */
interface Interest {
  name: string;
  type: string;
}

export interface CredentialWatchOptions {
  /** Changes closer together than this are one change (a login writes several files). */
  debounceMs?: number;
  /** After a change is reported, the next one for the same type waits at least this long. */
  minIntervalMs?: number;
  log?: (message: string) => void;
}

/**
 * Watches the credential files of each backend type and reports a type whose files changed,
 * debounced. A file (or its directory) that does not exist yet is watched from its nearest
 * existing parent, so a first `aws sso login` is seen too. One watch per directory, none on
 * the files themselves: tools replace credential files by renaming, which a watch on the old
 * file would miss. The rate limit keeps an SDK that rewrites its own cache while retrying from
 * turning into a loop of re-resolutions.
 */
export class CredentialWatch {
  private watchers: fs.FSWatcher[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastReported = new Map<string, number>();
  private rearmTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly debounceMs: number;
  private readonly minIntervalMs: number;

  constructor(
    private readonly targets: Map<string, string[]>,
    private readonly onChange: (type: string) => void,
    private readonly opts: CredentialWatchOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 300;
    this.minIntervalMs = opts.minIntervalMs ?? 5_000;
    this.arm();
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.rearmTimer) clearTimeout(this.rearmTimer);
  }

  /** Directories watched now (for tests and the log). */
  get watchedDirectories(): number {
    return this.watchers.length;
  }

  private arm(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    const byDir = new Map<string, Interest[]>();
    const add = (dir: string, i: Interest) => {
      const list = byDir.get(dir) ?? [];
      list.push(i);
      byDir.set(dir, list);
    };
    for (const [type, paths] of this.targets) {
      for (const target of paths) {
        if (isDirectory(target)) {
          add(target, { name: '*', type });
          continue;
        }
        // The nearest existing ancestor, and the name under it on the way to the target.
        let child = target;
        let dir = path.dirname(target);
        while (!isDirectory(dir) && path.dirname(dir) !== dir) {
          child = dir;
          dir = path.dirname(dir);
        }
        add(dir, { name: path.basename(child), type });
      }
    }
    for (const [dir, interests] of byDir) {
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, filename) => this.event(interests, filename?.toString()));
        w.on('error', () => this.rearmSoon());
        this.watchers.push(w);
      } catch (e) {
        this.opts.log?.(`cannot watch ${dir} for credential changes: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  }

  private event(interests: Interest[], filename: string | undefined): void {
    if (this.disposed) return;
    for (const i of interests) {
      if (i.name !== '*' && filename !== undefined && filename !== i.name) continue;
      // The target, or a directory on the way to it, appeared, went or was replaced: watch from
      // the nearest existing place again (a new directory is watched from inside).
      if (i.name !== '*') this.rearmSoon();
      this.report(i.type);
    }
  }

  private rearmSoon(): void {
    if (this.rearmTimer || this.disposed) return;
    this.rearmTimer = setTimeout(() => {
      this.rearmTimer = undefined;
      if (!this.disposed) this.arm();
    }, 50);
    this.rearmTimer.unref?.();
  }

  private report(type: string): void {
    const old = this.timers.get(type);
    if (old) clearTimeout(old);
    const since = Date.now() - (this.lastReported.get(type) ?? -Infinity);
    const wait = Math.max(this.debounceMs, this.minIntervalMs - since);
    const t = setTimeout(() => {
      this.timers.delete(type);
      if (this.disposed) return;
      this.lastReported.set(type, Date.now());
      this.onChange(type);
    }, wait);
    t.unref?.();
    this.timers.set(type, t);
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
