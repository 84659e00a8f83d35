import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PythonParser } from '../../server/src/core/parser';
import { DocumentState } from '../../server/src/lsp/documentStore';

const at = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });

test('the first line changed since a version: earlier lines mean the same in that version', () => {
  const d = new DocumentState('file:///a.py', 'a\nb\nc\nd\n', 1);
  assert.equal(d.firstChangedLineSince(1), Infinity);
  d.applyChanges([{ range: at(2, 0), text: 'x' }], 2);
  d.applyChanges([{ range: at(3, 0), text: '\n' }], 3);
  assert.equal(d.firstChangedLineSince(1), 2);
  assert.equal(d.firstChangedLineSince(2), 3);
  assert.equal(d.firstChangedLineSince(3), Infinity);
  assert.equal(d.text, 'a\nb\nxc\n\nd\n');
});

test('a whole-text replacement changes everything; versions older than what is remembered count as changed', () => {
  const d = new DocumentState('file:///a.py', 'a\nb\n', 1);
  d.applyChanges([{ text: 'new\nline\n' }], 2);
  assert.equal(d.firstChangedLineSince(1), 0);
  for (let v = 3; v <= 600; v++) d.applyChanges([{ range: at(1, 0), text: 'x' }], v);
  assert.equal(d.firstChangedLineSince(599), 1);
  assert.equal(d.firstChangedLineSince(2), 0, 'forgotten: assumed changed from the top');
});

test('binary content pasted into a document is noticed; plain typing does not re-run the whole-text test', async () => {
  const parser = await PythonParser.create();
  const d = new DocumentState('file:///a.py', 'x = 1\n', 1);
  assert.ok(d.parse(parser));
  assert.equal(d.limit, undefined);
  d.applyChanges([{ range: at(1, 0), text: 'y = 2\n' }], 2);
  assert.ok(d.parse(parser));
  d.applyChanges([{ range: at(2, 0), text: '\u0001\u0002\u0003'.repeat(50) }], 3);
  assert.equal(d.parse(parser), undefined);
  assert.match(d.limit ?? '', /binary content/);
  // Deleting it again: analysed again.
  d.applyChanges([{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 150 } }, text: '' }], 4);
  assert.ok(d.parse(parser));
  assert.equal(d.limit, undefined);
  d.dispose();
});
