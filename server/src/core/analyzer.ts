import { Finding } from './findings';
import { buildModel, DocumentModel, ExternalSymbols } from './flowModel';
import { MetaflowConfig } from './metaflowConfig';
import { SyntaxTree } from './parser';
import { analyzeSecrets, AnalysisOptions, SecretsAnalysis } from './secretsAnalysis';

export interface DocumentAnalysis {
  model: DocumentModel;
  secrets: SecretsAnalysis;
  findings: Finding[];
}

export interface AnalyzeInputs extends AnalysisOptions {
  config: MetaflowConfig;
  external?: ExternalSymbols;
}

/** The whole static pipeline for one parsed document: model → specs → env map → checks. */
export function analyzeTree(tree: SyntaxTree, inp: AnalyzeInputs): DocumentAnalysis {
  const model = buildModel(tree, inp.external);
  const secrets = analyzeSecrets(model, inp.config, inp);
  return { model, secrets, findings: dedupe(secrets.findings) };
}

/** One finding per code, place and message: a str iterated per character repeats the same error. */
export function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.code}|${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
