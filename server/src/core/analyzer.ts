import { Finding, finding } from './findings';
import { buildModel, DocumentModel, ExternalSymbols } from './flowModel';
import { MetaflowConfig } from './metaflowConfig';
import { findDeepRegions, maskRegions } from './nestingGuard';
import { budgetFinding, EDITOR_PARSE_BUDGET_MS, parseTimeReason } from './parseBudget';
import { PythonParser, SyntaxTree } from './parser';
import { pythonNameFindings } from './pythonNames';
import { currentSecretsFindings } from './currentSecrets';
import { classTimeSourceFindings } from './classTimeSources';
import { analyzeGetSecretCalls } from './getSecretCalls';
import { containsPosition, Range } from './positions';
import { closeDanglingBrackets } from './recovery';
import { analyzeSecrets, AnalysisOptions, oneMissingDefaultFinding, SecretsAnalysis } from './secretsAnalysis';
import { findLeaks, LeakCache, NonSecretKeys, secretNamesFromAnalysis } from './leaks';
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
  leaks?: { severity: Severity | 'off'; conservative: boolean; cache?: LeakCache; nonSecretKeys?: NonSecretKeys };
}

/** Model → specs → env map → static checks: every finding that needs neither a backend nor the dataflow. */
function staticAnalysis(tree: SyntaxTree, inp: AnalyzeInputs): { model: DocumentModel; secrets: SecretsAnalysis; findings: Finding[] } {
  const model = buildModel(tree, inp.external, inp.cache);
  const secrets = analyzeSecrets(model, inp.config, inp);
  // The rules below walk the whole tree: each looks at the text first and walks only if it can match.
  const text = tree.rootNode.text;
  const calls = analyzeGetSecretCalls(tree, model, inp.config, inp, text);
  secrets.calls = calls.calls;
  secrets.findings = oneMissingDefaultFinding([...secrets.findings, ...calls.findings], inp.config);
  const findings = [
    ...pythonNameFindings(tree, model, text),
    ...secrets.findings,
    ...currentSecretsFindings(tree, model, text),
    ...classTimeSourceFindings(model),
  ];
  return { model, secrets, findings };
}

/** A document's analysis and the tree it was built from (`ownsTree`: the caller deletes it). */
export interface GuardedAnalysis {
  analysis: DocumentAnalysis;
  tree: SyntaxTree;
  ownsTree: boolean;
}

const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * The analysis of one document that never throws and never recurses past the stack: regions
 * nested too deeply are replaced by a placeholder (one MFS090 each) and the rest is analysed;
 * anything still failing becomes a finding on the document (MFS090 for a stack overflow, MFS092
 * otherwise) with whatever the earlier stages found.
 */
