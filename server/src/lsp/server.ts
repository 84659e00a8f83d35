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
import { DEFAULT_SETTINGS, Messages, ServerSettings } from '../../../shared/protocol';
import { prepareRun } from './runPreparation';
import { DocumentAnalysis } from '../core/analyzer';
import { MetaflowConfig } from '../core/metaflowConfig';
import { BackendBridge } from './backendBridge';
import { Finding, finding } from '../core/findings';
import { checkLaunchJson } from '../core/launchConfig';
import { budgetFinding } from '../core/parseBudget';
import { PythonParser, SyntaxTree } from '../core/parser';
import { rangesEqual } from '../core/positions';
import { completeAt, sourceIdAt } from './completion';
import { ConfigFileDiagnostics } from './configFileDiagnostics';
import { AnalysedDocument, secretsTree } from './secretsTree';
import { toCodeActions, toDiagnostic } from './convert';
import { DocumentState, DocumentStore } from './documentStore';
import { SecretCreation } from './createSecret';
import { hoverAt } from './hover';
import { Logger } from './logger';
import { nonSecretKeysOf, parseInitializationOptions, parseServerSettings, sessionSettings, strictTrust } from './serverSettings';
import { UserMetaflow } from './userMetaflow';
import { AnalysisSession, BackendAnswers } from '../session/analysisSession';
import { AnalysisScheduler } from './analysisScheduler';
import { IncomingMessages, transportFromArgv } from './incomingMessages';
import { notify, onNotification, onRequest } from './messages';

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
  /** The other modules its facts came from. */
  uses: ReadonlySet<string>;
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

