import { analyzeDocument, DocumentAnalysis } from '../../server/src/core/analyzer';
import { fixedConfig, SecretsConfigName } from '../../server/src/core/metaflowConfig';
import { PythonParser } from '../../server/src/core/parser';
import { AnalysisOptions } from '../../server/src/core/secretsAnalysis';

let parser: Promise<PythonParser> | undefined;

/** Parses and analyses a flow text with a fixed Metaflow configuration. */
export async function analyzeText(
  text: string,
  config: Partial<Record<SecretsConfigName, string>> = {},
  types: Pick<AnalysisOptions, 'registeredTypes' | 'extraTypes'> = {},
): Promise<DocumentAnalysis> {
  parser ??= PythonParser.create();
  const p = await parser;
  return analyzeDocument(p, text, p.parse(text), { config: fixedConfig(config), ...types }).analysis;
}

/** `code@line: message` lines, a compact form for assertions. */
export function summary(a: DocumentAnalysis): string[] {
  return a.findings.map((f) => `${f.code}@${f.range.start.line}: ${f.message}`);
}

/** A one-step flow: the import line, an optional prelude line, then the decorator lines above @step. */
export function oneStepFlow(o: { decorators: string; imports: string; prelude?: string; body?: string }): string {
  const decorators = o.decorators
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n');
  return `${o.imports}\n${o.prelude ?? ''}\nclass F(FlowSpec):\n${decorators}\n    @step\n    def start(self):\n        ${o.body ?? 'pass'}\n`;
}
