import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { FlowOutline, Messages } from '../../shared/protocol';
import { request } from './messages';

/** Set for the active editor when its file defines a flow: the editor-title Run button shows only then. */
const ACTIVE_HAS_FLOW = 'metaflowSecrets.activeEditorHasFlow';
/** Set while any visible editor has a flow: the palette's run commands show only then. */
const ANY_FLOW_VISIBLE = 'metaflowSecrets.flowEditorVisible';

/**
 * Which flow a command acts on when none is given: the active editor's, else the visible (or
 * most recently seen) flow editor, so a command run with the Output panel focused still knows.
 */
export class FlowEditors implements vscode.Disposable {
  private readonly outlines = new Map<string, FlowOutline[]>();
  private lastFlowUri: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly client: LanguageClient) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.refreshSoon()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshSoon()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === 'python') this.refreshSoon(500);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.outlines.delete(d.uri.toString())),
    );
    this.refreshSoon();
  }

  /** The flow file a command without arguments acts on, with its outline. */
  async target(): Promise<{ uri: string; outline: FlowOutline[] } | undefined> {
    await this.refresh();
    const candidates = [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors].map((e) => e?.document.uri.toString());
    if (this.lastFlowUri) candidates.push(this.lastFlowUri);
    for (const uri of candidates) {
      const outline = uri ? this.outlines.get(uri) : undefined;
      if (uri && outline?.length) return { uri, outline };
    }
    return undefined;
  }

  private refreshSoon(delayMs = 50): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private async refresh(): Promise<void> {
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document.languageId === 'python' && e.document.uri.scheme === 'file');
    await Promise.all(
      editors.map(async (e) => {
        const uri = e.document.uri.toString();
        try {
          this.outlines.set(uri, await request(this.client, Messages.flowOutline, { uri }));
        } catch {
          // The server may be restarting: keep what was known.
        }
      }),
    );
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const activeHasFlow = !!active && (this.outlines.get(active)?.length ?? 0) > 0;
    if (activeHasFlow) this.lastFlowUri = active;
    const anyVisible = editors.some((e) => (this.outlines.get(e.document.uri.toString())?.length ?? 0) > 0);
    void vscode.commands.executeCommand('setContext', ACTIVE_HAS_FLOW, activeHasFlow);
    void vscode.commands.executeCommand('setContext', ANY_FLOW_VISIBLE, anyVisible || !!this.lastFlowUri);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
