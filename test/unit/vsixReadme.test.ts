import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { after, before, test } from 'node:test';

// The README a user sees in VS Code is the packaged one (README.vsix.md, shipped as the VSIX's
// README.md): every link in it must lead to a file the VSIX ships (.vscodeignore decides) or to an
// anchor in it, since nothing else exists where the extension is installed.

const repo = path.resolve(__dirname, '..', '..', '..');
let scratch: string;
let entries: Map<string, Buffer>;

/** The files of a zip archive by name (stored or deflated), read from its central directory. */
function readZip(file: string): Map<string, Buffer> {
  const zip = fs.readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, `${file} is not a zip archive`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + skip;
  }
  return out;
}

/** Markdown links and images, and HTML href/src, with the line they are on. */
function linkTargets(markdown: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  markdown.split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: i + 1 });
    for (const m of text.matchAll(/\b(?:href|src)\s*=\s*"([^"]+)"/g)) out.push({ target: m[1], line: i + 1 });
    for (const m of text.matchAll(/<(https?:\/\/[^>]+)>/g)) out.push({ target: m[1], line: i + 1 });
  });
  return out;
}

before(() => {
  for (const f of ['dist/client.js', 'dist/server.js']) assert.ok(fs.existsSync(path.join(repo, f)), `${f} is missing: node scripts/build.mjs`);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mfs-vsix-readme-'));
  const vsix = path.join(scratch, 'metaflow-secrets.vsix');
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'package.mjs'), '--out', vsix], { cwd: repo, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `packaging failed:\n${r.stdout}\n${r.stderr}`);
  entries = readZip(vsix);
});

after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test("the VSIX's README is the user README, not the repository's", () => {
  const readme = [...entries.keys()].find((n) => /^extension\/readme\.md$/i.test(n));
  assert.ok(readme, `no README in ${JSON.stringify([...entries.keys()])}`);
  assert.equal(entries.get(readme)!.toString('utf8'), fs.readFileSync(path.join(repo, 'README.vsix.md'), 'utf8'));
  assert.ok(![...entries.keys()].some((n) => /README\.vsix\.md$/i.test(n)), 'README.vsix.md is shipped under its own name too');
});

/** Links that lead nowhere in an installed extension: not an anchor of the text, not a shipped file. */
function brokenLinks(text: string, shipped: ReadonlyMap<string, unknown>): string[] {
  const anchors = new Set([...text.matchAll(/<a id="([^"]+)"/g)].map((m) => m[1]));
  const broken: string[] = [];
  for (const { target, line } of linkTargets(text)) {
    if (target.startsWith('#')) {
      if (!anchors.has(target.slice(1))) broken.push(`line ${line}: ${target} (no such anchor)`);
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      // An installed extension is read offline: no web pages, no repository links.
      broken.push(`line ${line}: ${target} (not a file in the VSIX)`);
    } else {
      const file = path.posix.normalize(path.posix.join('extension', decodeURIComponent(target.split('#')[0])));
      if (!shipped.has(file)) broken.push(`line ${line}: ${target} (the VSIX does not ship ${file})`);
    }
  }
  return broken;
}

test('the link check finds links to files that do not ship, web links and missing anchors', () => {
  const text = '![s](images/screenshot.png) [cli](server/src/cli/README.md)\n[repo](https://github.com/x/y) [r](#mfs050) [n](#nope) <a id="mfs050"></a>';
  assert.deepEqual(brokenLinks(text, new Map([['extension/images/screenshot.png', 1]])), [
    'line 1: server/src/cli/README.md (the VSIX does not ship extension/server/src/cli/README.md)',
    'line 2: https://github.com/x/y (not a file in the VSIX)',
    'line 2: #nope (no such anchor)',
  ]);
});

test('every link of the packaged README leads to a file the VSIX ships or to an anchor in it', () => {
  const name = [...entries.keys()].find((n) => /^extension\/readme\.md$/i.test(n))!;
  const text = entries.get(name)!.toString('utf8');
  assert.ok(linkTargets(text).length > 0, 'no links found: the link parser is broken');
  assert.deepEqual(brokenLinks(text, entries), []);
});
