import { CodeAction, CompletionItemKind, Connection } from 'vscode-languageserver/node';
import { Messages, ServerSettings } from '../../../shared/protocol';
import { rangesEqual } from '../core/positions';
import { BackendBridge } from './backendBridge';
import { completeAt, sourceIdAt } from './completion';
import { ConfigFileDiagnostics } from './configFileDiagnostics';
import { toCodeActions } from './convert';
import { SecretCreation } from './createSecret';
import { DocumentAnalyses } from './documentAnalyses';
import { DocumentStore } from './documentStore';
import { hoverAt } from './hover';
import { IncomingMessages } from './incomingMessages';
import { Logger } from './logger';
import { onRequest } from './messages';
import { prepareRun } from './runPreparation';
import { AnalysedDocument, secretsTree } from './secretsTree';
import { nonSecretKeysOf } from './serverSettings';

/** What the request handlers read; settings and trust are read at each request (they change). */
export interface FeatureContext {
  connection: Connection;
  log: Logger;
  ready: () => Promise<void>;
  docs: DocumentStore;
  analyses: DocumentAnalyses;
  bridge: BackendBridge;
  creation: SecretCreation;
  configFiles: ConfigFileDiagnostics;
  incoming: IncomingMessages;
  settings: () => ServerSettings;
  trusted: () => boolean;
}

/** Hover, completion, code actions, and the custom requests the client's views and runs use. */
export function registerFeatures(ctx: FeatureContext): void {
  const { connection, docs, analyses, bridge, incoming } = ctx;

  connection.onHover(async (p) => {
    incoming.started();
    await ctx.ready();
    const d = docs.get(p.textDocument.uri);
    if (!d) return null;
    bridge.focus(d.uri);
    const a = analyses.lastGoodFor(d, p.position.line) ?? analyses.analyse(d);
    if (!a) return null;
    const md = hoverAt(a.analysis, a.tree, p.position, bridge.details(a.config), nonSecretKeysOf(ctx.settings()));
    return md ? { contents: { kind: 'markdown', value: md } } : null;
  });

  connection.onCompletion(async (p, token) => {
    incoming.started();
    await ctx.ready();
    const d = docs.get(p.textDocument.uri);
    const a = d && analyses.analyse(d);
    if (!a) return [];
    const names = completeAt(a.analysis, a.tree, p.position, bridge.details(a.config));
    if (names.length) return names;
    // Secret names inside `sources=[...]`, from the backend's listing where it allows one.
    const at = sourceIdAt(a.analysis, p.position);
    if (!at || bridge.offline) return [];
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    const listing = await bridge.resolver.listSecretNames(at.type, a.config, AbortSignal.any([abort.signal, AbortSignal.timeout(5000)]));
    if (!listing.ok) return [];
    return listing.names.map((n) => ({
      label: n,
      kind: CompletionItemKind.Value,
      detail: `${at.type} · ${listing.scope}`,
      textEdit: { range: at.idRange, newText: n },
    }));
  });

  connection.onCodeAction(async (p) => {
    incoming.started();
    await ctx.ready();
    const inConfig = ctx.configFiles.codeActions(p.textDocument.uri, p.context.diagnostics);
    if (inConfig) return inConfig;
    const d = docs.get(p.textDocument.uri);
    const a = d && analyses.analyse(d);
    if (!d || !a) return [];
    const out: CodeAction[] = [];
    a.findings.forEach((f, i) => {
      if (!f.fixes?.length) return;
      if (!p.context.diagnostics.some((c) => c.code === f.code && rangesEqual(c.range, f.range))) return;
      out.push(...toCodeActions(f, d.uri, a.diagnostics[i]));
    });
    out.push(...ctx.creation.codeActions(d.uri, a.analysis, p.context.diagnostics));
    return out;
  });

  onRequest(connection, Messages.secretsTree, async () => {
    await ctx.ready();
    const analysedDocs: AnalysedDocument[] = [];
    for (const d of docs.all()) {
      const a = analyses.analyse(d);
      if (a) analysedDocs.push({ uri: d.uri, analysis: a.analysis, config: a.config });
    }
    return secretsTree(analysedDocs, (src, config) => bridge.resolver.peek(src.spec, config), bridge.offline);
  });

  onRequest(connection, Messages.flowOutline, async (p) => {
    incoming.started();
    await ctx.ready();
    const d = docs.get(p.uri);
    const a = d && analyses.analyse(d);
    if (!a) return [];
    const withSecrets = new Set(a.analysis.secrets.steps.map((s) => s.step));
    return a.analysis.model.flows
      .filter((f) => f.isFlowSpec === true)
      .map((f) => ({
        name: f.name,
        range: f.nameRange,
        steps: f.steps.map((s) => ({ name: s.name, range: s.nameRange, hasSecrets: withSecrets.has(s) })),
      }));
  });

  onRequest(connection, Messages.prepareRun, async (p, token) => {
    await ctx.ready();
    const d = docs.get(p.uri);
    if (!d) return { ok: false, message: 'Open the flow file first.' };
    const a = analyses.analyse(d);
    if (!a) return { ok: false, message: 'This file could not be analysed as Python.' };
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      const r = await prepareRun(p, a, { resolver: bridge.resolver, trusted: ctx.trusted(), signal: abort.signal });
      ctx.log.info(
        r.ok
          ? `Run of ${p.flow}${p.step ? `.${p.step}` : ''}: ${r.sourceCount} source(s) resolved for step(s) ${r.steps.join(', ')}`
          : `Run of ${p.flow} refused: ${r.message}`,
      );
      return r;
    } catch (e) {
      return { ok: false, message: `Could not prepare the run: ${(e as Error).message}` };
    }
  });
}
