// Hostile and broken Python files, generated so the suite carries no large fixtures. Each is a
// flow whose other step still has a plain @secrets error (MFS005, no default backend type), so a
// test can tell "the rest of the file was analysed" from "the file was dropped".

const HEADER = `import os
from metaflow import FlowSpec, step, secrets

class HostileFlow(FlowSpec):
    @secrets(sources=["no-type-here"])
    @step
    def start(self):
        token = os.environ["TOKEN"]
        self.next(self.end)

    @secrets(sources=["aws-secrets-manager.db"])
    @step
    def end(self):
        token = os.environ["TOKEN"]
`;

/** The line of the MFS005 finding that proves the rest of the file was analysed. */
export const INTACT_FINDING_LINE = 4;

/** A flow with `body` (indented for the `end` step) as the end step's last statements. */
export function flowWith(body: string): string {
  return HEADER + body + '\n';
}

/** Expressions nested `n` levels deep, each kind a different recursive walker's path. */
export const DEEP_EXPRESSIONS: Record<string, (n: number) => string> = {
  parentheses: (n) => `        x = ${'('.repeat(n)}token${')'.repeat(n)}\n        print(x)`,
  lists: (n) => `        x = ${'['.repeat(n)}token${']'.repeat(n)}\n        print(x)`,
  calls: (n) => `        x = ${'f('.repeat(n)}token${')'.repeat(n)}\n        print(x)`,
  additions: (n) => `        x = ${Array(n).fill('token').join(' + ')}\n        print(x)`,
  attributes: (n) => `        x = token${'.a'.repeat(n)}\n        print(x)`,
  subscripts: (n) => `        x = token${'[0]'.repeat(n)}\n        print(x)`,
  lambdas: (n) => `        x = ${'lambda: '.repeat(n)}token\n        print(x)`,
  negations: (n) => `        x = ${'not '.repeat(n)}token\n        print(x)`,
  conditionals: (n) => `        x = ${'token if token else '.repeat(n)}token\n        print(x)`,
  printed: (n) => `        print(${'('.repeat(n)}token${')'.repeat(n)})`,
  decorator: (n) => `        pass\n\n    @secrets(sources=[${'('.repeat(n)}"a"${')'.repeat(n)}])\n    @step\n    def other(self):\n        pass`,
};

/** `n` nested if-blocks: statements, which the placeholder cannot stand for. */
export function deepBlocks(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ' '.repeat(8 + i) + 'if token:\n';
  return s + ' '.repeat(8 + n) + 'print(token)';
}

/** A module-level list of `n` sources on one line (a "huge single-line list"). */
export function hugeOneLineList(n: number): string {
  const items = Array.from({ length: n }, (_, i) => `"aws-secrets-manager.s${i}"`).join(', ');
  return HEADER.replace('class HostileFlow', `SOURCES = [${items}]\n\nclass HostileFlow`);
}

/** Thousands of unclosed brackets, one per line, as a half-finished paste leaves them. */
export function unclosedBrackets(n: number): string {
  let s = HEADER;
  for (let i = 0; i < n; i++) s += `        v${i} = call(a, (b, [c\n`;
  return s;
}

/** Bytes that are not text, without NUL (so no cheap NUL test catches them), from a seeded generator. */
export function binaryNoNul(bytes: number, seed = 7): Buffer {
  const b = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = 1 + ((x >>> 0) % 255);
  }
  return Buffer.concat([Buffer.from('# metaflow\n'), b]);
}

/** A flow with `n` steps, each with its own distinct source. */
export function manySources(n: number): string {
  let s = 'from metaflow import FlowSpec, step, secrets\n\nclass ManyFlow(FlowSpec):\n';
  for (let i = 0; i < n; i++) {
    s += `    @secrets(sources=["aws-secrets-manager.source-${i}"])\n    @step\n    def s${i}(self):\n        self.next(self.s${i + 1})\n\n`;
  }
  return s + `    @step\n    def s${n}(self):\n        pass\n`;
}
