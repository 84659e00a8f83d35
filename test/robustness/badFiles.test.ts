import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeDocument } from '../../server/src/core/analyzer';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { MAX_TREE_DEPTH } from '../../server/src/core/nestingGuard';
import { PythonParser } from '../../server/src/core/parser';
import { LspClient, PublishedDiagnostic } from '../support/lspClient';
import { binaryNoNul, DEEP_EXPRESSIONS, deepBlocks, flowWith, hugeOneLineList, INTACT_FINDING_LINE, manySources, unclosedBrackets } from './badFiles';
import { peakRssMb, printFigures, record, recordMax } from './figures';

// Hostile files through the real analysis (core) and the real language server: nothing
// overflows, each bad region or file is one clear finding, and the rest is still analysed.

let parser: PythonParser;
before(async () => {
  parser = await PythonParser.create();
});
after(() => printFigures('bad files'));

function analyse(text: string) {
  const started = Date.now();
  const tree = parser.parse(text);
  const g = analyzeDocument(parser, text, tree, {
    config: fixedConfig({}),
    leaks: { severity: 'warning', conservative: true },
  });
  const ms = Date.now() - started;
  if (g.ownsTree) g.tree.delete();
  tree.delete();
  return { findings: g.analysis.findings, ms };
}

const codes = (fs: { code: string }[]) => fs.map((f) => f.code);

describe('the analysis of deeply nested code', () => {
  for (const [kind, make] of Object.entries(DEEP_EXPRESSIONS)) {
    test(`${kind}: 5,000 levels are one MFS090 on that region, and the rest is analysed`, () => {
      const { findings, ms } = analyse(flowWith(make(5000)));
      recordMax('core: max ms for a 5,000-deep file', ms);
      const deep = findings.filter((f) => f.code === 'MFS090');
      assert.equal(deep.length, 1, JSON.stringify(findings.map((f) => [f.code, f.message])));
      assert.match(deep[0].message, /too deeply nested to analyse/i);
      assert.ok(deep[0].range.start.line > INTACT_FINDING_LINE, 'reported on the deep region, not the file start');
      assert.ok(
        findings.some((f) => f.code === 'MFS005' && f.range.start.line === INTACT_FINDING_LINE),
        'the other step is still checked',
      );
      assert.ok(!codes(findings).includes('MFS092'));
      assert.ok(ms < 5000, `${ms} ms`);
    });
  }

  test('below the depth limit nothing is left out and the leak is found', () => {
    const { findings } = analyse(flowWith(DEEP_EXPRESSIONS.parentheses(Math.floor(MAX_TREE_DEPTH / 2))));
    assert.ok(!codes(findings).includes('MFS090'), JSON.stringify(codes(findings)));
    assert.ok(codes(findings).includes('MFS050'), 'the print of a secret through 200 parentheses is a leak');
  });

  test('statements nested too deeply: one region, the leak analysis skipped with a finding, @secrets still checked', () => {
    const { findings } = analyse(flowWith(deepBlocks(400)));
    const deep = findings.filter((f) => f.code === 'MFS090');
    assert.ok(deep.length >= 1 && deep.length <= 2, JSON.stringify(deep));
    assert.ok(deep.some((f) => /leak analysis was skipped/.test(f.message)));
    assert.ok(findings.some((f) => f.code === 'MFS005' && f.range.start.line === INTACT_FINDING_LINE));
  });

  test('two deep regions are two findings, each on its own line', () => {
    const text = flowWith(`${DEEP_EXPRESSIONS.parentheses(3000)}\n${DEEP_EXPRESSIONS.lists(3000)}`);
    const { findings } = analyse(text);
    const lines = findings.filter((f) => f.code === 'MFS090').map((f) => f.range.start.line);
    assert.equal(new Set(lines).size, 2, JSON.stringify(lines));
  });
});

