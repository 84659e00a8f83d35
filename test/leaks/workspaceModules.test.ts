import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PythonParser } from '../../server/src/core/parser';
import { buildModel, StepModel } from '../../server/src/core/flowModel';
import { findLeaks, WorkspaceModules } from '../../server/src/core/leaks';

const HELPERS = `import os
import logging

def show(value):
    print("value:", value)

def token():
    return os.environ["API_KEY"]

def length(value):
    return len(value)
`;

const FLOW = `import os
from metaflow import FlowSpec, step, secrets
from helpers import show, token, length
from .helpers import show as rel_show
import helpers

class Uses(FlowSpec):
    @secrets(sources=["x"])
    @step
    def start(self):
        key = os.environ["API_KEY"]
        show(key)
        print(token())
        helpers.show(key)
        rel_show(key)
        print(length(key))
        self.next(self.end)

    @step
    def end(self):
        pass
`;

const names = (s: StepModel) => (s.decorators.some((d) => d.kind === 'secrets') ? { names: new Set(['API_KEY']), complete: true } : undefined);
const line = (needle: string) => FLOW.split('\n').findIndex((l) => l.includes(needle));

test('helpers imported from workspace modules are followed; their sinks are reported at the call, with the path into the other file', async () => {
  const parser = await PythonParser.create();
  const flowTree = parser.parse(FLOW);
  const helperTree = parser.parse(HELPERS);
  const asked: string[] = [];
  const workspace: WorkspaceModules = {
    module: (name) => {
      asked.push(name);
      return name === 'helpers' || name === '.helpers' ? { uri: 'file:///ws/helpers.py', tree: helperTree, model: buildModel(helperTree) } : undefined;
    },
  };
  try {
    const model = buildModel(flowTree);
    const without = findLeaks({ tree: flowTree, model, secretNamesForStep: names, conservative: false });
    assert.deepEqual(without, [], 'without the workspace the helpers are opaque consumers');

    const got = findLeaks({ tree: flowTree, model, secretNamesForStep: names, conservative: false, workspace });
    assert.deepEqual(
      got.map((f) => `${f.range.start.line}:${f.code}`),
      [`${line('        show(key)')}:MFS050`, `${line('print(token())')}:MFS050`, `${line('helpers.show(key)')}:MFS050`, `${line('rel_show(key)')}:MFS050`],
    );
    const [viaShow, viaToken] = got;
    assert.match(viaShow.message, /`API_KEY` \(via `key`\) reaches print\(\) in `show\(\)`/);
    assert.equal(viaShow.range.start.character, FLOW.split('\n')[line('        show(key)')].indexOf('key'), 'reported on the argument');
    assert.ok(
      viaShow.related?.some((r) => r.uri === 'file:///ws/helpers.py' && /enters `show\(\)` as `value`/.test(r.message)),
      JSON.stringify(viaShow.related),
    );
    assert.ok(
      viaShow.fixes?.some((f) => f.title.startsWith('Mask')),
      'masking what is passed is offered',
    );
    assert.ok(!viaShow.fixes?.some((f) => f.title.startsWith('Remove')), 'the print is not in this file: no removal');
    const src = viaToken.related?.[0];
    assert.equal(src?.uri, 'file:///ws/helpers.py');
    assert.equal(
      src?.range.start.line,
      HELPERS.split('\n').findIndex((l) => l.includes('os.environ["API_KEY"]')),
    );
    assert.ok(asked.includes('helpers') && asked.includes('.helpers'));
  } finally {
    flowTree.delete();
    helperTree.delete();
  }
});
