import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { applyEdits, modify } from 'jsonc-parser';
import { EditorCommands } from '../../shared/protocol';
import { SECTION } from './settings';

// MFS005's quick fix: the server offers it, the client asks and writes (the server writes no files).

const TYPES: { label: string; description: string }[] = [
  { label: 'aws-secrets-manager', description: 'AWS Secrets Manager' },
  { label: 'gcp-secret-manager', description: 'GCP Secret Manager' },
  { label: 'az-key-vault', description: 'Azure Key Vault' },
];

export function registerDefaultBackendTypeCommand(): vscode.Disposable {
  return vscode.commands.registerCommand(EditorCommands['set-default-backend-type'], async (uriText?: string, projectConfig?: string) => {
    const uri = uriText ? vscode.Uri.parse(uriText) : vscode.window.activeTextEditor?.document.uri;
    const extra = vscode.workspace.getConfiguration(SECTION, uri).get<string[]>('extraBackendTypes', []);
    const type = await vscode.window.showQuickPick(
      [...TYPES, ...extra.map((t) => ({ label: t, description: 'declared in metaflowSecrets.extraBackendTypes' }))],
      {
        title: 'Default secrets backend type (METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE)',
        placeHolder: 'Used by every source written without a type',
        // A two-step choice that writes configuration: a focus change (a debug session ending,
        // a notification) must not silently abandon it.
        ignoreFocusOut: true,
      },
    );
    if (!type) return;
    // From the quick fix, the file the analysis consulted; from the palette, found the same way here.
    const configFile = projectConfig ?? (uri?.scheme === 'file' ? nearestMetaflowConfig(uri) : undefined);
    const where = await vscode.window.showQuickPick(
      [
        {
          label: 'Workspace setting',
          description: 'metaflowSecrets.metaflowConfig',
          detail: 'The editor and the runs it starts use it; runs from a terminal do not.',
          target: 'setting' as const,
        },
        ...(configFile
          ? [
              {
                label: 'Project configuration',
                description: vscode.workspace.asRelativePath(configFile),
                detail: 'Metaflow reads it for runs started in this directory, from the editor or a terminal.',
                target: 'file' as const,
              },
            ]
          : []),
      ],
      { title: `Where to set METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE = ${type.label}`, ignoreFocusOut: true },
    );
    if (!where) return;
    if (where.target === 'setting') {
      const c = vscode.workspace.getConfiguration(SECTION, uri);
      const current = c.get<Record<string, string>>('metaflowConfig', {});
      await c.update('metaflowConfig', { ...current, DEFAULT_SECRETS_BACKEND_TYPE: type.label }, vscode.ConfigurationTarget.Workspace);
    } else if (configFile) {
      await writeConfigValue(configFile, 'METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE', type.label);
    }
    void vscode.window.showInformationMessage(`Default secrets backend type set to ${type.label}.`);
  });
}

/**
 * The config file Metaflow reads for a run started in the flow's directory: the first `.metaflow`
 * directory walking up (Metaflow stops there, with or without a config.json), else a new one
 * next to the flow, where local runs keep their datastore anyway.
 */
function nearestMetaflowConfig(flow: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(flow)?.uri.fsPath;
  let dir = path.dirname(flow.fsPath);
  for (;;) {
    const candidate = path.join(dir, '.metaflow');
    if (isDirectory(candidate)) return path.join(candidate, 'config.json');
    const parent = path.dirname(dir);
    if (parent === dir || (folder && !parent.startsWith(folder))) break;
    dir = parent;
  }
  return path.join(path.dirname(flow.fsPath), '.metaflow', 'config.json');
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function writeConfigValue(file: string, name: string, value: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  let text = '{}';
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.dirname(file)));
  }
  const edits = modify(text, [name], value, { formattingOptions: { insertSpaces: true, tabSize: 4 } });
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(applyEdits(text, edits)));
}
