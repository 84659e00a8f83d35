import * as vscode from 'vscode';
import { MetaflowStatusParams, StatusParams } from '../../shared/protocol';

/** Its own status bar entry (not inside the language indicator, where its text was clipped). */
export const STATUS_ITEM_ID = 'metaflowSecrets.status';

const ICONS: Record<StatusParams['state'], string> = {
  idle: '$(key)',
  resolving: '$(sync~spin)',
  ok: '$(key)',
  problems: '$(warning)',
  offline: '$(circle-slash)',
  untrusted: '$(shield)',
};

const STATES: Record<StatusParams['state'], string> = {
  idle: 'no sources asked yet',
  resolving: 'asking the secret backends…',
  ok: 'every source resolved',
  problems: 'some sources could not be resolved',
  offline: 'offline: no backend calls',
  untrusted: 'Restricted Mode: no backend calls, nothing runs',
};

/**
 * The status bar entry, shown while a Python editor is visible: a short text (icon and
 * "Secrets"), the backend state and the Metaflow the checks use in its tooltip, the log on click.
 */
export class SecretsStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: StatusParams = { state: 'idle', detail: '' };
  private metaflow: MetaflowStatusParams = { probed: false, text: 'Metaflow: static model', detail: 'the run interpreter has not been asked yet' };
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    // Right of the editor's own entries (cursor, indentation, language), left of notifications.
    this.item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 50);
    this.item.name = 'Metaflow Secrets';
    this.item.command = { title: 'Show log', command: 'metaflowSecrets.showLog' };
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.showIfPython()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.showIfPython()),
    );
    this.render();
    this.showIfPython();
  }

  updateMetaflow(p: MetaflowStatusParams): void {
    this.metaflow = p;
    this.render();
  }

  update(p: StatusParams): void {
    this.state = p;
    this.render();
  }

  private render(): void {
    const s = this.state;
    this.item.text = `${ICONS[s.state]} Secrets`;
    this.item.accessibilityInformation = { label: `Metaflow Secrets: ${STATES[s.state]}` };
    this.item.backgroundColor = s.state === 'problems' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**Metaflow Secrets**: ${STATES[s.state]}\n\n`);
    if (s.detail) tip.appendText(`${s.detail}\n\n`);
    tip.appendMarkdown(`$(${this.metaflow.probed ? 'check' : 'question'}) `);
    tip.appendText(`${this.metaflow.text}: ${this.metaflow.detail}`);
    tip.appendMarkdown('\n\nClick to show the log.');
    this.item.tooltip = tip;
  }

  private showIfPython(): void {
    const python = [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors].some((e) => e?.document.languageId === 'python');
    if (python) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
