import { Finding, finding } from './findings';
import { DocumentModel, StepModel } from './flowModel';
import { evaluate } from './literals';
import { MetaflowConfig } from './metaflowConfig';
import { nodeRange, SyntaxNode, SyntaxTree } from './parser';
import { placeholderItem } from './placeholders';
import { Range } from './positions';
import { AnalysisOptions, knownTypesOf, SourceInfo, sourceInfo } from './secretsAnalysis';
import { buildSpecs } from './sourceSpec';

// `get_secret(source, role=None)` from metaflow.plugins.secrets builds one spec exactly like
// @secrets (role defaulting to METAFLOW_DEFAULT_SECRETS_ROLE), returns the provider's dict and
// sets no variable. It skips validate_env_vars, and its item-type error has its own words.

/** One `get_secret(...)` call whose source is known statically. */
export interface SecretCall {
  /** The call expression. */
  range: Range;
  source: SourceInfo;
  /** The step it is called in, if any (a helper's call has none). */
  step?: StepModel;
}

const NOT_STR_OR_DICT = 'get_secrets sources items must be either a string or a dict';

export function analyzeGetSecretCalls(
  tree: SyntaxTree,
  model: DocumentModel,
  config: MetaflowConfig,
  opts: AnalysisOptions,
  text: string,
): { calls: SecretCall[]; findings: Finding[] } {
  const calls: SecretCall[] = [];
  const findings: Finding[] = [];
  // Walking every call through the WASM API costs a keystroke's budget: only when one can match.
  if (!text.includes('get_secret')) return { calls, findings };
  const knownTypes = knownTypesOf(opts);
  const lookup = (name: string) => model.literalBinding(name);
  for (const call of tree.rootNode.descendantsOfType('call')) {
    const fn = call?.childForFieldName('function');
    if (!call || !fn || model.metaflowSymbol(fn) !== 'get_secret') continue;
    const { source, role } = callArguments(call);
    if (!source) continue;
    const v = evaluate(source, lookup);
    if (v.kind === 'dynamic') continue;
    if (v.kind !== 'str' && v.kind !== 'dict') {
      findings.push(finding('MFS002', v.range, NOT_STR_OR_DICT));
      continue;
    }
    const roleValue = role ? evaluate(role, lookup) : undefined;
    if (roleValue?.kind === 'dynamic') continue;
    const decoratorRole = roleValue?.kind === 'str' ? roleValue.value : undefined;
    const { specs, errors } = buildSpecs([v], decoratorRole, config);
    for (const e of errors) findings.push(finding(e.code, e.range, e.message));
    const spec = specs[0];
    if (!spec) continue;
    const local: Finding[] = [];
    const info = sourceInfo(spec, placeholderItem(v), { config, knownTypes, opts, findings: local });
    // get_secret does not validate the names or values it returns (no validate_env_vars).
    findings.push(...local.filter((f) => f.code !== 'MFS019'));
    if (info) calls.push({ range: nodeRange(call), source: info, step: enclosingStep(call, model) });
  }
  return { calls, findings };
}

function callArguments(call: SyntaxNode): { source?: SyntaxNode; role?: SyntaxNode } {
  const out: { source?: SyntaxNode; role?: SyntaxNode } = {};
  const positional: SyntaxNode[] = [];
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name')?.text;
      const value = a.childForFieldName('value') ?? undefined;
      if (name === 'source') out.source = value;
      else if (name === 'role') out.role = value;
    } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') return {};
    else positional.push(a);
  }
  out.source ??= positional[0];
  out.role ??= positional[1];
  return out;
}

function enclosingStep(n: SyntaxNode, model: DocumentModel): StepModel | undefined {
  for (const flow of model.flows) {
    for (const s of flow.steps) if (s.functionNode.startIndex <= n.startIndex && n.endIndex <= s.functionNode.endIndex) return s;
  }
  return undefined;
}
