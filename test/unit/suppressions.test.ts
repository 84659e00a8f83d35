import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeDocument } from '../../server/src/core/analyzer';
import { Finding, finding } from '../../server/src/core/findings';
import { fixedConfig } from '../../server/src/core/metaflowConfig';
import { PythonParser } from '../../server/src/core/parser';
import { range } from '../../server/src/core/positions';
import { parseRuleLevels, parseRuleOption } from '../../server/src/core/ruleLevels';
import { suppressionDirectives } from '../../server/src/core/suppressionComments';
import { applySuppressions, SuppressionOptions } from '../../server/src/core/suppressions';
import { applyEdits } from '../leaks/applyEdits';

let parser: Promise<PythonParser> | undefined;
async function parse(text: string) {
  parser ??= PythonParser.create();
  return (await parser).parse(text);
}

/** A finding of `code` spanning line `line` (0-based), columns 4-8. */
const at = (code: string, line: number, endLine = line): Finding => finding(code, range(line, 4, endLine, 8), `${code} here`);

async function run(text: string, findings: Finding[], o: SuppressionOptions = {}) {
  const tree = await parse(text);
  try {
    return applySuppressions(text, tree, findings, o);
  } finally {
    tree.delete();
  }
}

const codesOf = (fs: readonly Finding[]) => fs.map((f) => `${f.code}@${f.range.start.line}`);

describe('suppression comments', () => {
  test('are read from comments only, in both spellings, with other text around them', async () => {
    const text = [
      'a = 1  # noqa',
      'b = 2  # NOQA:MFS050,E501',
      'c = "# noqa: MFS050"',
      'd = 4  # type: ignore  # noqa: MFS051 masked before printing',
      'e = 5  # metaflow-secrets: ignore[MFS050, mfs052]',
      '# metaflow-secrets: ignore-file',
      'f = 6  # noqa:',
      'g = 7  # metaflow-secrets: ignore[]',
      'h = 8  # noqapple',
    ].join('\n');
    const tree = await parse(text);
    const ds = suppressionDirectives(tree).map((d) => `${d.line}:${d.scope}:${d.form}:${d.codes?.join('+') ?? '*'}`);
    tree.delete();
    assert.deepEqual(ds, ['0:line:noqa:*', '1:line:noqa:MFS050+E501', '3:line:noqa:MFS051', '4:line:tool:MFS050+MFS052', '5:file:tool:*']);
  });

  test('a line directive silences the codes it names on its line, and only there', async () => {
    const text = 'x = 1  # noqa: MFS050\ny = 2  # metaflow-secrets: ignore[MFS052, MFS050]\nz = 3  # noqa\nw = 4\n';
    const r = await run(text, [at('MFS050', 0), at('MFS051', 0), at('MFS052', 1), at('MFS050', 1), at('MFS004', 2), at('MFS050', 3)]);
    assert.deepEqual(codesOf(r.findings), ['MFS051@0', 'MFS050@3']);
    assert.deepEqual(codesOf(r.suppressed), ['MFS050@0', 'MFS052@1', 'MFS050@1', 'MFS004@2']);
    assert.equal(r.suppressed[0].suppression.text, '# noqa: MFS050');
    assert.equal(r.suppressed[1].suppression.text, '# metaflow-secrets: ignore[MFS052, MFS050]');
  });

  test('a multi-line decorator is suppressed on its first line; a multi-line string where it closes', async () => {
    const text = [
      '@secrets(  # noqa: MFS004', // 0
      '    sources=["prod/db.creds"],', // 1
      ')', // 2
      'def f():', // 3
      '    print("""a', // 4
      '    b""")  # noqa: MFS050', // 5
      '    print(1)', // 6
    ].join('\n');
    const r = await run(text, [at('MFS004', 1), at('MFS050', 4, 5), at('MFS004', 3), at('MFS050', 6)]);
    assert.deepEqual(codesOf(r.suppressed), ['MFS004@1', 'MFS050@4']);
    assert.deepEqual(codesOf(r.findings), ['MFS004@3', 'MFS050@6'], 'the comment covers the decorator only, not the def below it');
  });

  test('a file directive silences its codes everywhere; without codes, every code', async () => {
    const some = await run('# metaflow-secrets: ignore-file[MFS050]\nx = 1\ny = 2\n', [at('MFS050', 1), at('MFS050', 2), at('MFS051', 2)]);
    assert.deepEqual(codesOf(some.findings), ['MFS051@2']);
    assert.equal(some.suppressed.length, 2);
    assert.equal(some.suppressed[0].suppression.scope, 'file');
    const all = await run('x = 1\n# metaflow-secrets: ignore-file\n', [at('MFS050', 0), at('MFS001', 0)]);
    assert.deepEqual(codesOf(all.findings), []);
  });
});

