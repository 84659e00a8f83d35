import * as vscode from 'vscode';
import { StatusParams } from '../../common/protocol';

/** The language status item: backend state at a glance, linked to the log. */
export class SecretsStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;

  constructor() {
    this.item = vscode.languages.createLanguageStatusItem('metaflowSecrets.status', { language: 'python' });
    this.item.name = 'Metaflow Secrets';
    this.item.command = { title: 'Show log', command: 'metaflowSecrets.showLog' };
    this.update({ state: 'idle', detail: '' });
  }

  update(p: StatusParams): void {
    const labels: Record<StatusParams['state'], string> = {
      idle: '$(key) Metaflow Secrets',
      resolving: '$(sync~spin) Metaflow Secrets: resolving',
      ok: '$(key) Metaflow Secrets',
      problems: '$(warning) Metaflow Secrets',
      offline: '$(circle-slash) Metaflow Secrets: offline',
      untrusted: '$(shield) Metaflow Secrets: restricted',
    };
    this.item.text = labels[p.state];
    this.item.detail = p.detail;
    this.item.severity = p.state === 'problems' ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
  }

  dispose(): void {
    this.item.dispose();
  }
}
