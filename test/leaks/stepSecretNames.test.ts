import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PythonParser } from '../../server/src/core/parser';
import { analyzeDocument } from '../../server/src/core/analyzer';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { findLeaks, secretNamesFromAnalysis } from '../../server/src/core/leaks';

// The wiring the language server uses: names from the static @secrets analysis feed the leak analysis.
const SRC = `import os
from metaflow import FlowSpec, step, secrets

class Wired(FlowSpec):
    @secrets(sources=[{"type": "inline", "id": "a", "options": {"env_vars": {"TOKEN": "x"}}}])
    @step
    def start(self):
        print(os.environ["TOKEN"])
        print(os.environ["OTHER"])
        self.next(self.middle)

    @secrets(sources=["aws-secrets-manager.prod-creds"])
    @step
    def middle(self):
        print(os.environ["PASSWORD"])
        self.next(self.end)

    @step
    def end(self):
        print(os.environ["TOKEN"])

if __name__ == "__main__":
    Wired()
`;

test('secretNamesFromAnalysis gives literal names as complete and backend-only names as incomplete', async () => {
  const parser = await PythonParser.create();
  const tree = parser.parse(SRC);
  try {
    const { analysis } = analyzeDocument(parser, SRC, tree, { config: fixedConfig({}) });
    const namesOf = secretNamesFromAnalysis(analysis.secrets);
    const [start, middle, end] = analysis.model.flows[0].steps;
    assert.deepEqual([...(namesOf(start)?.names ?? [])], ['TOKEN']);
    assert.equal(namesOf(start)?.complete, true);
    assert.equal(namesOf(middle)?.complete, false, 'an AWS JSON secret has names only its backend knows');
    assert.equal(namesOf(end), undefined);
    assert.deepEqual(namesOf(middle)?.unknownSources, ['prod-creds']);
    const lines = (conservative: boolean) =>
      findLeaks({ tree, model: analysis.model, secretNamesForStep: namesOf, conservative }).map(
        (f) => `${f.code} ${SRC.split('\n')[f.range.start.line].trim()}`,
      );
    const inline = 'MFS058 @secrets(sources=[{"type": "inline", "id": "a", "options": {"env_vars": {"TOKEN": "x"}}}])';
    // By default a read in a step whose keys are unknown is an assumed secret (MFS055); the end
    // step has no @secrets, and TOKEN there only looks like a credential (MFS056).
    assert.deepEqual(lines(false), [inline, 'MFS050 print(os.environ["TOKEN"])', 'MFS055 print(os.environ["PASSWORD"])', 'MFS056 print(os.environ["TOKEN"])']);
    assert.deepEqual(lines(true), [inline, 'MFS050 print(os.environ["TOKEN"])', 'MFS050 print(os.environ["PASSWORD"])', 'MFS056 print(os.environ["TOKEN"])']);
  } finally {
    tree.delete();
  }
});
