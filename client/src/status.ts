import * as vscode from 'vscode';
import { MetaflowStatusParams, StatusParams } from '../../shared/protocol';

/**
 * The language status items, linked to the log: backend state at a glance, and which Metaflow
 * the checks use (the interpreter's, once asked, or the static model).
 */
export class SecretsStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly metaflow: vscode.LanguageStatusItem;

  constructor() {
    this.item = vscode.languages.createLanguageStatusItem('metaflowSecrets.status', { language: 'python' });
    this.item.name = 'Metaflow Secrets';
    this.item.command = { title: 'Show log', command: 'metaflowSecrets.showLog' };
    this.update({ state: 'idle', detail: '' });
    this.metaflow = vscode.languages.createLanguageStatusItem('metaflowSecrets.metaflow', { language: 'python' });
    this.metaflow.name = 'Metaflow used by the checks';
    this.metaflow.command = { title: 'Show log', command: 'metaflowSecrets.showLog' };
    this.updateMetaflow({ probed: false, text: 'Metaflow: static model', detail: 'the run interpreter has not been asked yet' });
  }

  updateMetaflow(p: MetaflowStatusParams): void {
    this.metaflow.text = `$(${p.probed ? 'check' : 'question'}) ${p.text}`;
    this.metaflow.detail = p.detail;
    this.metaflow.severity = vscode.LanguageStatusSeverity.Information;
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
    this.metaflow.dispose();
  }
}