export function analyzeDocument(parser: PythonParser, text: string, docTree: SyntaxTree, inp: AnalyzeInputs): GuardedAnalysis {
  let modelText = text;
  let tree = docTree;
  const replace = (next: SyntaxTree) => {
    if (tree !== docTree) tree.delete();
    tree = next;
  };
  const notes: Finding[] = [];
  let leaksSafe = true;
  // The repaired and masked parses share one budget: a broken file may not cost two more full ones.
  const deadline = Date.now() + EDITOR_PARSE_BUDGET_MS;
  const budgetLeft = () => Math.max(50, deadline - Date.now());
  let masked: Range[] = [];
  try {
    if (docTree.rootNode.hasError) {
      const repaired = closeDanglingBrackets(text);
      // Within the parse budget only: a file too broken to parse twice keeps the tree it has.
      const repairedTree = repaired !== text ? parser.parseWithin(repaired, budgetLeft()) : undefined;
      if (repairedTree) {
        modelText = repaired;
        replace(repairedTree);
      }
    }
    const regions = findDeepRegions(tree.rootNode, modelText);
    if (regions.length > 0) {
      for (const r of regions) notes.push(finding('MFS090', r.range, tooDeepMessage(r.maskable)));
      const maskedText = maskRegions(modelText, regions);
      if (maskedText !== modelText) {
        const maskedTree = parser.parseWithin(maskedText, budgetLeft());
        if (!maskedTree)
          return {
            analysis: { ...failedAnalysis(undefined, notes), findings: [...notes, budgetFinding(parseTimeReason(EDITOR_PARSE_BUDGET_MS))] },
            tree,
            ownsTree: tree !== docTree,
          };
        replace(maskedTree);
      }
      masked = regions.filter((r) => r.maskable).map((r) => r.extent);
      // Statements nested too deeply cannot be masked: the dataflow walks statements, so it is skipped.
      leaksSafe = findDeepRegions(tree.rootNode, maskedText).length === 0;
    }
  } catch (e) {
    return { analysis: failedAnalysis(e, notes), tree, ownsTree: tree !== docTree };
  }

  let analysed: ReturnType<typeof staticAnalysis>;
  try {
    analysed = staticAnalysis(tree, inp);
  } catch (e) {
    return { analysis: failedAnalysis(e, notes), tree, ownsTree: tree !== docTree };
  }
  const { model, secrets } = analysed;
  // What the checks say about a placeholder is about the placeholder, not the user's code.
  const findings = [...notes, ...analysed.findings.filter((f) => !masked.some((m) => containsRange(m, f.range)))];
  if (inp.leaks && inp.leaks.severity !== 'off') {
    if (!leaksSafe) {
      findings.push(
        finding('MFS090', notes[0]?.range ?? FILE_START, 'The leak analysis was skipped for this file: it has statements nested too deeply to follow.'),
      );
    } else {
      try {
        findings.push(
          ...findLeaks(
            {
              tree,
              model,
              secretNamesForStep: secretNamesFromAnalysis(secrets, inp.leaks.nonSecretKeys),
              conservative: inp.leaks.conservative,
              severity: inp.leaks.severity,
            },
            { cache: inp.leaks.cache },
          ),
        );
      } catch (e) {
        findings.push(failureFinding(e, 'The leak analysis'));
      }
    }
  }
  return { analysis: { model, secrets, findings: dedupe(findings) }, tree, ownsTree: tree !== docTree };
}

function containsRange(outer: Range, inner: Range): boolean {
  return containsPosition(outer, inner.start) && containsPosition(outer, inner.end);
}

function tooDeepMessage(maskable: boolean): string {
  return maskable
    ? 'Too deeply nested to analyse: this expression is left out of the @secrets and leak checks (the rest of the file is checked).'
    : 'Too deeply nested to analyse: these statements are nested too deeply; the leak analysis of this file is skipped (the @secrets checks still run).';
}

/** The message of an error the analysis hit, without its stack (names and a short text only). */
function failureFinding(e: unknown, what: string): Finding {
  if (e instanceof RangeError) {
    return finding(
      'MFS090',
      FILE_START,
      `Too deeply nested to analyse: ${what} ran out of stack (${e.message.slice(0, 120)}); its findings for this file are missing.`,
    );
  }
  const name = e instanceof Error ? e.name : 'Error';
  const msg = e instanceof Error ? e.message : String(e);
  return finding(
    'MFS092',
    FILE_START,
    `${what} of this file stopped with an internal error (${name}: ${msg.slice(0, 200)}); its findings for this file are missing.`,
  );
}

/** What is left when the model itself could not be built: the failure, and an empty model. */
function failedAnalysis(e: unknown, notes: Finding[], model?: DocumentModel): DocumentAnalysis {
  return { model: model ?? EMPTY_MODEL, secrets: { steps: [], calls: [], findings: [] }, findings: [...notes, failureFinding(e, 'The analysis')] };
}

const EMPTY_MODEL: DocumentModel = {
  flows: [],
  misplaced: [],
  importsMetaflow: false,
  importedModules: [],
  literalBinding: () => undefined,
  assignedNames: [],
  flowClassNames: new Set(),
  metaflowSymbol: () => undefined,
  bindings: { imports: new Map(), bound: new Set(), starModules: [] },
};

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
