import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { Messages } from '../../shared/protocol';
import { request } from './messages';

/** Run / Debug on each flow class and each step; the server says where they are. */
export class FlowCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly client: LanguageClient) {}

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const flows = await request(this.client, Messages.flowOutline, { uri: doc.uri.toString() }, token);
    const lenses: vscode.CodeLens[] = [];
    for (const f of flows) {
      const r = new vscode.Range(f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character);
      const args = { uri: doc.uri.toString(), flow: f.name };
      lenses.push(new vscode.CodeLens(r, { title: '▶ Run flow', command: 'metaflowSecrets.runFlow', arguments: [args] }));
      lenses.push(new vscode.CodeLens(r, { title: 'Debug flow', command: 'metaflowSecrets.debugFlow', arguments: [args] }));
      for (const s of f.steps) {
        const sr = new vscode.Range(s.range.start.line, s.range.start.character, s.range.end.line, s.range.end.character);
        const sargs = { ...args, step: s.name };
        lenses.push(new vscode.CodeLens(sr, { title: '▶ Run step', command: 'metaflowSecrets.runStep', arguments: [sargs] }));
        lenses.push(new vscode.CodeLens(sr, { title: 'Debug step', command: 'metaflowSecrets.debugStep', arguments: [sargs] }));
      }
    }
    return lenses;
  }
}
