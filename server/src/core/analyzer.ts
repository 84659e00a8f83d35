import { Finding } from './findings';
import { buildModel, DocumentModel, ExternalSymbols } from './flowModel';
import { MetaflowConfig } from './metaflowConfig';
import { PythonParser, SyntaxTree } from './parser';
import { pythonNameFindings } from './pythonNames';
import { currentSecretsFindings } from './currentSecrets';
import { classTimeSourceFindings } from './classTimeSources';
import { analyzeGetSecretCalls } from './getSecretCalls';
import { closeDanglingBrackets } from './recovery';
import { analyzeSecrets, AnalysisOptions, oneMissingDefaultFinding, SecretsAnalysis } from './secretsAnalysis';
import { findLeaks, LeakCache, secretNamesFromAnalysis } from './leaks';
import { Severity } from './rules';

export interface DocumentAnalysis {
  model: DocumentModel;
  secrets: SecretsAnalysis;
  findings: Finding[];
}

export interface AnalyzeInputs extends AnalysisOptions {
  config: MetaflowConfig;
  external?: ExternalSymbols;
  /** The leak analysis; absent or severity 'off': not run. */
  leaks?: { severity: Severity | 'off'; conservative: boolean; cache?: LeakCache };
}

/**
 * The tree to build the model from: the document's own, or, when an unclosed bracket made
 * tree-sitter swallow what follows, a parse of the text with that bracket closed.
 * The caller owns (and deletes) a returned tree that differs from `tree`.
 */
export function treeForModel(parser: PythonParser, text: string, tree: SyntaxTree): SyntaxTree {
  if (!tree.rootNode.hasError) return tree;
  const repaired = closeDanglingBrackets(text);
  return repaired === text ? tree : parser.parse(repaired);
}

/** The whole static pipeline for one parsed document: model → specs → env map → checks. */
export function analyzeTree(tree: SyntaxTree, inp: AnalyzeInputs): DocumentAnalysis {
  const model = buildModel(tree, inp.external, inp.cache);
  const secrets = analyzeSecrets(model, inp.config, inp);
  const calls = analyzeGetSecretCalls(tree, model, inp.config, inp);
  secrets.calls = calls.calls;
  secrets.findings = oneMissingDefaultFinding([...secrets.findings, ...calls.findings], inp.config);
  const findings = [...pythonNameFindings(tree, model), ...secrets.findings, ...currentSecretsFindings(tree, model), ...classTimeSourceFindings(model)];
  if (inp.leaks && inp.leaks.severity !== 'off') {
    findings.push(
      ...findLeaks(
        { tree, model, secretNamesForStep: secretNamesFromAnalysis(secrets), conservative: inp.leaks.conservative, severity: inp.leaks.severity },
        { cache: inp.leaks.cache },
      ),
    );
  }
  return { model, secrets, findings: dedupe(findings) };
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
