// Proves the real-editor harness on a throwaway extension (test/e2e/fixtures/hello-extension):
// diagnostics in the Problems panel, hover, CodeLens and a command in a real VS Code
// (code-server + chromium), installed both from a folder and from a .vsix, plus Restricted Mode.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyFixture, withEditor } from './support/editor';
import { repoRoot } from './support/tools';

const fixtures = path.join(repoRoot, 'test/e2e/fixtures');
const helloExtension = path.join(fixtures, 'hello-extension');

// Per test: ~30 s on an idle 2-core machine; the bound is generous for loaded CI machines.
const perTest = { timeout: 180_000 };

describe('real editor harness (code-server + chromium)', () => {
  const started = Date.now();
  const temps: string[] = [];
  let scratch: string;
  /** Each test edits its own copy of the fixture workspace. */
  const freshWorkspace = () => {
    const dir = copyFixture(path.join(fixtures, 'workspace'));
    temps.push(dir);
    return dir;
  };

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-smoke-'));
    temps.push(scratch);
  });
  after(() => {
    for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
    console.log(`# e2e smoke total: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it("shows a folder-installed extension's diagnostic, hover, CodeLens, command, output channel, debug console and terminal", perTest, async () => {
    const t0 = Date.now();
    const workspace = freshWorkspace();
    await withEditor('smoke-trusted', { workspaceFolder: workspace, extensions: [{ folder: helloExtension }] }, async (ed) => {
      assert.equal(await ed.isRestrictedMode(), false, 'trusted test must not be in Restricted Mode');
      await ed.openFile('hello_flow.py');

      const rows = await ed.waitForProblem('hello from e2e');
      assert.ok(
        rows.some((r) => /warning/i.test(r) && r.includes('hello from e2e')),
        `rows: ${JSON.stringify(rows)}`,
      );

      assert.deepEqual(await ed.waitForCodeLens('Hello lens'), ['Hello lens']);

      const hover = await ed.hoverOnText('greeting');
      assert.match(hover, /hello hover/);
      const hoverAt = await ed.hoverAt(8, 16);
      assert.match(hoverAt, /hello hover/);

      await ed.runCommand('Hello: Say');
      assert.match(await ed.waitForNotification('Hello said'), /Hello said/);
      await ed.waitFor('the output channel on disk', async () => ed.outputChannelLog('Hello e2e').includes('hello output line') || undefined);

      await ed.goTo(2, 1);
      await ed.type('# edited in e2e');
      await ed.save();
      await ed.waitFor(
        'the edit saved to disk',
        async () => fs.readFileSync(path.join(workspace, 'hello_flow.py'), 'utf8').includes('# edited in e2e') || undefined,
      );
      assert.match(await ed.visibleEditorText(), /^# edited in e2e$/m);

      await ed.runCommand('Hello: Debug');
      assert.match(await ed.waitForDebugConsole('hello debug output'), /hello debug output/);

      await ed.runCommand('Hello: Terminal');
      assert.match(await ed.waitForTerminalText('hello terminal text'), /hello terminal text/);
      await ed.waitFor('the visible terminal to show its first line', async () => (await ed.terminalText()).includes('hello terminal text') || undefined);
      // The fixture's terminal closes itself; the transcript still holds what it showed.
      await ed.waitFor('the terminal to close', async () => !(await ed.terminalText()).includes('hello terminal text') || undefined);
      assert.match(await ed.terminalTranscript(), /hello terminal text\nterminal bye/);

      await ed.screenshot('smoke-trusted');
    });
    console.log(`# trusted (folder install): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('installs the extension from a .vsix offline and its CodeLens runs the command', perTest, async () => {
    const t0 = Date.now();
    const vsix = path.join(scratch, 'hello-e2e.vsix');
    const vsce = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', vsix],
      { cwd: helloExtension, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(vsce.status, 0, `vsce package failed:\n${vsce.stdout}\n${vsce.stderr}`);
    await withEditor('smoke-vsix', { workspaceFolder: freshWorkspace(), extensions: [{ vsix }] }, async (ed) => {
      assert.ok(fs.existsSync(path.join(ed.dirs.extensionsDir, 'metaflow-secrets-tests.hello-e2e-0.0.1', 'extension.js')));
      // Same base name as the top-level file: the relative path decides which one opens.
      await ed.openFile('flows/hello_flow.py');
      assert.match(await ed.visibleEditorText(), /class NestedFlow/);
      await ed.clickCodeLens('Hello lens');
      assert.match(await ed.waitForNotification('Hello said'), /Hello said/);

      // 61 problems in one file (and 1 in the other): more rows than the panel shows at once.
      await ed.openFile('many_problems.py');
      const rows = await ed.waitFor('all 61 problems of many_problems.py', async () => {
        const all = await ed.readProblems();
        return all.filter((r) => /hello problem on line \d+/.test(r)).length === 60 ? all : undefined;
      });
      for (let line = 2; line <= 61; line++) {
        assert.ok(
          rows.some((r) => r.startsWith(`Error: hello problem on line ${line} `)),
          `line ${line} missing: ${JSON.stringify(rows)}`,
        );
      }
    });
    console.log(`# trusted (vsix install): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('opens an untrusted folder in Restricted Mode, where the extension does not activate', perTest, async () => {
    const t0 = Date.now();
    await withEditor('smoke-untrusted', { workspaceFolder: freshWorkspace(), trusted: false, extensions: [{ folder: helloExtension }] }, async (ed) => {
      await ed.waitFor('Restricted Mode in the status bar', async () => (await ed.isRestrictedMode()) || undefined);
      await ed.openFile('hello_flow.py');
      // Without capabilities.untrustedWorkspaces the extension stays disabled here: no lens, no problem.
      await assert.rejects(ed.waitForCodeLens('Hello lens', 8000), /no CodeLens/);
      const rows = await ed.readProblems();
      assert.ok(!rows.some((r) => r.includes('hello from e2e')), `unexpected problem rows: ${JSON.stringify(rows)}`);
      await ed.screenshot('smoke-untrusted');
    });
    console.log(`# untrusted: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
