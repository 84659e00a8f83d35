import * as fs from 'fs';
import * as os from 'os';
import { MetaflowConfig, readMetaflowConfig } from '../core/metaflowConfig';

/**
 * Metaflow's configuration for a flow file's directory, cached until a watched configuration
 * file changes or the settings change.
 */
export class ConfigProvider {
  private readonly cache = new Map<string, MetaflowConfig>();
  private overrides: Record<string, string> = {};

  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  setOverrides(overrides: Record<string, string>): void {
    this.overrides = { ...overrides };
    this.cache.clear();
  }

  invalidate(): void {
    this.cache.clear();
  }

  forDirectory(dir: string): MetaflowConfig {
    let c = this.cache.get(dir);
    if (!c) {
      c = readMetaflowConfig({
        env: this.env,
        startDir: dir,
        homeDir: os.homedir(),
        overrides: this.overrides,
        fs: {
          isDirectory: (p) => {
            try {
              return fs.statSync(p).isDirectory();
            } catch {
              return false;
            }
          },
          readFile: (p) => {
            try {
              return fs.readFileSync(p, 'utf8');
            } catch {
              return undefined;
            }
          },
        },
      });
      this.cache.set(dir, c);
    }
    return c;
  }
}