describe('rule levels', () => {
  test('accept codes and rule names, and say what they cannot use', () => {
    const { levels, problems } = parseRuleLevels({ MFS050: 'error', 'inline-provider': 'off', mfs052: 'hint', MFS999: 'off', MFS051: 'loud' });
    assert.deepEqual(
      [...levels],
      [
        ['MFS050', 'error'],
        ['MFS018', 'off'],
        ['MFS052', 'hint'],
      ],
    );
    assert.deepEqual(problems, ["unknown rule 'MFS999'", 'rule MFS051: level must be one of error, warning, information, hint, off (got "loud")']);
    assert.deepEqual(parseRuleOption('secret-in-log=off'), { code: 'MFS050', level: 'off' });
    assert.ok('error' in parseRuleOption('MFS050'));
  });

  test('change the severity or drop the finding before comments are looked at', async () => {
    const levels = parseRuleLevels({ MFS050: 'error', MFS018: 'off' }).levels;
    const r = await run('x = 1  # noqa: MFS018\n', [at('MFS050', 0), at('MFS018', 0)], { levels });
    assert.deepEqual(
      r.findings.map((f) => `${f.code}:${f.severity}`),
      ['MFS050:error'],
    );
    assert.equal(r.suppressed.length, 0, 'an off rule is not suppressed, it is not reported at all');
  });
});

describe('unused suppressions (MFS080)', () => {
  test("are reported for this tool's codes only, never for other tools' or a bare # noqa", async () => {
    const text = 'a = 1  # noqa: E501, MFS050\nb = 2  # noqa\nc = 3  # metaflow-secrets: ignore\nd = 4  # noqa: MFS999\n';
    const r = await run(text, []);
    assert.deepEqual(
      r.findings.map((f) => `${f.code}@${f.range.start.line}: ${f.message}`),
      [
        'MFS080@0: Unused suppression of MFS050: it is not reported on this line',
        'MFS080@2: Unused suppression: nothing is reported on this line',
        'MFS080@3: Unused suppression of MFS999 (not a metaflow-secrets code): it is not reported on this line',
      ],
    );
    assert.ok(r.findings.every((f) => f.unnecessary && f.severity === 'information'));
  });

  test('are not reported for a rule that did not run (a backend rule offline) or is off', async () => {
    const text = 'a = 1  # noqa: MFS030, MFS050\n';
    const r = await run(text, [], { ruleRan: (c) => c !== 'MFS030', levels: new Map([['MFS050', 'off' as const]]) });
    assert.deepEqual(r.findings, []);
  });

  test('# noqa: MFS080 silences the report about another directive, and is not itself unused', async () => {
    const r = await run('x = 1  # metaflow-secrets: ignore[MFS050]  # noqa: MFS080\n', []);
    assert.deepEqual(codesOf(r.findings), []);
    assert.deepEqual(codesOf(r.suppressed), ['MFS080@0']);
  });

  test('fixes remove the stale code, the directive, the comment or the line', async () => {
    const cases: [string, string][] = [
      ['x = 1  # noqa: E501, MFS050\n', 'x = 1  # noqa: E501\n'],
      ['x = 1  # noqa: MFS050\n', 'x = 1\n'],
      ['x = 1  # keep me  # metaflow-secrets: ignore[MFS050]\n', 'x = 1  # keep me\n'],
      ['# metaflow-secrets: ignore-file[MFS050]\nx = 1\n', 'x = 1\n'],
    ];
    for (const [before, after] of cases) {
      const [f] = (await run(before, [])).findings;
      assert.equal(f?.code, 'MFS080', before);
      assert.equal(applyEdits(before, f.fixes![0].edits), after, before);
    }
    const partial = 'x = 1  # metaflow-secrets: ignore[MFS050, MFS051]\n';
    const r = await run(partial, [at('MFS051', 0)]);
    assert.equal(r.findings[0].fixes![0].title, 'Remove MFS050 from the suppression');
    assert.equal(applyEdits(partial, r.findings[0].fixes![0].edits), 'x = 1  # metaflow-secrets: ignore[MFS051]\n');
  });
});

