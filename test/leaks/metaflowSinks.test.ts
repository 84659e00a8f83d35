import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { expected } from './corpusScore';
import { analyseOffline } from './realCorpusScore';
import { HEADER, RealCase } from './realCorpusTypes';
import { PYTHON, runReal } from './realRun';

// Pins, with real Metaflow runs, the facts the new sinks rest on that the labelled corpora do not
// already show by themselves: where a foreach's split values are stored, that a raise inside a
// handler prints the handled exception, that exit(msg) reaches the task's log. The offline
// analysis of the same file must agree line by line.

const f = (name: string, body: string): string => `${HEADER}\nimport sys\n\n${body.replace(/CLS/g, name)}\n\nif __name__ == "__main__":\n    ${name}()\n`;

const FOREACH: RealCase = {
  id: 'pin-foreach-values',
  pattern: 'a token split by foreach',
  secrets: { api: ['API_TOKENS'] },
  src: f(
    'PinForeachFlow',
    `
class CLS(FlowSpec):
    @secrets(sources=["api"])
    @step
    def start(self):
        self.tokens = os.environ["API_TOKENS"].split(",")  # LEAK MFS055
        self.next(self.each, foreach="tokens")  # LEAK MFS055

    @step
    def each(self):
        self.n = 1
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass`,
  ),
};

const CHAINED: RealCase = {
  id: 'pin-chained',
  pattern: 'a raise in a handler whose exception carries the token',
  secrets: { api: ['SERVICE_TOKEN'] },
  src: f(
    'PinChainedFlow',
    `
TENANTS = {"demo": "t-1"}


class CLS(FlowSpec):
    @secrets(sources=["api"])
    @step
    def start(self):
        try:
            self.tenant = TENANTS[os.environ["SERVICE_TOKEN"]]
        except KeyError:
            raise RuntimeError("unknown tenant")  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
  ),
};

const EXIT: RealCase = {
  id: 'pin-exit',
  pattern: 'exit(msg) with the token',
  secrets: { api: ['SERVICE_TOKEN'] },
  src: f(
    'PinExitFlow',
    `
class CLS(FlowSpec):
    @secrets(sources=["api"])
    @step
    def start(self):
        exit("bad token " + os.environ["SERVICE_TOKEN"])  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
  ),
};

const skip = !fs.existsSync(PYTHON) && 'no .venv';

test("foreach: Metaflow records each split value in the foreach task's metadata (foreach-stack), beside the artifacts", { skip }, async () => {
  const r = await runReal(FOREACH);
  assert.equal(r.exitCode, 0);
  assert.ok(
    r.where.some((w) => /\/each\/\d+\/_meta\/sysmeta_foreach-stack_/.test(w)),
    r.where.join(', '),
  );
  assert.deepEqual((await analyseOffline(FOREACH)).map((x) => `${x.range.start.line}:${x.code}`).sort(), [...expected(FOREACH.src)].sort());
});

test("a raise inside a handler prints the handled exception too: its text reaches the task's stderr log", { skip }, async () => {
  const r = await runReal(CHAINED);
  assert.notEqual(r.exitCode, 0);
  assert.ok(
    r.where.some((w) => /\/start\/\d+\/\d+\.runtime_stderr\.log$/.test(w) || /stderr/.test(w)),
    r.where.join(', '),
  );
  assert.deepEqual((await analyseOffline(CHAINED)).map((x) => `${x.range.start.line}:${x.code}`).sort(), [...expected(CHAINED.src)].sort());
});

test("exit(msg) in a step writes msg to the task's stderr log", { skip }, async () => {
  const r = await runReal(EXIT);
  assert.notEqual(r.exitCode, 0);
  assert.ok(
    r.where.some((w) => /stderr/.test(w)),
    r.where.join(', '),
  );
  assert.deepEqual((await analyseOffline(EXIT)).map((x) => `${x.range.start.line}:${x.code}`).sort(), [...expected(EXIT.src)].sort());
});