describe('the analysis of huge and broken files', () => {
  test('a one-line list of 60,000 sources is analysed within the budget', () => {
    const { findings, ms } = analyse(hugeOneLineList(60_000));
    record('core: one-line list of 60,000 sources (ms)', ms);
    assert.ok(findings.some((f) => f.code === 'MFS005'));
    assert.ok(ms < 15_000, `${ms} ms`);
  });

  test('12,000 unclosed brackets finish in bounded time with the decorators still seen', () => {
    const { findings, ms } = analyse(unclosedBrackets(12_000));
    record('core: 12,000 unclosed brackets (ms)', ms);
    // tree-sitter's recovery swallows the class here; the @secrets decorator is still reported on.
    assert.ok(
      findings.some((f) => f.range.start.line === INTACT_FINDING_LINE),
      JSON.stringify(codes(findings).slice(0, 10)),
    );
    assert.ok(!codes(findings).includes('MFS092'));
    assert.ok(ms < 15_000, `${ms} ms`);
  });

  test('2,000 distinct sources are analysed in bounded time', () => {
    const { findings, ms } = analyse(manySources(2000));
    record('core: 2,000 distinct sources (ms)', ms);
    assert.ok(ms < 15_000, `${ms} ms`);
    assert.ok(!codes(findings).includes('MFS092'));
  });
});

describe('the language server on bad files', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-bad-'));
    client = new LspClient({ METAFLOW_HOME: path.join(ws, 'home') });
    await client.initialize(ws, { trusted: false, settings: { offline: true } });
  });

  after(async () => {
    const rss = peakRssMb(client?.proc.pid);
    if (rss !== undefined) record('lsp: server peak RSS after the bad files (MB)', rss);
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const has = (code: string) => (d: PublishedDiagnostic[]) => d.some((x) => x.code === code);

  test('a 5,000-deep expression: MFS090 published, hover, code actions and outline still answer', async () => {
    const uri = client.open(path.join(ws, 'deep.py'), flowWith(DEEP_EXPRESSIONS.parentheses(5000)));
    const diags = await client.waitForDiagnostics(uri, (d) => has('MFS090')(d) && has('MFS005')(d), 20_000);
    const mfs005 = diags.find((d) => d.code === 'MFS005')!;
    const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 10, character: 25 },
    });
    assert.ok(hover && /@secrets source\*\* `db \(aws-secrets-manager\)`/.test(hover.contents.value), JSON.stringify(hover));
    const actions = await client.request<unknown[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: mfs005.range,
      context: { diagnostics: [mfs005] },
    });
    assert.ok(Array.isArray(actions));
    const outline = await client.request<{ name: string; steps: unknown[] }[]>('metaflowSecrets/flowOutline', { uri });
    assert.deepEqual(
      outline.map((f) => [f.name, f.steps.length]),
      [['HostileFlow', 2]],
    );
  });

  test('an edit that makes the file deep replaces the old diagnostics (nothing stale)', async () => {
    const uri = client.open(path.join(ws, 'grows.py'), flowWith('        pass'));
    await client.waitForDiagnostics(uri, has('MFS005'));
    const deepLine = DEEP_EXPRESSIONS.calls(4000);
    client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: flowWith(deepLine) }] });
    await client.waitForDiagnostics(uri, has('MFS090'), 20_000);
  });

  test('binary content, a 2.5 MB paste and an over-budget parse are one MFS091 each; other documents stay responsive', async () => {
    const bin = client.open(path.join(ws, 'blob.py'), binaryNoNul(400_000).toString('utf8'));
    const huge = client.open(path.join(ws, 'huge.py'), hugeOneLineList(110_000));
    const normal = client.open(path.join(ws, 'normal.py'), flowWith('        pass'));
    const started = Date.now();
    await client.waitForDiagnostics(normal, has('MFS005'), 20_000);
    const latency = Date.now() - started;
    record('lsp: diagnostics of a normal file opened with the bad ones (ms)', latency);
    const b = await client.waitForDiagnostics(bin, has('MFS091'), 20_000);
    assert.match(b[0].message, /too large \/ too broken to analyse fully: it holds binary content/);
    const h = await client.waitForDiagnostics(huge, has('MFS091'), 20_000);
    assert.match(h[0].message, /it has 3,[0-9]{3},[0-9]{3} characters, more than the 250,000 analysed/);
    assert.ok(latency < 10_000, `${latency} ms`);
    // An edit to the normal document is answered quickly even with the bad ones open.
    const t = Date.now();
    client.notify('textDocument/didChange', { textDocument: { uri: normal, version: 2 }, contentChanges: [{ text: flowWith('        x = 1') }] });
    await client.nextDiagnostics(normal, 10_000);
    recordMax('lsp: max ms from an edit to its diagnostics beside bad files', Date.now() - t);
  });
});