describe('"Suppress ... on this line" quick fix', () => {
  test("adds a comment, or extends this tool's directive, and the finding is then suppressed", async () => {
    for (const before of ['x = print(1)\n', 'x = print(1)  # explained\n', 'x = print(1)  # metaflow-secrets: ignore[MFS051]\n']) {
      const r = await run(before, [at('MFS050', 0), at('MFS051', 0)]);
      const f = r.findings.find((x) => x.code === 'MFS050')!;
      const fix = f.fixes!.find((x) => x.title === 'Suppress MFS050 on this line')!;
      const after = applyEdits(before, fix.edits);
      const again = await run(after, [at('MFS050', 0), at('MFS051', 0)]);
      assert.ok(!again.findings.some((x) => x.code === 'MFS050' || x.code === 'MFS080'), `${before} → ${after}: ${codesOf(again.findings)}`);
    }
    const extended = await run('x = 1  # metaflow-secrets: ignore[MFS051]\n', [at('MFS050', 0), at('MFS051', 0)]);
    assert.equal(
      applyEdits('x = 1  # metaflow-secrets: ignore[MFS051]\n', extended.findings[0].fixes!.find((x) => x.title.endsWith('on this line'))!.edits),
      'x = 1  # metaflow-secrets: ignore[MFS051, MFS050]\n',
    );
  });

  test('inside a multi-line string goes where the string closes; "in this file" goes below a shebang', async () => {
    const text = '#!/usr/bin/env python\nprint("""a\nb""")\n';
    const r = await run(text, [at('MFS050', 1, 2)]);
    const [line, file] = r.findings[0].fixes!;
    assert.equal(applyEdits(text, line.edits), '#!/usr/bin/env python\nprint("""a\nb""")  # metaflow-secrets: ignore[MFS050]\n');
    assert.equal(applyEdits(text, file.edits), '#!/usr/bin/env python\n# metaflow-secrets: ignore-file[MFS050]\nprint("""a\nb""")\n');
  });

  test('works on a real leak found by the analysis', async () => {
    const text = `import os
from metaflow import FlowSpec, step, secrets

class F(FlowSpec):
    @secrets(sources=[{"type": "inline", "id": "t", "options": {"env_vars": {"DB_PASSWORD": "x"}}}])  # noqa: MFS018, MFS058
    @step
    def start(self):
        print(os.environ["DB_PASSWORD"])  # noqa: MFS050
        print(os.environ["DB_PASSWORD"])
`;
    const tree = await parse(text);
    const { analysis: a } = analyzeDocument(await parser!, text, tree, { config: fixedConfig({}), leaks: { severity: 'warning', conservative: false } });
    const r = applySuppressions(text, tree, a.findings);
    tree.delete();
    assert.deepEqual(codesOf(r.findings), ['MFS050@8']);
    assert.deepEqual(codesOf(r.suppressed).sort(), ['MFS018@4', 'MFS050@7', 'MFS058@4']);
  });
});
