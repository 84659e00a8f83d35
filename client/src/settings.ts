import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, ServerSettings } from '../../shared/protocol';

export const SECTION = 'metaflowSecrets';

/** The extension's settings, shaped for the server (one place maps names to fields). */
export function readSettings(): ServerSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    metaflowConfig: c.get<Record<string, string>>('metaflowConfig', {}),
    extraBackendTypes: c.get<string[]>('extraBackendTypes', []),
    indexMaxFiles: c.get<number>('index.maxFiles', DEFAULT_SETTINGS.indexMaxFiles),
    offline: c.get<boolean>('offline', false),
    leaks: {
      severity: c.get('leaks.severity', DEFAULT_SETTINGS.leaks.severity),
      conservative: c.get<boolean>('leaks.conservative', false),
    },
    // The server validates this object (see server/src/backends/settings.ts) and reports what it ignored.
    backends: c.get<Record<string, unknown>>('backends', {}),
    // Validated by the server (server/src/core/ruleLevels.ts), which logs entries it cannot use.
    rules: c.get<Record<string, string>>('rules', {}),
    // Validated by the server too (names or patterns of environment variable characters).
    nonSecretKeys: c.get<string[]>('nonSecretKeys', []),
  };
}
