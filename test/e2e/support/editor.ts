// Drives a real VS Code workbench (code-server in Debian chromium via playwright-core) the way a
// user would: quick open, command palette, Problems panel, hovers, CodeLens, notifications.
// Lines and columns are 1-based, as VS Code shows them. Every wait is bounded and its error says
// what was not found; withEditor() keeps a screenshot and the logs when a test fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CodeServer, makeTempDir, releaseTempDir, type CodeServerOptions } from './codeServer';
import { editorTools, resultsDir } from './tools';

export type { CodeServerOptions, ExtensionSource } from './codeServer';

// The page functions below run in the browser; these names only exist there.
declare const document: any;

export interface EditorOptions extends CodeServerOptions {
  /** Browser viewport. Default 1400x900. */
  viewport?: { width: number; height: number };
}

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Hermetic and fast: every host but loopback fails at once instead of waiting on DNS.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = '.quick-input-widget .quick-input-box input';
const QUICK_ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const HOVER = '.monaco-editor .monaco-hover:not(.hidden)';

/**
 * Runs in the page before the workbench loads: records every text any terminal row shows,
 * so tests can read output of a terminal that has scrolled or already closed.
 */
function recordTerminalRows(): void {
  const w = globalThis as any;
  if (w.__e2eTerminalLog) return;
  const log: string[] = (w.__e2eTerminalLog = []);
  const lastByRow = new WeakMap<object, string>();
  const record = (row: any) => {
    const text = (row.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+$/, '');
    if (text === '' || lastByRow.get(row) === text) return;
    lastByRow.set(row, text);
    log.push(text);
  };
  const observer = new w.MutationObserver((mutations: any[]) => {
    for (const m of mutations) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      const rows = el?.closest?.('.xterm-rows');
      if (!rows) continue;
      for (const row of rows.children) record(row);
    }
  });
  observer.observe(w.document, { subtree: true, childList: true, characterData: true });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

export class Editor {
  /** Browser console errors and page errors, kept for failure artifacts. */
  readonly browserLog: string[] = [];

  private constructor(
    readonly server: CodeServer,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly browserProfile: string,
  ) {}

  get dirs() {
    return { ...this.server.dirs, browserProfile: this.browserProfile };
  }

