import * as vscode from 'vscode';

/** About what a toast shows on one line before it is cut (its source line names the extension). */
export const TOAST_MAX = 60;

const SHOW_LOG = 'Show log';
const MANAGE_TRUST = 'Manage trust';

export type NotifyLevel = 'info' | 'warning' | 'error';

/**
 * A short toast; when `detail` is given (or the message is long) the whole text goes to the log
 * and the toast offers "Show log". Resolves with the action the user picked, if any.
 */
export async function notify(
  output: vscode.LogOutputChannel,
  level: NotifyLevel,
  message: string,
  opts: { detail?: string; actions?: string[] } = {},
): Promise<string | undefined> {
  const short = brief(message);
  const whole = [message, opts.detail].filter(Boolean).join(' ');
  const logged = whole !== short;
  if (logged) (level === 'error' ? output.error : level === 'warning' ? output.warn : output.info).call(output, whole);
  const actions = [...(opts.actions ?? []), ...(logged ? [SHOW_LOG] : [])];
  const show =
    level === 'error' ? vscode.window.showErrorMessage : level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const picked = await show(short, ...actions);
  if (picked === SHOW_LOG) output.show(true);
  return picked === SHOW_LOG ? undefined : picked;
}

/** "… is disabled in Restricted Mode." with a button to the trust editor. */
export async function notifyRestricted(what: string): Promise<void> {
  const picked = await vscode.window.showWarningMessage(`${what} is disabled in Restricted Mode.`, MANAGE_TRUST);
  if (picked === MANAGE_TRUST) await vscode.commands.executeCommand('workbench.trust.manage');
}

/** The first sentence when it fits a toast, else the text cut at a word with an ellipsis. */
export function brief(text: string, max = TOAST_MAX): string {
  if (text.length <= max) return text;
  const sentence = /^.*?[.?!](?=\s|$)/.exec(text)?.[0];
  if (sentence && sentence.length <= max) return sentence;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}
