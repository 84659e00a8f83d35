import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { Messages, OutlineRange, SecretsTreeFlow, SecretsTreeSource, SecretsTreeStep } from '../../shared/protocol';
import { request } from './messages';

type Node =
  | { kind: 'flow'; flow: SecretsTreeFlow }
  | { kind: 'step'; flow: SecretsTreeFlow; step: SecretsTreeStep }
  | { kind: 'source'; flow: SecretsTreeFlow; source: SecretsTreeSource }
  | { kind: 'name'; name: string };

const STATE_ICON: Record<SecretsTreeSource['state'], [string, string?]> = {
  ok: ['pass', 'testing.iconPassed'],
  missing: ['error', 'problemsErrorIcon.foreground'],
  denied: ['lock', 'problemsErrorIcon.foreground'],
  failed: ['warning', 'problemsWarningIcon.foreground'],
  offline: ['cloud'],
  pending: ['loading~spin'],
  unknown: ['question'],
};

/**
 * The Explorer's Secrets view: flows → steps → sources (backend, resolved id, state) → the names
 * they inject. Names only; refreshed when diagnostics change, which is when the server re-analysed.
 */
export class SecretsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private flows: SecretsTreeFlow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly client: LanguageClient) {
    this.subscriptions.push(
      vscode.languages.onDidChangeDiagnostics(() => this.refreshSoon()),
      vscode.workspace.onDidCloseTextDocument(() => this.refreshSoon()),
      vscode.window.registerTreeDataProvider('metaflowSecrets.secrets', this),
      vscode.commands.registerCommand('metaflowSecrets.view.refresh', () => vscode.commands.executeCommand('metaflowSecrets.refresh')),
      vscode.commands.registerCommand('metaflowSecrets.view.reveal', (n: Node) => reveal(n)),
      vscode.commands.registerCommand('metaflowSecrets.view.copyId', async (n: Node) => {
        if (n.kind !== 'source' || !n.source.resolvedId) return;
        await vscode.env.clipboard.writeText(n.source.resolvedId);
        vscode.window.setStatusBarMessage(`Copied ${n.source.resolvedId}`, 3000);
      }),
      vscode.commands.registerCommand(
        'metaflowSecrets.view.runStep',
        (n: Node) => n.kind === 'step' && vscode.commands.executeCommand('metaflowSecrets.runStep', { uri: n.flow.uri, flow: n.flow.name, step: n.step.name }),
      ),
      vscode.commands.registerCommand(
        'metaflowSecrets.view.debugStep',
        (n: Node) =>
          n.kind === 'step' && vscode.commands.executeCommand('metaflowSecrets.debugStep', { uri: n.flow.uri, flow: n.flow.name, step: n.step.name }),
      ),
    );
    this.refreshSoon();
  }

  private refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      try {
        this.flows = await request(this.client, Messages.secretsTree, {});
      } catch {
        return; // the server may be restarting; keep the last tree
      }
      this.changed.fire(undefined);
    }, 300);
  }

  getChildren(n?: Node): Node[] {
    if (!n) return this.flows.map((flow) => ({ kind: 'flow', flow }));
    if (n.kind === 'flow') return n.flow.steps.map((step) => ({ kind: 'step', flow: n.flow, step }));
    if (n.kind === 'step') return n.step.sources.map((source) => ({ kind: 'source', flow: n.flow, source }));
    if (n.kind === 'source') return (n.source.names ?? []).map((name) => ({ kind: 'name', name }));
    return [];
  }

  getTreeItem(n: Node): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (n.kind) {
      case 'flow': {
        const item = new vscode.TreeItem(n.flow.name, C.Expanded);
        item.description = vscode.workspace.asRelativePath(vscode.Uri.parse(n.flow.uri));
        item.iconPath = new vscode.ThemeIcon('symbol-class');
        item.contextValue = 'flow';
        item.command = { command: 'metaflowSecrets.view.reveal', title: 'Reveal in code', arguments: [n] };
        return item;
      }
      case 'step': {
        const item = new vscode.TreeItem(n.step.name, n.step.sources.length ? C.Expanded : C.None);
        item.description = `${n.step.sources.length} source(s)`;
        item.iconPath = new vscode.ThemeIcon('symbol-method');
        item.contextValue = 'step';
        item.command = { command: 'metaflowSecrets.view.reveal', title: 'Reveal in code', arguments: [n] };
        return item;
      }
      case 'source': {
        const s = n.source;
        const item = new vscode.TreeItem(s.label, s.names?.length ? C.Collapsed : C.None);
        item.description = s.state === 'ok' ? (s.resolvedId ?? s.type) : `${s.state}${s.resolvedId ? ` · ${s.resolvedId}` : ''}`;
        item.tooltip = new vscode.MarkdownString(
          [
            `**${s.label}** — ${s.state}`,
            s.resolvedId ? `\`${s.resolvedId}\`` : '',
            s.detail ?? '',
            s.names ? `Injects: ${s.names.map((x) => `\`${x}\``).join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('\n\n'),
        );
        const [icon, color] = STATE_ICON[s.state];
        item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
        item.contextValue = s.resolvedId ? 'source.withId' : 'source';
        item.command = { command: 'metaflowSecrets.view.reveal', title: 'Reveal in code', arguments: [n] };
        return item;
      }
      case 'name': {
        const item = new vscode.TreeItem(n.name, C.None);
        item.iconPath = new vscode.ThemeIcon('symbol-variable');
        return item;
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

async function reveal(n: Node): Promise<void> {
  if (n.kind === 'name') return;
  const range: OutlineRange = n.kind === 'flow' ? n.flow.range : n.kind === 'step' ? n.step.range : n.source.range;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(n.flow.uri));
  const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
  await vscode.window.showTextDocument(doc, { selection: r, preserveFocus: false });
}