  /** Starts code-server and chromium and waits until the workbench is ready. */
  static async start(opts: EditorOptions): Promise<Editor> {
    const tools = editorTools();
    // Server and browser start side by side: on 2 cores this saves a few seconds per test.
    const browserProfile = makeTempDir('e2e-chromium-');
    const launching = chromium.launchPersistentContext(browserProfile, {
      executablePath: tools.chromium,
      headless: true,
      args: chromiumFlags,
      viewport: opts.viewport ?? { width: 1400, height: 900 },
      timeout: 60_000,
    });
    let server: CodeServer;
    try {
      server = await CodeServer.start(opts);
    } catch (e) {
      await launching.then((c) => c.close()).catch(() => undefined);
      releaseTempDir(browserProfile);
      throw e;
    }
    let context: BrowserContext | undefined;
    try {
      context = await launching;
      await context.addInitScript(recordTerminalRows);
      const page = context.pages()[0] ?? (await context.newPage());
      const editor = new Editor(server, context, page, browserProfile);
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') editor.browserLog.push(`[${m.type()}] ${m.text()}`);
      });
      page.on('pageerror', (e) => editor.browserLog.push(`[pageerror] ${e.message}`));
      page.setDefaultTimeout(30_000);
      await page.goto(server.url, { timeout: 60_000, waitUntil: 'domcontentloaded' });
      await editor.waitForWorkbench();
      return editor;
    } catch (e) {
      // Keep what explains a failed start: a screenshot if the page exists, and the server log.
      const stamp = `editor-start-failure-${Date.now()}`;
      const page = context?.pages()[0];
      await page?.screenshot({ path: path.join(resultsDir(), `${stamp}.png`), timeout: 5000 }).catch(() => undefined);
      try {
        fs.copyFileSync(server.dirs.serverLog, path.join(resultsDir(), `${stamp}-code-server.log`));
      } catch {
        // no log
      }
      await context?.close().catch(() => undefined);
      await server.stop();
      releaseTempDir(browserProfile);
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(`editor did not start: ${msg} (artifacts: test-results/${stamp}*)`);
    }
  }

  // ---------- generic waiting ----------

  /**
   * Polls `probe` until it returns a value that is not undefined/false; throws with `what`
   * (and the last value or error seen) when `timeoutMs` passes.
   */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined && v !== false) return v;
        last = v;
      } catch (e) {
        last = e instanceof Error ? e.message : e;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
      }
      await sleep(250);
    }
  }

  private async visible(selector: string, what: string, timeoutMs = 30_000): Promise<Locator> {
    const loc = this.page.locator(selector).first();
    try {
      await loc.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (selector ${selector})`);
    }
    return loc;
  }

  // ---------- workbench ----------

  /** Waits for the workbench shell, the status bar and the explorer/activity bar to render. */
  async waitForWorkbench(timeoutMs = 60_000): Promise<void> {
    await this.visible('.monaco-workbench', 'the VS Code workbench', timeoutMs);
    await this.visible('.monaco-workbench .part.statusbar', 'the status bar', timeoutMs);
    await this.visible('.monaco-workbench .part.activitybar, .monaco-workbench .part.sidebar', 'the side bar', timeoutMs);
    // The remote (server) connection indicator only settles once the extension host is up.
    await this.waitFor('the extension host connection', async () => (await this.statusBarItems()).some((s) => s.id === 'status.host') || undefined, timeoutMs);
  }

  /** Closes any open quick input / hover / find widget. */
  async escape(times = 2): Promise<void> {
    for (let i = 0; i < times; i++) await this.page.keyboard.press('Escape');
  }

  /** Focus the active editor group (so keyboard shortcuts apply to the editor). */
  async focusEditor(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.runCommand('View: Focus Active Editor Group');
  }

  /** Focuses the active editor unless the keyboard focus is already in a text editor. */
  private async ensureEditorFocus(): Promise<void> {
    const inEditor = await this.page.evaluate(() => !!document.activeElement?.closest?.('.editor-group-container .monaco-editor'));
    if (!inEditor) await this.focusEditor();
  }

  // ---------- quick input ----------

  private async openQuickInput(key: string, what: string): Promise<Locator> {
    // The widget can be open from a previous step; start from a closed state.
    if (await this.page.locator(QUICK_INPUT).first().isVisible()) await this.page.keyboard.press('Escape');
    await this.page.keyboard.press(key);
    await this.visible(QUICK_INPUT, what, 10_000);
    return this.visible(QUICK_INPUT_BOX, `${what} input`, 10_000);
  }

  private async quickRows(): Promise<Array<{ label: string; aria: string }>> {
    return this.page.locator(QUICK_ROWS).evaluateAll((rows: any[]) =>
      rows.map((r) => ({
        label: (r.querySelector('.label-name')?.textContent ?? '').trim(),
        aria: r.getAttribute('aria-label') ?? '',
      })),
    );
  }

  private async clickQuickRow(index: number): Promise<void> {
    await this.page.locator(QUICK_ROWS).nth(index).click();
  }

  /** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor to be active. */
  async openFile(relativePath: string, timeoutMs = 60_000): Promise<void> {
    const base = path.posix.basename(relativePath.replace(/\\/g, '/'));
    const input = await this.openQuickInput('Control+P', 'Quick Open');
    // The name only: Quick Open does not match a path that starts with a multi-root folder's
    // name; the row is then chosen by its folder.
    await input.fill(base);
    const rel = relativePath.replace(/\\/g, '/');
    let seen: string[] = [];
    const row = await this.waitFor(
      `Quick Open to list "${relativePath}"`,
      async () => {
        const rows = await this.quickRows();
        seen = rows.map((r) => r.aria || r.label);
        // A row's aria-label is "<name> <folder>, <group>" ("<name>, <group>" at the top level);
        // in a multi-root workspace the folder starts with the root's name: "<root> • <folder>".
        const dir = path.posix.dirname(rel);
        const i = rows.findIndex((r) => {
          if (r.label !== base || !r.aria.startsWith(base)) return false;
          const folder = r.aria.slice(base.length).split(',')[0].trim().replace(/ • /g, '/');
          return folder === (dir === '.' ? '' : dir);
        });
        return i >= 0 ? rows[i].aria.split(',')[0] : undefined;
      },
      timeoutMs,
    ).catch(async () => {
      await this.escape(1);
      throw new Error(`Quick Open did not list "${relativePath}" within ${timeoutMs} ms; it listed: ${JSON.stringify(seen)}`);
    });
    // The list re-renders while results arrive (recently opened, then file results): click the
    // row by its label, not the index it had.
    // Only a group's first row has ", <group>" after the folder.
    const label = row.replace(/"/g, '\\"');
    await this.page.locator(`${QUICK_ROWS}[aria-label="${label}"], ${QUICK_ROWS}[aria-label^="${label},"]`).first().click({ timeout: 10_000 });
    // The breadcrumbs of the active group start with the file's path segments.
    const segments = rel.split('/').filter((x) => x !== '' && x !== '.');
    let crumbs: string[] = [];
    await this.waitFor(
      `the active editor to show ${relativePath}`,
      async () => {
        crumbs = await this.page
          .locator('.editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item')
          .evaluateAll((els: any[]) => els.map((e) => (e.innerText ?? '').trim()));
        return segments.every((seg, k) => crumbs[k] === seg) || undefined;
      },
      timeoutMs,
    ).catch(() => {
      throw new Error(`opening ${relativePath} left the active editor on ${crumbs.join('/') || 'nothing'}`);
    });
    await this.visible('.editor-group-container.active .monaco-editor .view-lines', `the editor for ${relativePath}`);
  }

  /**
   * Runs a command from the Command Palette (F1) by its exact title as the palette shows it,
   * e.g. "Hello: Say" (category: title).
   */
  async runCommand(title: string, timeoutMs = 20_000): Promise<void> {
    const input = await this.openQuickInput('F1', 'the Command Palette');
    await input.fill(`>${title}`);
    let seen: string[] = [];
    let index: number;
    try {
      index = await this.waitFor(
        `command "${title}"`,
        async () => {
          const rows = await this.quickRows();
          seen = rows.map((r) => r.label);
          const i = rows.findIndex((r) => r.label === title);
          return i >= 0 ? i : undefined;
        },
        timeoutMs,
      );
    } catch {
      await this.escape(1);
      throw new Error(`command "${title}" not found in the Command Palette; it listed: ${JSON.stringify(seen)}`);
    }
    await this.clickQuickRow(index);
  }

  /** Picks the row labelled `label` in a Quick Pick an extension opened (e.g. a step picker). */
  async pickQuickItem(label: string, timeoutMs = 20_000): Promise<void> {
    let seen: string[] = [];
    const index = await this.waitFor(
      `a quick pick row "${label}"`,
      async () => {
        if (!(await this.page.locator(QUICK_INPUT).first().isVisible())) return undefined;
        const rows = await this.quickRows();
        seen = rows.map((r) => r.label);
        const i = rows.findIndex((r) => r.label === label);
        return i >= 0 ? i : undefined;
      },
      timeoutMs,
    ).catch(() => {
      throw new Error(`no quick pick row "${label}" within ${timeoutMs} ms; rows: ${JSON.stringify(seen)}`);
    });
    // The list re-renders while it settles: click the row by its label, not the index seen.
    const row = this.page.locator(QUICK_ROWS).filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) });
    await row
      .first()
      .click({ timeout: 10_000 })
      .catch(async () => {
        const open = await this.page.locator(QUICK_INPUT).first().isVisible();
        throw new Error(
          `quick pick row "${label}" (seen at ${index}) could not be clicked; the quick pick is ${open ? 'open' : 'closed'}, rows: ${JSON.stringify((await this.quickRows()).map((r) => r.label))}`,
        );
      });
  }

  /** Waits for a modal dialog whose text matches, clicks its button `button`; returns the dialog's text. */
  async answerDialog(text: string | RegExp, button: string, timeoutMs = 30_000): Promise<string> {
    const match = (t: string) => (typeof text === 'string' ? t.includes(text) : text.test(t));
    const dialog = this.page.locator('.monaco-dialog-box');
    const shown = await this.waitFor(
      `a dialog matching ${String(text)}`,
      async () => {
        if (!(await dialog.first().isVisible())) return undefined;
        const t = ((await dialog.first().innerText()) ?? '').replace(/\s+/g, ' ');
        return match(t) ? t : undefined;
      },
      timeoutMs,
    );
    await dialog.first().locator('.monaco-button', { hasText: button }).first().click();
    return shown;
  }

  /** The visible rows (label and description) of a side-bar view, by its title (e.g. "Metaflow Secrets"). */
  async viewRows(title: string): Promise<string[]> {
    return this.page.locator('.split-view-view').evaluateAll((views: any[], t: string) => {
      const view = views.find((v) => (v.querySelector('.pane-header')?.textContent ?? '').toLowerCase().includes(t.toLowerCase()));
      if (!view) return [];
      return [...view.querySelectorAll('.monaco-list-row')].map((r: any) => (r.textContent ?? '').replace(/\s+/g, ' ').trim());
    }, title);
  }

  /** The titles of the side bar's view panes, for messages. */
  async paneTitles(): Promise<string[]> {
    return this.page.locator('.pane-header').evaluateAll((hs: any[]) => hs.map((h) => (h.textContent ?? '').trim()));
  }

  // ---------- editor ----------

  /**
   * Moves the cursor of the active editor to line:column through Quick Open's ":line:col"
   * (Ctrl+P works even when a terminal has focus, Ctrl+G would go to the shell).
   */
  async goTo(line: number, column = 1): Promise<void> {
    const input = await this.openQuickInput('Control+P', 'Go to Line');
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.waitFor(`the cursor at Ln ${line}, Col ${column}`, async () => (await this.cursorPosition())?.line === line || undefined, 5000);
  }

  /** Cursor position of the active editor, read from the status bar ("Ln 7, Col 12"). */
  async cursorPosition(): Promise<{ line: number; column: number } | undefined> {
    const item = (await this.statusBarItems()).find((s) => s.id === 'status.editor.selection');
    const m = item?.text.match(/Ln (\d+), Col (\d+)/);
    return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
  }

  /** Types text at the cursor of the active editor. */
  async type(text: string): Promise<void> {
    await this.ensureEditorFocus();
    await this.page.keyboard.type(text);
  }

  /** Saves the active editor (Ctrl+S). */
  async save(): Promise<void> {
    await this.ensureEditorFocus();
    await this.page.keyboard.press('Control+S');
  }

  /** Text of the visible lines of the active editor (what is rendered, not the whole file). */
  async visibleEditorText(): Promise<string> {
    return this.page
      .locator('.editor-group-container.active .monaco-editor .view-lines')
      .first()
      .evaluate((el: any) =>
        [...el.querySelectorAll('.view-line')]
          .map((l: any) => ({ top: parseFloat(l.style.top) || 0, text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
          .sort((a, b) => a.top - b.top)
          .map((l) => l.text)
          .join('\n'),
      );
  }

  /** Labels (aria-label or title) of the actions in the active editor's title bar. */
  async editorTitleActions(): Promise<string[]> {
    return this.page
      .locator('.editor-group-container.active .editor-actions .action-label, .editor-group-container.active .editor-actions .action-item > a')
      .evaluateAll(
        (els: any[]) =>
          [...new Set(els.map((e) => (e.getAttribute('aria-label') || e.getAttribute('title') || '').trim()).filter((t: string) => t !== ''))] as string[],
      );
  }

  // ---------- completion and code actions ----------

  /**
   * Asks for suggestions (Ctrl+Space) at line:column and returns the labels of the suggest
   * widget's rows once some are shown (the widget is closed again).
   */
  async completionsAt(line: number, column: number, timeoutMs = 15_000): Promise<string[]> {
    await this.escape(1);
    await this.goTo(line, column);
    await this.ensureEditorFocus();
    const rows = this.page.locator('.editor-group-container.active .suggest-widget.visible .monaco-list-row');
    let lastAsk = 0;
    try {
      return await this.waitFor(
        `suggestions at Ln ${line}, Col ${column}`,
        async () => {
          // Asked again every few seconds: the first request can race the server's analysis.
          if (Date.now() - lastAsk > 4000) {
            await this.page.keyboard.press('Control+Space');
            lastAsk = Date.now();
          }
          const labels = await rows.evaluateAll((els: any[]) =>
            els.map((r) => (r.querySelector('.label-name')?.textContent ?? '').trim()).filter((t: string) => t !== ''),
          );
          return labels.length > 0 ? labels : undefined;
        },
        timeoutMs,
      );
    } finally {
      await this.escape(1);
    }
  }

  // ---------- hover ----------

  private async showHoverAtCursor(what: string, timeoutMs: number): Promise<string> {
    await this.ensureEditorFocus();
    await this.page.keyboard.press('Control+K');
    await this.page.keyboard.press('Control+I');
    return this.waitFor(
      what,
      async () => {
        const hovers = this.page.locator(HOVER);
        if ((await hovers.count()) === 0) return undefined;
        const text = (await hovers.first().innerText()).trim();
        return text && !/^Loading\.\.\.$/.test(text) ? text : undefined;
      },
      timeoutMs,
    );
  }

  /** Hover text at line:column (1-based) in the active editor (Go to Line, then Show Hover). */
  async hoverAt(line: number, column: number, timeoutMs = 15_000): Promise<string> {
    await this.escape(1);
    await this.goTo(line, column);
    return this.showHoverAtCursor(`a hover at Ln ${line}, Col ${column}`, timeoutMs);
  }

  /**
   * Hover text over the first occurrence of `text` in the active editor, with the cursor placed in
   * the middle of that occurrence. Uses the Find widget, so the match is case-insensitive.
   */
  async hoverOnText(text: string, timeoutMs = 15_000): Promise<string> {
    const pos = await this.findText(text);
    await this.goTo(pos.line, pos.column + Math.floor(text.length / 2));
    return this.showHoverAtCursor(`a hover on "${text}"`, timeoutMs);
  }

  /** 1-based position of the first occurrence of `text` in the active editor. */
  async findText(text: string): Promise<{ line: number; column: number }> {
    await this.escape(1);
    await this.ensureEditorFocus();
    await this.page.keyboard.press('Control+Home');
    await this.page.keyboard.press('Control+F');
    const input = await this.visible('.editor-widget.find-widget.visible textarea, .editor-widget.find-widget.visible input', 'the Find widget', 5000);
    await input.fill(text);
    const counter = this.page.locator('.find-widget.visible .matchesCount').first();
    // The counter reads "No results", "? of N" or "k of N"; step to match 1 (the first from the top).
    await this.waitFor(
      `"${text}" in the active editor`,
      async () => {
        const count = (await counter.innerText()).trim();
        if (/no results/i.test(count)) return false; // may be a stale count; keep polling until the bound
        const m = count.match(/^(\S+) of (\d+)/);
        if (!m) return undefined;
        if (m[1] === '1') return true;
        await this.page.keyboard.press('Enter');
        return undefined;
      },
      5000,
    ).catch(async () => {
      await this.escape(1);
      throw new Error(`text "${text}" not found in the active editor`);
    });
    // Escape closes Find and keeps the match selected; the status bar then reads
    // "Ln L, Col C (N selected)" with C just after the match.
    await this.page.keyboard.press('Escape');
    const end = await this.waitFor(
      'the selected match in the status bar',
      async () => {
        const item = (await this.statusBarItems()).find((x) => x.id === 'status.editor.selection');
        const m = item?.text.match(/Ln (\d+), Col (\d+) \((\d+) selected\)/);
        return m && Number(m[3]) === text.length ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
      },
      5000,
    );
    return { line: end.line, column: end.column - text.length };
  }

  // ---------- CodeLens ----------

  /** Titles of the CodeLenses rendered in the active editor's visible range. */
  async codeLensTitles(): Promise<string[]> {
    return this.page
      .locator('.editor-group-container.active .monaco-editor .codelens-decoration')
      .evaluateAll((els: any[]) =>
        els.flatMap((el) =>
          [...el.querySelectorAll('a, span:not(.codelens-decoration)')]
            .map((a: any) => (a.textContent ?? '').replace(/\u00a0/g, ' ').trim())
            .filter((t: string) => t !== '' && t !== '|'),
        ),
      );
  }

  /**
   * Waits until a CodeLens titled `title` (string: exact, RegExp: match) is rendered; returns all
   * titles. VS Code sometimes does not ask providers for lenses while focus is in a panel, so the
   * active editor is focused first and again every few seconds.
   */
  async waitForCodeLens(title: string | RegExp, timeoutMs = 30_000): Promise<string[]> {
    const match = (t: string) => (typeof title === 'string' ? t === title : title.test(t));
    let seen: string[] = [];
    let lastFocus = 0;
    try {
      return await this.waitFor(
        `a CodeLens ${String(title)}`,
        async () => {
          if (Date.now() - lastFocus > 5000) {
            await this.focusEditor();
            lastFocus = Date.now();
          }
          seen = await this.codeLensTitles();
          return seen.some(match) ? seen : undefined;
        },
        timeoutMs,
      );
    } catch {
      throw new Error(`no CodeLens ${String(title)} within ${timeoutMs} ms; rendered: ${JSON.stringify(seen)}`);
    }
  }

  /** Waits for a CodeLens titled `title` and clicks it. */
  async clickCodeLens(title: string, timeoutMs = 30_000): Promise<void> {
    await this.waitForCodeLens(title, timeoutMs);
    await this.page.locator('.editor-group-container.active .monaco-editor .codelens-decoration a', { hasText: title }).first().click();
  }

  // ---------- panels, notifications, status bar ----------

  /**
   * Opens the Problems panel and returns one string per row as VS Code's accessibility label
   * gives it, e.g. "Warning: hello from e2e at line 1 column 1 in hello_flow.py" (file rows too).
   * The list is virtualised, so it is scrolled through to collect every row.
   */
  async readProblems(): Promise<string[]> {
    if (!(await this.page.locator('.markers-panel').first().isVisible())) {
      await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await this.visible('.markers-panel', 'the Problems panel', 10_000);
    }
    // The list is virtualised: only rows in view exist. Scroll through it and collect rows by index.
    const list = this.page.locator('.markers-panel .monaco-list').first();
    const rendered = async () =>
      list.locator('.monaco-list-row').evaluateAll((rows: any[]) =>
        rows.map((r) => ({
          index: Number(r.getAttribute('data-index')),
          text: (r.getAttribute('aria-label') || (r.innerText ?? '')).replace(/\s+/g, ' ').trim(),
        })),
      );
    const byIndex = new Map<number, string>();
    const add = (rows: Array<{ index: number; text: string }>) => {
      let added = 0;
      for (const r of rows) {
        if (!byIndex.has(r.index)) added++;
        byIndex.set(r.index, r.text);
      }
      return added;
    };
    const first = await rendered();
    add(first);
    const box = first.length > 0 ? await list.boundingBox() : null;
    if (box && box.height > 0) {
      await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 200; i++) {
        await this.page.mouse.wheel(0, box.height * 0.8);
        await sleep(60);
        if (add(await rendered()) === 0) break;
      }
      await this.page.mouse.wheel(0, -1e6);
    }
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, text]) => text);
  }

  /** Waits until some Problems row contains `text`; returns all rows. */
  async waitForProblem(text: string | RegExp, timeoutMs = 30_000): Promise<string[]> {
    const match = (row: string) => (typeof text === 'string' ? row.includes(text) : text.test(row));
    let rows: string[] = [];
    try {
      return await this.waitFor(
        `a problem matching ${String(text)}`,
        async () => {
          rows = await this.readProblems();
          return rows.some(match) ? rows : undefined;
        },
        timeoutMs,
      );
    } catch {
      throw new Error(`no problem matching ${String(text)} within ${timeoutMs} ms; Problems rows: ${JSON.stringify(rows)}`);
    }
  }

  /**
   * Text of the Debug Console (all rendered rows, joined). Opens the view if it is hidden.
   * A session's output appears here when its launch config uses the internal console.
   */
  async debugConsoleText(): Promise<string> {
    if (!(await this.page.locator('.repl').first().isVisible())) {
      await this.runCommand('Debug Console: Focus on Debug Console View');
      await this.visible('.repl', 'the Debug Console', 10_000);
    }
    const rows = await this.page.locator('.repl .monaco-list-row').evaluateAll((els: any[]) => els.map((e) => (e.innerText ?? '') as string));
    return rows.join('\n');
  }

  /** Waits until the Debug Console contains `text`; returns its text. */
  async waitForDebugConsole(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const match = (t: string) => (typeof text === 'string' ? t.includes(text) : text.test(t));
    let seen = '';
    try {
      return await this.waitFor(
        `Debug Console text matching ${String(text)}`,
        async () => {
          seen = await this.debugConsoleText();
          return match(seen) ? seen : undefined;
        },
        timeoutMs,
      );
    } catch {
      throw new Error(`Debug Console never matched ${String(text)} within ${timeoutMs} ms; it shows: ${JSON.stringify(seen)}`);
    }
  }

  /** True while a debug session runs (the debug toolbar is shown). */
  async isDebugging(): Promise<boolean> {
    return this.page.locator('.debug-toolbar').first().isVisible();
  }

  /**
   * Rendered text of the visible terminal (the harness turns GPU rendering off so xterm draws
   * DOM rows). Only the visible viewport is returned.
   */
  async terminalText(): Promise<string> {
    // The active terminal's rows; a lone terminal may not mark its wrapper active.
    const active = this.page.locator('.terminal-wrapper.active .xterm-rows');
    const rows = (await active.count()) > 0 ? active.first() : this.page.locator('.xterm-rows').first();
    return rows
      .innerText({ timeout: 5000 })
      .then((t) => t.replace(/\u00a0/g, ' '))
      .catch(() => '');
  }

  /**
   * Shows the terminal at `index` in the panel's list of terminals (shown when there are several)
   * by clicking its tab; returns the viewport text it then shows.
   */
  async showTerminal(index: number): Promise<string> {
    const tabs = this.page.locator('.terminal-tabs-entry');
    await this.waitFor(`terminal tab ${index}`, async () => (await tabs.count()) > index || undefined, 10_000);
    await tabs.nth(index).click();
    return this.terminalText();
  }

  /**
   * Every text any terminal row has shown since the page loaded, one entry per row change
   * (partial writes included), joined by newlines. Unlike terminalText() it keeps output that
   * scrolled away or whose terminal has closed, so it suits "was this ever shown" checks.
   */
  async terminalTranscript(): Promise<string> {
    const log: string[] = await this.page.evaluate(() => (globalThis as any).__e2eTerminalLog ?? []);
    return log.join('\n');
  }

  /** Waits until some terminal has shown `text` (see terminalTranscript); returns the transcript. */
  async waitForTerminalText(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const match = (t: string) => (typeof text === 'string' ? t.includes(text) : text.test(t));
    let seen = '';
    try {
      return await this.waitFor(
        `terminal text matching ${String(text)}`,
        async () => {
          seen = await this.terminalTranscript();
          return match(seen) ? seen : undefined;
        },
        timeoutMs,
      );
    } catch {
      throw new Error(`no terminal showed ${String(text)} within ${timeoutMs} ms; transcript tail: ${JSON.stringify(seen.slice(-1000))}`);
    }
  }

  /**
   * Contents of an extension's output channel `name` as VS Code persisted it on disk
   * (under <user-data-dir>/logs: exthostN/output_logging_TIME/<n>-<name>.log, or
   * exthostN/<extension id>/<name>.log for log output channels). '' when none exists yet.
   */
  outputChannelLog(name: string): string {
    const logs = path.join(this.server.dirs.userDataDir, 'logs');
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (entry.name === `${name}.log` || (/^\d+-/.test(entry.name) && entry.name.endsWith(`-${name}.log`))) {
          found.push(p);
        }
      }
    };
    walk(logs);
    return found.map((f) => fs.readFileSync(f, 'utf8')).join('');
  }

  /** Texts of the notification toasts currently shown (message and source). */
  async notifications(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-toast')
      .evaluateAll((els: any[]) => els.map((e) => (e.innerText ?? '').replace(/\s+/g, ' ').trim()));
  }

  /** Waits for a notification toast containing `text`; returns its text. */
  async waitForNotification(text: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const match = (t: string) => (typeof text === 'string' ? t.includes(text) : text.test(t));
    let seen: string[] = [];
    try {
      return await this.waitFor(
        `a notification matching ${String(text)}`,
        async () => {
          seen = await this.notifications();
          return seen.find(match);
        },
        timeoutMs,
      );
    } catch {
      throw new Error(`no notification matching ${String(text)} within ${timeoutMs} ms; shown: ${JSON.stringify(seen)}`);
    }
  }

  /** Status bar entries: id (e.g. "status.problems"), visible text, accessibility label. */
  async statusBarItems(): Promise<Array<{ id: string; text: string; ariaLabel: string }>> {
    return this.page.locator('.part.statusbar .statusbar-item').evaluateAll((els: any[]) =>
      els.map((e) => ({
        id: e.id ?? '',
        text: (e.textContent ?? '').replace(/\s+/g, ' ').trim(),
        ariaLabel: e.getAttribute('aria-label') ?? '',
      })),
    );
  }

  /** The tooltip of the status bar entry whose id ends with `idSuffix` (hovered to show it). */
  async statusBarTooltip(idSuffix: string, timeoutMs = 10_000): Promise<string> {
    const item = this.page.locator(`.part.statusbar .statusbar-item[id$="${idSuffix}"]`).first();
    await item.hover();
    try {
      return await this.waitFor(
        `the tooltip of status bar entry ${idSuffix}`,
        async () => {
          const text = (
            await this.page
              .locator('.workbench-hover')
              .first()
              .innerText()
              .catch(() => '')
          ).trim();
          return text || undefined;
        },
        timeoutMs,
      );
    } finally {
      await this.page.mouse.move(0, 0);
    }
  }

  /** True when the window shows Restricted Mode (untrusted workspace) in its status bar. */
  async isRestrictedMode(): Promise<boolean> {
    return (await this.statusBarItems()).some((s) => /Restricted Mode/i.test(s.text) || /Restricted Mode/i.test(s.ariaLabel));
  }

  // ---------- artifacts and lifecycle ----------

  /** Full-page screenshot into test-results/<name>.png; returns the path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(resultsDir(), `${safeName(name)}.png`);
    await this.page.screenshot({ path: file, timeout: 10_000 });
    return file;
  }

  /**
   * Copies the server log, browser console log and the extension-host logs (output channels
   * included) into test-results/<name>/ for a failed test.
   */
  saveLogs(name: string): string {
    const dir = path.join(resultsDir(), safeName(name));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'browser-console.log'), this.browserLog.join('\n'));
    try {
      fs.copyFileSync(this.server.dirs.serverLog, path.join(dir, 'code-server.log'));
    } catch {
      // no server log
    }
    const logs = path.join(this.server.dirs.userDataDir, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dir, 'vscode-logs'), { recursive: true });
    return dir;
  }

  private stopped = false;

  /** Closes the browser and kills the server's whole process tree. Safe to call twice. */
  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.race([this.context.close().catch(() => undefined), sleep(10_000)]);
    await this.server.stop(opts);
    releaseTempDir(this.browserProfile, opts.keepFiles);
  }

  // ---------- code actions and input boxes ----------

  /**
   * Opens the Quick Fix menu (Ctrl+.) at line:column of the active editor and clicks the action
   * whose title matches; the error lists the actions offered.
   */
  async applyCodeAction(line: number, column: number, title: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const match = (t: string) => (typeof title === 'string' ? t.includes(title) : title.test(t));
    const rows = '.action-widget .monaco-list-row';
    let seen: string[] = [];
    let lastAsk = 0;
    await this.escape(1);
    await this.goTo(line, column);
    const index = await this.waitFor(
      `a code action ${String(title)}`,
      async () => {
        // Code actions are computed after the diagnostics arrive: ask again every few seconds.
        if (Date.now() - lastAsk > 4000) {
          await this.ensureEditorFocus();
          await this.page.keyboard.press('Escape');
          await this.page.keyboard.press('Control+.');
          lastAsk = Date.now();
        }
        seen = await this.page.locator(rows).evaluateAll((els: any[]) => els.map((e) => (e.innerText ?? '').replace(/\s+/g, ' ').trim()));
        const i = seen.findIndex(match);
        return i >= 0 ? i : undefined;
      },
      timeoutMs,
    ).catch(() => {
      throw new Error(`no code action ${String(title)} at Ln ${line}, Col ${column} within ${timeoutMs} ms; offered: ${JSON.stringify(seen)}`);
    });
    await this.page.locator(rows).nth(index).click();
  }

  /** The input box an extension opened (showInputBox): its title, prompt, current value and whether it masks input. */
  async inputBox(timeoutMs = 20_000): Promise<{ title: string; prompt: string; value: string; password: boolean }> {
    await this.visible(QUICK_INPUT_BOX, 'an input box', timeoutMs);
    const widget = this.page.locator(QUICK_INPUT).first();
    const input = this.page.locator(QUICK_INPUT_BOX).first();
    return {
      title: (
        (await widget
          .locator('.quick-input-title')
          .first()
          .innerText()
          .catch(() => '')) ?? ''
      ).trim(),
      prompt: (
        (await widget
          .locator('.quick-input-message')
          .first()
          .innerText()
          .catch(() => '')) ?? ''
      ).trim(),
      value: await input.inputValue(),
      password: (await input.getAttribute('type')) === 'password',
    };
  }

  /**
   * Waits for an input box whose title matches, replaces its value with `text` and presses Enter;
   * returns what the box showed before (see inputBox).
   */
  async answerInputBox(title: string | RegExp, text: string, timeoutMs = 20_000): Promise<{ title: string; prompt: string; value: string; password: boolean }> {
    const match = (t: string) => (typeof title === 'string' ? t.includes(title) : title.test(t));
    let last = '';
    const shown = await this.waitFor(
      `an input box titled ${String(title)}`,
      async () => {
        if (!(await this.page.locator(QUICK_INPUT_BOX).first().isVisible())) return undefined;
        const box = await this.inputBox(1000);
        last = box.title;
        return match(box.title) ? box : undefined;
      },
      timeoutMs,
    ).catch(() => {
      throw new Error(`no input box titled ${String(title)} within ${timeoutMs} ms; last title: ${JSON.stringify(last)}`);
    });
    await this.page.locator(QUICK_INPUT_BOX).first().fill(text);
    await this.page.keyboard.press('Enter');
    return shown;
  }
}

/**
 * Starts an editor, runs `body`, and always stops everything. On failure keeps
 * test-results/<name>-failure.png and test-results/<name>/ logs, then rethrows.
 */
export async function withEditor<T>(name: string, opts: EditorOptions, body: (editor: Editor) => Promise<T>): Promise<T> {
  // Artifacts of an earlier failed run would otherwise pass for this run's.
  fs.rmSync(path.join(resultsDir(), `${safeName(name)}-failure.png`), { force: true });
  fs.rmSync(path.join(resultsDir(), safeName(name)), { recursive: true, force: true });
  const editor = await Editor.start(opts);
  try {
    return await body(editor);
  } catch (e) {
    await editor.screenshot(`${name}-failure`).catch(() => undefined);
    try {
      editor.saveLogs(name);
    } catch {
      // best effort
    }
    throw e;
  } finally {
    await editor.stop();
  }
}

/** A fresh temp copy of a fixture folder, so tests never write into the repository. */
export function copyFixture(folder: string): string {
  const dest = makeTempDir('e2e-workspace-'); // removed at exit at the latest
  fs.cpSync(folder, dest, { recursive: true });
  return dest;
}
