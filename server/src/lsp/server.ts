import * as path from 'path';
import { fileURLToPath } from 'url';
import {
  CodeAction,
  CompletionItemKind,
  createConnection,
  Diagnostic,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  InitializeResult,
  ProposedFeatures,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { DEFAULT_SETTINGS, FlowOutline, FlowOutlineParams, InterpreterParams, Methods, PrepareRunParams, PrepareRunResult, SecretsTreeFlow, ServerSettings } from '../../../shared/protocol';
import { prepareRun } from './runPreparation';
import { AnalysisCache } from '../core/analysisCache';
import { analyzeDocument, dedupe, DocumentAnalysis } from '../core/analyzer';
import { MetaflowConfig } from '../core/metaflowConfig';
import { BackendBridge } from './backendBridge';
import { Finding, finding } from '../core/findings';
import { checkLaunchJson } from '../core/launchConfig';
import { LeakCache } from '../core/leaks';
import { budgetFinding } from '../core/parseBudget';
import { PythonParser, SyntaxTree } from '../core/parser';
import { rangesEqual } from '../core/positions';
import { completeAt, sourceIdAt } from './completion';
import { ConfigFileDiagnostics } from './configFileDiagnostics';
import { AnalysedDocument, secretsTree } from './secretsTree';
import { ConfigProvider } from './configProvider';
import { toCodeActions, toDiagnostic } from './convert';
import { DocumentState, DocumentStore } from './documentStore';
import { EditorSuppressions } from './editorSuppressions';
import { limitHeapGrowth } from './heapGrowth';
import { hoverAt } from './hover';
import { Logger } from './logger';
import { parseInitializationOptions, parseServerSettings, strictTrust } from './serverSettings';
import { UserMetaflow } from './userMetaflow';
import { WorkspaceIndex } from './workspaceIndex';

/** Everything the server keeps per analysed document. */
interface Analysed {
  version: number;
  /** The world the analysis saw (configuration, settings, other files); bumped when it changes. */
  generation: number;
  /** The tree the model was built from: the document's, or a repaired copy this record owns. */
  tree: SyntaxTree;
  ownsTree: boolean;
  config: MetaflowConfig;
  analysis: DocumentAnalysis;
  findings: Finding[];
  diagnostics: Diagnostic[];
}

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

function isLaunchJson(uri: string): boolean {
  return /\/\.vscode\/launch\.json$/.test(uri);
}

/**
 * A change waits this long for the rest of its burst: the connection hands over one message per
 * event-loop turn, so an analysis run at once would come between every two queued messages; within
 * a millisecond the messages already read from the pipe are handed over (400 queued didChange
 * messages: 37 analyses instead of 400). Longer would delay every keystroke's diagnostics.
 */
const BURST_MS = 1;
/** Analyses slower than this delay the next one of the same document... */
const SLOW_ANALYSIS_MS = 200;
/** ...by as long as they took, up to this. */
const MAX_ANALYSIS_DELAY_MS = 1500;

export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const log = new Logger(connection);
  const docs = new DocumentStore();
  const configs = new ConfigProvider();
  const analysed = new Map<string, Analysed>();
  const suppressions = new EditorSuppressions(log);
  const pending = new Set<string>();
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let trusted = false;
  let parser: PythonParser | undefined;
  let index: WorkspaceIndex | undefined;
  let roots: string[] = [];
  let ready: Promise<void> = Promise.resolve();
  let generation = 0;
  let lastStatus = '';
  const bridge = new BackendBridge(
    log,
    () => reanalyseAll(),
    (st) => {
      const key = JSON.stringify(st);
      if (key === lastStatus) return;
      lastStatus = key;
      void connection.sendNotification(Methods.status, st);
    },
  );
  /** Something outside the documents changed: every document is analysed again. */
  const reanalyseAll = () => {
    generation++;
    for (const d of docs.all()) schedule(d.uri);
  };
  const metaflow = new UserMetaflow(log, () => reanalyseAll(), (st) => void connection.sendNotification(Methods.metaflow, st));

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    // Validated, never cast: trust is granted only by the boolean true.
    const init = parseInitializationOptions(params.initializationOptions);
    for (const p of init.problems) log.warn(p);
    settings = init.settings;
    trusted = init.trusted;
    metaflow.setTrusted(trusted);
    configs.setOverrides(settings.metaflowConfig);
    roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (roots.length === 0 && params.rootUri) {
      const p = uriToPath(params.rootUri);
      if (p) roots.push(p);
    }
    bridge.configure(settings, trusted);
    ready = (async () => {
      parser = await PythonParser.create(init.wasmDir);
      index = new WorkspaceIndex(parser, settings.indexMaxFiles);
    })();
    await ready;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        completionProvider: { triggerCharacters: ['"', "'"] },
      },
      serverInfo: { name: 'metaflow-secrets', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [{ globPattern: '**/*.py' }, { globPattern: '**/.metaflow/config.json' }],
    }).catch(() => undefined);
    const started = Date.now();
    void index
      ?.indexFolders(roots)
      .then(() => {
        log.info(`Indexed ${index!.size} Metaflow module(s) of ${index!.filesSeen} Python file(s) in ${Date.now() - started} ms`);
        reanalyseAll();
      })
      .catch((e) => log.error(`Indexing failed: ${(e as Error).message}`));
  });

  connection.onDidChangeConfiguration((p) => {
    const raw = (p.settings as { metaflowSecrets?: unknown } | undefined)?.metaflowSecrets;
    if (raw === undefined) return;
    const parsed = parseServerSettings(raw);
    for (const problem of parsed.problems) log.warn(problem);
    settings = parsed.settings;
    configs.setOverrides(settings.metaflowConfig);
    index?.setMaxFiles(settings.indexMaxFiles);
    bridge.configure(settings, trusted);
    reanalyseAll();
  });

  connection.onNotification(Methods.trustChanged, (p: unknown) => {
    trusted = strictTrust((p as { trusted?: unknown } | null)?.trusted);
    bridge.configure(settings, trusted);
    metaflow.setTrusted(trusted);
    reanalyseAll();
  });

  connection.onNotification(Methods.interpreter, (p: InterpreterParams) => metaflow.setInterpreter(p));

  connection.onNotification(Methods.configChanged, () => {
    configs.invalidate();
    metaflow.recheck();
    reanalyseAll();
  });

  connection.onDidChangeWatchedFiles((p) => {
    let configChanged = false;
    for (const c of p.changes) {
      const file = uriToPath(c.uri);
      if (!file) continue;
      if (file.endsWith('config.json')) configChanged = true;
      else if (c.type !== FileChangeType.Created || file.endsWith('.py')) index?.invalidate(file);
    }
    if (configChanged) {
      configs.invalidate();
      metaflow.recheck();
    }
    reanalyseAll();
  });

  connection.onDidOpenTextDocument((p) => {
    if (isLaunchJson(p.textDocument.uri)) {
      docs.open(p.textDocument.uri, p.textDocument.text, p.textDocument.version);
      schedule(p.textDocument.uri);
      return;
    }
    if (p.textDocument.languageId !== 'python' && !p.textDocument.uri.endsWith('.py')) return;
    const d = docs.open(p.textDocument.uri, p.textDocument.text, p.textDocument.version);
    bridge.focus(d.uri);
    if (d.binary) {
      log.info(`${p.textDocument.uri} looks binary; not analysed`);
      void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics: [toDiagnostic(budgetFinding('it holds binary content, not Python source'), d.uri)] });
      return;
    }
    schedule(d.uri);
  });

  connection.onDidChangeTextDocument((p) => {
    const d = docs.change(p.textDocument.uri, p.textDocument.version, p.contentChanges as { range?: never; text: string }[]);
    if (d) bridge.focus(d.uri);
    if (d) schedule(d.uri);
  });

  connection.onDidCloseTextDocument((p) => {
    docs.close(p.textDocument.uri);
    bridge.closed(p.textDocument.uri);
    forget(p.textDocument.uri);
    leakCaches.delete(p.textDocument.uri);
    analysisCost.delete(p.textDocument.uri);
    pending.delete(p.textDocument.uri);
    const file = uriToPath(p.textDocument.uri);
    if (file) index?.closed(file);
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  });

  /** Coalesces a burst of changes into one analysis, run BURST_MS after the first. */
  function schedule(uri: string): void {
    if (pending.has(uri)) return;
    pending.add(uri);
    const run = () => {
      if (!pending.delete(uri)) return;
      void ready.then(() => {
        const d = docs.get(uri);
        if (!d) return;
        const started = Date.now();
        publish(d);
        analysisCost.set(uri, Date.now() - started);
      });
    };
    // A document whose analysis is slow (a pathological paste) waits as long as it took, so a burst
    // of edits costs one analysis and requests for other documents get their turn.
    const cost = analysisCost.get(uri) ?? 0;
    if (cost > SLOW_ANALYSIS_MS) setTimeout(run, Math.min(cost, MAX_ANALYSIS_DELAY_MS));
    else setTimeout(run, BURST_MS);
  }
  const analysisCost = new Map<string, number>();

  function analyse(d: DocumentState): Analysed | undefined {
    const cached = analysed.get(d.uri);
    if (cached && cached.version === d.version && cached.generation === generation) return cached;
    if (!parser || d.binary || isLaunchJson(d.uri)) return undefined;
    const docTree = d.parse(parser);
    if (!docTree) return undefined;
    const file = uriToPath(d.uri);
    const dir = file ? path.dirname(file) : roots[0] ?? process.cwd();
    // The user's Metaflow, once its interpreter has answered; the static model until then.
    const view = metaflow.forDirectory(dir, configs.forDirectory(dir));
    const config = view.config;
    // The previous analysis's own tree goes first: two repaired trees of a huge text need not coexist.
    forget(d.uri);
    // Never throws: a region too deep to analyse, or a failing stage, is a finding on the document.
    const { analysis, tree } = analyzeDocument(parser, d.text, docTree, {
      config,
      cache: analysisCache,
      resolvedNames: bridge.namesLookup(config),
      external: file && index ? index.externalFor(file) : undefined,
      extraTypes: settings.extraBackendTypes,
      registeredTypes: view.registeredTypes,
      registeredBy: view.registeredBy,
      leaks: { ...settings.leaks, cache: leakCacheFor(d.uri) },
    });
    const findings = suppressions.apply(d.text, docTree, dedupe([...analysis.findings, ...bridge.findingsFor(analysis.secrets, config, d.uri)]), settings).findings;
    const a: Analysed = { version: d.version, generation, tree, ownsTree: tree !== docTree, config, analysis, findings, diagnostics: findings.map((f) => toDiagnostic(f, d.uri)) };
    analysed.set(d.uri, a);
    if (file && index?.updateFromOpenDocument(file, analysis.model)) {
      // Other documents may import what this one defines.
      generation++;
      a.generation = generation;
      for (const other of docs.all()) if (other.uri !== d.uri) schedule(other.uri);
    }
    return a;
  }

  /** Reuse between keystrokes (evaluated decorators, environment reads); lives and dies with this server. */
  const analysisCache = new AnalysisCache();
  const configFiles = new ConfigFileDiagnostics((uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }));

  const leakCaches = new Map<string, LeakCache>();
  /** Per-document leak results, so typing in one step re-analyses that step only. */
  function leakCacheFor(uri: string): LeakCache {
    let c = leakCaches.get(uri);
    if (!c) leakCaches.set(uri, (c = new LeakCache()));
    return c;
  }

  function forget(uri: string): void {
    const old = analysed.get(uri);
    if (old?.ownsTree) old.tree.delete();
    analysed.delete(uri);
  }

  function publish(d: DocumentState): void {
    try {
      if (isLaunchJson(d.uri)) {
        const file = uriToPath(d.uri);
        const config = configs.forDirectory(file ? path.dirname(path.dirname(file)) : roots[0] ?? process.cwd());
        const diagnostics = checkLaunchJson(d.text, config, settings.extraBackendTypes).map((f) => toDiagnostic(f, d.uri));
        void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics });
        return;
      }
      const a = analyse(d);
      if (a) void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics: a.diagnostics });
      if (a) configFiles.update(a.config.files);
      else if (d.limit) {
        // Too large, binary or over the parse budget: one diagnostic says so, nothing stale stays.
        forget(d.uri);
        void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics: [toDiagnostic(budgetFinding(d.limit), d.uri)] });
      }
    } catch (e) {
      // A bug in one rule must not take the server down or leave stale diagnostics.
      log.error(`Analysis of ${d.uri} failed: ${(e as Error).stack ?? e}`);
      const failed = finding('MFS092', { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, `This file could not be analysed (${(e as Error)?.name ?? 'Error'}); its @secrets were not checked. See the Metaflow Secrets output for details.`);
      void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics: [toDiagnostic(failed, d.uri)] });
    }
  }

  connection.onHover(async (p) => {
    await ready;
    const d = docs.get(p.textDocument.uri);
    if (!d || !parser) return null;
    bridge.focus(d.uri);
    // The text's last analysis if there is one: backend answers arriving since (a burst of them
    // re-analyses every document) are read live by the hover, so it never waits for that.
    const last = analysed.get(d.uri);
    const a = last?.version === d.version ? last : analyse(d);
    if (!a) return null;
    const md = hoverAt(a.analysis, a.tree, p.position, bridge.details(a.config));
    return md ? { contents: { kind: 'markdown', value: md } } : null;
  });

  connection.onCompletion(async (p, token) => {
    await ready;
    const d = docs.get(p.textDocument.uri);
    if (!d) return [];
    const a = analyse(d);
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
    return listing.names.map((n) => ({ label: n, kind: CompletionItemKind.Value, detail: `${at.type} · ${listing.scope}`, textEdit: { range: at.idRange, newText: n } }));
  });

  connection.onCodeAction(async (p) => {
    await ready;
    const inConfig = configFiles.codeActions(p.textDocument.uri, p.context.diagnostics);
    if (inConfig) return inConfig;
    const d = docs.get(p.textDocument.uri);
    if (!d) return [];
    const a = analyse(d);
    if (!a) return [];
    const out: CodeAction[] = [];
    a.findings.forEach((f, i) => {
      const diag = a.diagnostics[i];
      if (!f.fixes?.length) return;
      if (!p.context.diagnostics.some((c) => c.code === f.code && rangesEqual(c.range, f.range))) return;
      out.push(...toCodeActions(f, d.uri, diag));
    });
    return out;
  });

  connection.onRequest(Methods.secretsTree, async (): Promise<SecretsTreeFlow[]> => {
    await ready;
    const analysedDocs: AnalysedDocument[] = [];
    for (const d of docs.all()) {
      const a = analyse(d);
      if (a) analysedDocs.push({ uri: d.uri, analysis: a.analysis, config: a.config });
    }
    return secretsTree(analysedDocs, (src, config) => bridge.resolver.peek(src.spec, config), bridge.offline);
  });

  connection.onRequest(Methods.flowOutline, async (p: FlowOutlineParams): Promise<FlowOutline[]> => {
    await ready;
    const d = docs.get(p.uri);
    if (!d) return [];
    const a = analyse(d);
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

  connection.onRequest(Methods.prepareRun, async (p: PrepareRunParams, token): Promise<PrepareRunResult> => {
    await ready;
    const d = docs.get(p.uri);
    if (!d) return { ok: false, message: 'Open the flow file first.' };
    const a = analyse(d);
    if (!a) return { ok: false, message: 'This file could not be analysed as Python.' };
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      const r = await prepareRun(p, a.analysis, a.findings, a.config, bridge.resolver, trusted, abort.signal);
      log.info(r.ok ? `Run of ${p.flow}${p.step ? `.${p.step}` : ''}: ${r.sourceCount} source(s) resolved for step(s) ${r.steps.join(', ')}` : `Run of ${p.flow} refused: ${r.message}`);
      return r;
    } catch (e) {
      return { ok: false, message: `Could not prepare the run: ${(e as Error).message}` };
    }
  });

  connection.onRequest(Methods.refresh, () => {
    bridge.refresh();
    metaflow.refresh();
    reanalyseAll();
    return null;
  });

  connection.onShutdown(() => {
    index?.cancel();
    bridge.dispose();
    for (const d of docs.all()) d.dispose();
  });

  connection.listen();
}

if (require.main === module) {
  // A safety net: an SDK's stray rejection must not take the server down (messages never hold values).
  process.on('unhandledRejection', (e) => process.stderr.write(`unhandled rejection: ${(e as Error)?.message ?? e}\n`));
  limitHeapGrowth();
  startServer();
}