export function startServer(): void {
  // Knowing what is still queued on the wire lets the scheduler skip stale analyses and let hovers go first.
  const incoming = new IncomingMessages();
  const transport = transportFromArgv(process.argv);
  const connection = transport ? createConnection(ProposedFeatures.all, incoming.wrap(transport.reader), transport.writer) : createConnection(ProposedFeatures.all);
  const log = new Logger(connection);
  const docs = new DocumentStore();
  const analysed = new Map<string, Analysed>();
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let trusted = false;
  let parser: PythonParser | undefined;
  let session: AnalysisSession | undefined;
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
      notify(connection, Messages.status, st);
    },
  );
  /** Something outside the documents changed: every document is analysed again. */
  const reanalyseAll = () => {
    generation++;
    for (const d of docs.all()) schedule(d.uri);
  };
  const metaflow = new UserMetaflow(log, () => reanalyseAll(), (st) => notify(connection, Messages.metaflow, st));
  const creation = new SecretCreation({
    resolver: bridge.resolver,
    log,
    trusted: () => trusted,
    document: async (uri) => {
      await ready;
      const d = docs.get(uri);
      const a = d && analyse(d);
      return a ? { analysis: a.analysis, config: a.config } : undefined;
    },
    reanalyse: () => reanalyseAll(),
  });
  creation.listen(connection);

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    // Validated, never cast: trust is granted only by the boolean true.
    const init = parseInitializationOptions(params.initializationOptions);
    for (const p of init.problems) log.warn(p);
    settings = init.settings;
    trusted = init.trusted;
    metaflow.setTrusted(trusted);
    roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (roots.length === 0 && params.rootUri) {
      const p = uriToPath(params.rootUri);
      if (p) roots.push(p);
    }
    bridge.configure(settings, trusted);
    ready = (async () => {
      parser = await PythonParser.create(init.wasmDir);
      session = new AnalysisSession({ parser, indexMaxFiles: settings.indexMaxFiles, views: metaflow });
      session.configure(sessionSettings(settings, (p) => log.warn(p)));
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
    const index = session?.index;
    void index
      ?.indexFolders(roots)
      .then(() => {
        log.info(`Indexed ${index.size} Metaflow module(s) of ${index.filesSeen} Python file(s) in ${Date.now() - started} ms`);
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
    session?.configure(sessionSettings(settings, (p) => log.warn(p)));
    session?.index.setMaxFiles(settings.indexMaxFiles);
    bridge.configure(settings, trusted);
    reanalyseAll();
  });

  onNotification(connection, Messages.trustChanged, (p: unknown) => {
    trusted = strictTrust((p as { trusted?: unknown } | null)?.trusted);
    bridge.configure(settings, trusted);
    metaflow.setTrusted(trusted);
    reanalyseAll();
  });

  onNotification(connection, Messages.interpreter, (p) => metaflow.setInterpreter(p));

  onNotification(connection, Messages.configChanged, () => {
    session?.configs.invalidate();
    metaflow.recheck();
    reanalyseAll();
  });

  connection.onDidChangeWatchedFiles((p) => {
    let everything = false;
    const edited: string[] = [];
    for (const c of p.changes) {
      const file = uriToPath(c.uri);
      if (!file) continue;
      if (file.endsWith('config.json')) {
        everything = true;
        session?.configs.invalidate();
        metaflow.recheck();
        continue;
      }
      session?.index.invalidate(file);
      // A module that appears or goes can change what any import resolves to; an edited one, only its importers.
      if (c.type === FileChangeType.Changed) edited.push(file);
      else everything = true;
    }
    if (everything) reanalyseAll();
    else for (const f of edited) moduleChanged(f);
  });

  connection.onDidOpenTextDocument((p) => {
    if (isLaunchJson(p.textDocument.uri)) {
      docs.open(p.textDocument.uri, p.textDocument.text, p.textDocument.version);
      schedule(p.textDocument.uri);
      return;
    }
    if (p.textDocument.languageId !== 'python' && !p.textDocument.uri.endsWith('.py')) return;
    const d = docs.open(p.textDocument.uri, p.textDocument.text, p.textDocument.version);
    if (d.binary) {
      log.info(`${p.textDocument.uri} looks binary; not analysed`);
      void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics: [toDiagnostic(budgetFinding('it holds binary content, not Python source'), d.uri)] });
      return;
    }
    schedule(d.uri);
  });

  connection.onDidChangeTextDocument((p) => {
    const d = docs.change(p.textDocument.uri, p.textDocument.version, p.contentChanges as { range?: never; text: string }[]);
    if (d) schedule(d.uri, true);
  });

  connection.onDidCloseTextDocument((p) => {
    docs.close(p.textDocument.uri);
    forget(p.textDocument.uri);
    session?.forget(p.textDocument.uri);
    scheduler.forget(p.textDocument.uri);
    incoming.closed(p.textDocument.uri);
    published.delete(p.textDocument.uri);
    const file = uriToPath(p.textDocument.uri);
    if (file) session?.index.closed(file);
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  });

  const scheduler = new AnalysisScheduler(
    (uri) => {
      const d = docs.get(uri);
      if (d) publish(d);
    },
    {
      isStale: (uri) => incoming.newerChangeQueued(uri, docs.get(uri)?.version ?? Infinity),
      requestsWaiting: () => incoming.interactiveQueued > 0,
    },
  );
  function schedule(uri: string, urgent = false): void {
    scheduler.schedule(uri, urgent);
  }

  /** What the backends said, as the analysis uses it; their answers arrive later, so their rules never count as run. */
  const backendAnswers: BackendAnswers = {
    namesLookup: (config) => bridge.namesLookup(config),
    findingsFor: (analysis, config) => bridge.findingsFor(analysis.secrets, config),
    rulesRan: false,
  };

  function analyse(d: DocumentState): Analysed | undefined {
    const cached = analysed.get(d.uri);
    if (cached && cached.version === d.version && cached.generation === generation) return cached;
    if (!parser || !session || d.binary || isLaunchJson(d.uri)) return undefined;
    const docTree = d.parse(parser);
    if (!docTree) return undefined;
    const file = uriToPath(d.uri);
    // Never throws: a region too deep to analyse, or a failing stage, is a finding on the document.
    const r = session.analyse({ key: d.uri, file, dir: roots[0], text: d.text, tree: docTree }, { backends: backendAnswers });
    const a: Analysed = { version: d.version, generation, tree: r.tree, ownsTree: r.ownsTree, config: r.config, analysis: r.analysis, findings: r.findings, diagnostics: r.findings.map((f) => toDiagnostic(f, d.uri)), uses: r.uses };
    forget(d.uri);
    analysed.set(d.uri, a);
    // Documents that import what this one defines are analysed again; the others are not touched.
    if (file && session.index.updateFromOpenDocument(file, r.analysis.model)) moduleChanged(file);
    return a;
  }

  const configFiles = new ConfigFileDiagnostics((uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }));

  /**
   * The last analysis, when it still answers for `line`: nothing changed since but on later lines
   * (and its tree is the document's, edited in place, not yet reparsed). A hover during a burst of
   * edits is then answered at once instead of analysing the document first.
   */
  function lastGoodFor(d: DocumentState, line: number): Analysed | undefined {
    const a = analysed.get(d.uri);
    if (!a || a.generation !== generation) return undefined;
    if (a.version === d.version) return a;
    return !a.ownsTree && d.tree === a.tree && d.firstChangedLineSince(a.version) > line ? a : undefined;
  }

  /** The facts of module `file` changed: the documents whose analysis read them are out of date. */
  function moduleChanged(file: string): void {
    for (const [uri, other] of analysed) {
      if (!other.uses.has(file)) continue;
      other.generation = -1;
      schedule(uri);
    }
  }

  function forget(uri: string): void {
    const old = analysed.get(uri);
    if (old?.ownsTree) old.tree.delete();
    analysed.delete(uri);
  }

  /** What was last sent per document: an analysis caused by something else that finds the same is not sent again. */
  const published = new Map<string, { version: number; key: string }>();
  function sendDiagnostics(d: DocumentState, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    const last = published.get(d.uri);
    if (last && last.version === d.version && last.key === key) return;
    published.set(d.uri, { version: d.version, key });
    void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics });
  }

  function publish(d: DocumentState): void {
    try {
      if (isLaunchJson(d.uri)) {
        const file = uriToPath(d.uri);
        if (!session) return;
        // Runs start in the folder holding .vscode/: its configuration, and its Metaflow once probed.
        const view = session.viewFor(file ? path.dirname(path.dirname(file)) : roots[0] ?? process.cwd());
        const types = { extraTypes: settings.extraBackendTypes, registeredTypes: view.registeredTypes, registeredBy: view.registeredBy };
        const diagnostics = checkLaunchJson(d.text, view.config, types).map((f) => toDiagnostic(f, d.uri));
        void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics });
        return;
      }
      const a = analyse(d);
      if (a) sendDiagnostics(d, a.diagnostics);
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
    incoming.started();
    await ready;
    const d = docs.get(p.textDocument.uri);
    if (!d || !parser) return null;
    const a = lastGoodFor(d, p.position.line) ?? analyse(d);
    if (!a) return null;
    const md = hoverAt(a.analysis, a.tree, p.position, bridge.details(a.config), nonSecretKeysOf(settings));
    return md ? { contents: { kind: 'markdown', value: md } } : null;
  });

  connection.onCompletion(async (p, token) => {
    incoming.started();
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
    incoming.started();
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
    out.push(...creation.codeActions(d.uri, a.analysis, p.context.diagnostics));
    return out;
  });

  onRequest(connection, Messages.secretsTree, async () => {
    await ready;
    const analysedDocs: AnalysedDocument[] = [];
    for (const d of docs.all()) {
      const a = analyse(d);
      if (a) analysedDocs.push({ uri: d.uri, analysis: a.analysis, config: a.config });
    }
    return secretsTree(analysedDocs, (src, config) => bridge.resolver.peek(src.spec, config), bridge.offline);
  });

  onRequest(connection, Messages.flowOutline, async (p) => {
    incoming.started();
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

  onRequest(connection, Messages.prepareRun, async (p, token) => {
    await ready;
    const d = docs.get(p.uri);
    if (!d) return { ok: false, message: 'Open the flow file first.' };
    const a = analyse(d);
    if (!a) return { ok: false, message: 'This file could not be analysed as Python.' };
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      const r = await prepareRun(p, a, { resolver: bridge.resolver, trusted, signal: abort.signal });
      log.info(r.ok ? `Run of ${p.flow}${p.step ? `.${p.step}` : ''}: ${r.sourceCount} source(s) resolved for step(s) ${r.steps.join(', ')}` : `Run of ${p.flow} refused: ${r.message}`);
      return r;
    } catch (e) {
      return { ok: false, message: `Could not prepare the run: ${(e as Error).message}` };
    }
  });

  onRequest(connection, Messages.refresh, () => {
    bridge.refresh();
    metaflow.refresh();
    reanalyseAll();
    return null;
  });

  connection.onShutdown(() => {
    scheduler.dispose();
    session?.dispose();
    bridge.dispose();
    for (const d of docs.all()) d.dispose();
  });

  connection.listen();
}

if (require.main === module) {
  // A safety net: an SDK's stray rejection must not take the server down (messages never hold values).
  process.on('unhandledRejection', (e) => process.stderr.write(`unhandled rejection: ${(e as Error)?.message ?? e}\n`));
  startServer();
}
