import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { CREATE_SECRET_COMMAND, CreateSecretParams, CreateSecretPlan, CreateSecretPlanParams, Messages } from '../../shared/protocol';
import { seal } from '../../shared/sealedBox';
import { request } from './messages';

/** What Metaflow accepts as a variable name once `-`, `.` and `/` became `_` (validate_env_vars). */
const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function keyProblem(key: string): string | undefined {
  const name = key.replace(/[-./]/g, '_');
  if (!ENV_NAME.test(name)) return `'${key}' is not a valid variable name for @secrets.`;
  if (name.startsWith('METAFLOW_')) return `'${key}' starts with METAFLOW_, which @secrets refuses to inject.`;
  return undefined;
}

/**
 * "Create secret … in …": the server says where and as whom (it knows the backend settings and
 * the identity) and which keys the step reads; the user confirms, edits the keys and types each
 * value into a password box; the values are sealed to the server's one-time key and go from the
 * input box to the SDK call only — no log, no trace, no file.
 */
export function registerCreateSecretCommand(client: LanguageClient, output: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(CREATE_SECRET_COMMAND, async (args?: CreateSecretPlanParams) => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage('Metaflow Secrets: creating secrets is disabled in Restricted Mode.');
      return;
    }
    const editor = vscode.window.activeTextEditor;
    const at: CreateSecretPlanParams | undefined = args ?? (editor ? { uri: editor.document.uri.toString(), position: editor.selection.active } : undefined);
    if (!at) return;
    const plan = await request(client, Messages.createSecretPlan, at);
    if (!plan.ok) {
      void vscode.window.showErrorMessage(`Metaflow Secrets: ${plan.message}`);
      return;
    }
    const confirmed = await vscode.window.showWarningMessage(
      `Create secret '${plan.secretName}' in ${plan.backend}?`,
      {
        modal: true,
        detail: `Where: ${plan.where}\nAs: ${plan.identity}\n${plan.shape === 'json' ? `Keys ${plan.readBy} reads: ${plan.keys.join(', ') || 'none found — you name them next'}` : `One value, injected as ${plan.keys[0]}`}\n\nEach value is typed into a password box and sent sealed to the language server, which passes it to the SDK only.`,
      },
      'Create…',
    );
    if (confirmed !== 'Create…') return;
    const keys = plan.shape === 'json' ? await askKeys(plan) : plan.keys;
    if (!keys) return;
    const entries: Array<[string, string]> = [];
    for (const [i, key] of keys.entries()) {
      const value = await vscode.window.showInputBox({
        title: `${plan.secretName}: value of ${key} (${i + 1}/${keys.length})`,
        prompt: `Stored in ${plan.backend} (${plan.where}); never shown, logged or written to a file.`,
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.length ? undefined : 'Enter a value (Escape cancels).'),
      });
      if (value === undefined) return;
      entries.push([key, value]);
    }
    const params: CreateSecretParams = { token: plan.token, sealed: seal(JSON.stringify({ entries }), plan.publicKey) };
    entries.length = 0;
    output.info(`Creating secret '${plan.secretName}' in ${plan.backend} (${plan.where}) as ${plan.identity}; keys ${keys.join(', ')}`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Creating secret '${plan.secretName}'…`, cancellable: true },
      (_p, token) => request(client, Messages.createSecret, params, token),
    );
    if (result.ok) {
      output.info(result.message);
      void vscode.window.showInformationMessage(`Metaflow Secrets: ${result.message}`);
    } else {
      output.warn(result.message);
      void vscode.window.showErrorMessage(`Metaflow Secrets: ${result.message}`);
    }
  });
}

/** The keys of a JSON secret: those the step reads, as the user edits them (names only). */
async function askKeys(plan: Extract<CreateSecretPlan, { ok: true }>): Promise<string[] | undefined> {
  const split = (v: string) =>
    v
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
  const text = await vscode.window.showInputBox({
    title: `${plan.secretName}: keys of the new secret`,
    prompt: `Comma-separated; pre-filled with what ${plan.readBy} reads. Values are asked next, one by one.`,
    value: plan.keys.join(', '),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const keys = split(v);
      if (!keys.length) return 'Name at least one key.';
      const dup = keys.find((k, i) => keys.indexOf(k) !== i);
      if (dup) return `'${dup}' is named twice.`;
      return keys.map(keyProblem).find(Boolean);
    },
  });
  return text === undefined ? undefined : split(text);
}
