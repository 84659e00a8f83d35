import * as path from 'path';
import {
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  InitializeResult,
  ProposedFeatures,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { DEFAULT_SETTINGS, Messages, ServerSettings } from '../../../shared/protocol';
import { checkLaunchJson } from '../core/launchConfig';
import { PythonParser } from '../core/parser';
import { AnalysisSession, BackendAnswers } from '../session/analysisSession';
import { AnalysisScheduler } from './analysisScheduler';
import { BackendBridge } from './backendBridge';
import { ConfigFileDiagnostics } from './configFileDiagnostics';
import { SecretCreation } from './createSecret';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { DocumentAnalyses } from './documentAnalyses';
import { DocumentState, DocumentStore } from './documentStore';
import { registerFeatures } from './featureHandlers';
import { limitHeapGrowth } from './heapGrowth';
import { IncomingMessages, transportFromArgv } from './incomingMessages';
import { Logger } from './logger';
import { notify, onNotification, onRequest } from './messages';
import { parseInitializationOptions, parseServerSettings, sessionSettings, strictTrust } from './serverSettings';
import { isLaunchJson, uriToPath } from './uris';
import { UserMetaflow } from './userMetaflow';

export { uriToPath } from './uris';

/**
 * The language server: wires the connection to the analysis session, keeps the settings and
 * trust the client sends, and decides what is analysed again when something changes. The
 * features (hover, completion, code actions, custom requests) are in featureHandlers.ts.
 */
export function startServer(): void {
  // Knowing what is still queued on the wire lets the scheduler skip stale analyses and let hovers go first.
  const incoming = new IncomingMessages();
  const transport = transportFromArgv(process.argv);
  const connection = transport
    ? createConnection(ProposedFeatures.all, incoming.wrap(transport.reader), transport.writer)
    : createConnection(ProposedFeatures.all);
  const log = new Logger(connection);
  const docs = new DocumentStore();
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let trusted = false;
  let session: AnalysisSession | undefined;
  let roots: string[] = [];
  let ready: Promise<void> = Promise.resolve();

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
  const metaflow = new UserMetaflow(
    log,
    () => reanalyseAll(),
    (st) => notify(connection, Messages.metaflow, st),
  );

  /** What the backends said, as the analysis uses it; their answers arrive later, so their rules never count as run. */
  const backendAnswers: BackendAnswers = {
    namesLookup: (config) => bridge.namesLookup(config),
    findingsFor: (analysis, config, uri) => bridge.findingsFor(analysis.secrets, config, uri),
    rulesRan: false,
  };
  const analyses = new DocumentAnalyses(backendAnswers, (uri) => scheduler.schedule(uri));
  const configFiles = new ConfigFileDiagnostics((uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }));
  const publisher = new DiagnosticsPublisher({ connection, log, analyses, configFiles, checkLaunchJson: launchJsonFindings });
  const scheduler = new AnalysisScheduler(
    (uri) => {
      const d = docs.get(uri);
      if (d) publisher.publish(d);
    },
    {
      isStale: (uri) => incoming.newerChangeQueued(uri, docs.get(uri)?.version ?? Infinity),
      requestsWaiting: () => incoming.interactiveQueued > 0,
    },
  );

  /** Something outside the documents changed: every document is analysed again. */
  function reanalyseAll(): void {
    analyses.invalidateAll();
    for (const d of docs.all()) scheduler.schedule(d.uri);
  }

  /** Runs start in the folder holding .vscode/: its configuration, and its Metaflow once probed. */
  function launchJsonFindings(d: DocumentState) {
    if (!session) return undefined;
    const file = uriToPath(d.uri);
    const view = session.viewFor(file ? path.dirname(path.dirname(file)) : (roots[0] ?? process.cwd()));
    return checkLaunchJson(d.text, view.config, {
      extraTypes: settings.extraBackendTypes,
      registeredTypes: view.registeredTypes,
      registeredBy: view.registeredBy,
    });
  }

  const creation = new SecretCreation({
    resolver: bridge.resolver,
    log,
    trusted: () => trusted,
    document: async (uri) => {
      await ready;
      const d = docs.get(uri);
      const a = d && analyses.analyse(d);
      return a ? { analysis: a.analysis, config: a.config } : undefined;
    },
    reanalyse: () => reanalyseAll(),
  });
  creation.listen(connection);
  registerFeatures({
    connection,
    log,
    ready: () => ready,
    docs,
    analyses,
    bridge,
    creation,
    configFiles,
    incoming,
    settings: () => settings,
    trusted: () => trusted,
  });

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
      const parser = await PythonParser.create(init.wasmDir);
      session = new AnalysisSession({ parser, indexMaxFiles: settings.indexMaxFiles, views: metaflow });
      session.configure(sessionSettings(settings, (p) => log.warn(p)));
      analyses.attach(session, roots);
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
    void connection.client
      .register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.py' }, { globPattern: '**/.metaflow/config.json' }],
      })
      .catch(() => undefined);
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
    else for (const f of edited) analyses.moduleChanged(f);
  });

  connection.onDidOpenTextDocument((p) => {
    const { uri, text, version, languageId } = p.textDocument;
    if (!isLaunchJson(uri) && languageId !== 'python' && !uri.endsWith('.py')) return;
    const d = docs.open(uri, text, version);
    bridge.focus(d.uri);
    if (d.binary) {
      log.info(`${uri} looks binary; not analysed`);
      publisher.binary(d);
      return;
    }
    scheduler.schedule(d.uri);
  });

  connection.onDidChangeTextDocument((p) => {
    const d = docs.change(p.textDocument.uri, p.textDocument.version, p.contentChanges as { range?: never; text: string }[]);
    if (!d) return;
    bridge.focus(d.uri);
    scheduler.schedule(d.uri, true);
  });

  connection.onDidCloseTextDocument((p) => {
    const uri = p.textDocument.uri;
    docs.close(uri);
    analyses.forget(uri);
    session?.forget(uri);
    scheduler.forget(uri);
    incoming.closed(uri);
    const file = uriToPath(uri);
    if (file) session?.index.closed(file);
    bridge.closed(uri);
    publisher.closed(uri);
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
  limitHeapGrowth();
  startServer();
}
