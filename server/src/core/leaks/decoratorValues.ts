import { FlowClassModel, StepModel } from '../flowModel';
import { nodeRange, SyntaxNode } from '../parser';
import { isWellKnownNonSecret, looksLikeCredential } from './envNames';
import type { LeakRecord } from './stepAnalysis';
import { ImportedNames } from './importedNames';
import { Origin } from './taintTypes';

// Metaflow persists every decorator's attributes in the `_graph_info` artifact (checked with
// 2.19.39: `Run(...)['start'].task['_graph_info'].data` holds @environment's `vars` and the
// inline provider's `env_vars` verbatim), so a credential written into one is stored with the
// run. These are evaluated when the flow file is loaded, in the launching shell: the values
// come from that shell's environment, not from @secrets.

const MAX_CONSTANT_DEPTH = 3;
/** Decorator text that may compute a value: environ/getenv/get_secret, or a bare name as a value (a module constant). */
const MAY_READ = /environ|getenv|get_secret|[:=(,]\s*[A-Za-z_][\w.]*\s*[,})\]]/;

/** MFS058 records for one step's decorators. */
export function decoratorValueRecords(step: StepModel, flow: FlowClassModel, root: SyntaxNode, imports: ImportedNames): LeakRecord[] {
  const out: LeakRecord[] = [];
  const record = (valueNode: SyntaxNode, origin: Origin, display: string): void => {
    out.push({
      code: 'MFS058',
      kind: 'artifact',
      display,
      range: nodeRange(valueNode),
      attr: '_graph_info',
      step: step.name,
      flow: flow.name,
      stepHasSecrets: step.decorators.some((d) => d.kind === 'secrets'),
      origins: [origin],
      fixes: [],
    });
  };
  for (const d of step.decorators) {
    // Walking a decorator's nodes costs (web-tree-sitter's node API) on every keystroke: only the
    // texts that can hold a read of the environment, a name, or an inline source are walked.
    const text = d.kind === 'environment' || d.kind === 'secrets' ? d.node.text : '';
    if (d.kind === 'environment' && MAY_READ.test(text)) {
      for (const { name, value } of keywordPairs(d.node, 'vars')) {
        const read = credentialRead(value, name, root, imports, 0);
        if (read) record(value, { kind: 'env', label: name ?? 'vars', path: [{ range: nodeRange(read.node), message: read.what }] }, '@environment(vars=...)');
      }
    } else if (d.kind === 'secrets' && text.includes('inline')) {
      for (const { name, value } of inlineValues(d.node)) {
        record(
          value,
          { kind: 'env', label: name, path: [{ range: nodeRange(value), message: `the inline source's value of \`${name}\` is written in the code` }] },
          'an inline @secrets source',
        );
      }
    }
  }
  return out;
}

/** `vars={"A": expr, ...}`: each entry (name undefined when the key is not a literal); any other shape as one value. */
function keywordPairs(decorator: SyntaxNode, kw: string): { name: string | undefined; value: SyntaxNode }[] {
  const arg = descendants(decorator, (n) => n.type === 'keyword_argument' && n.childForFieldName('name')?.text === kw)[0];
  const v = arg?.childForFieldName('value');
  if (!v) return [];
  if (v.type !== 'dictionary') return [{ name: undefined, value: v }];
  const out: { name: string | undefined; value: SyntaxNode }[] = [];
  for (const p of v.namedChildren) {
    if (p?.type === 'pair') {
      const val = p.childForFieldName('value');
      if (val) out.push({ name: stringLiteral(p.childForFieldName('key')), value: val });
    } else if (p?.type === 'dictionary_splat') out.push({ name: undefined, value: p });
  }
  return out;
}

/** The `env_vars` entries of every `{"type": "inline", ...}` dict in a @secrets decorator. */
function inlineValues(decorator: SyntaxNode): { name: string; value: SyntaxNode }[] {
  const out: { name: string; value: SyntaxNode }[] = [];
  for (const dict of descendants(decorator, (n) => n.type === 'dictionary')) {
    if (stringLiteral(pairValue(dict, 'type')) !== 'inline') continue;
    const options = pairValue(dict, 'options');
    const env = options?.type === 'dictionary' ? pairValue(options, 'env_vars') : undefined;
    if (env?.type !== 'dictionary') continue;
    for (const p of env.namedChildren) {
      const name = p?.type === 'pair' ? stringLiteral(p.childForFieldName('key')) : undefined;
      const value = p?.childForFieldName('value');
      if (name && value) out.push({ name, value });
    }
  }
  return out;
}

/**
 * Where a decorator value reads a credential: `os.getenv("K")`, `os.environ["K"]`,
 * `os.environ.get("K")` with a credential-looking name (or set under one), the whole
 * `os.environ`, or `get_secret(...)` — directly or through a module-level constant.
 */
function credentialRead(
  value: SyntaxNode,
  setAs: string | undefined,
  root: SyntaxNode,
  imports: ImportedNames,
  depth: number,
): { node: SyntaxNode; what: string } | undefined {
  const credentialKey = (k: string): boolean => !isWellKnownNonSecret(k) && (looksLikeCredential(k) || (!!setAs && looksLikeCredential(setAs)));
  for (const n of descendants(value, (x) => ['call', 'subscript', 'identifier', 'attribute'].includes(x.type))) {
    if (n.type === 'call') {
      const q = imports.qualify(n.childForFieldName('function'));
      const first = n.childForFieldName('arguments')?.namedChildren.find((a) => a && a.type !== 'keyword_argument' && a.type !== 'comment');
      const key = stringLiteral(first);
      if ((q === 'os.getenv' || q === 'os.environ.get') && key !== undefined && credentialKey(key)) {
        return { node: n, what: `\`${key}\` is read from the launching shell's environment when the flow file is loaded` };
      }
      if (q === 'metaflow.get_secret' || q?.endsWith('.get_secret'))
        return { node: n, what: 'get_secret(...) returns secret values when the flow file is loaded' };
    } else if (n.type === 'subscript') {
      const key = stringLiteral(n.childForFieldName('subscript'));
      if (imports.qualify(n.childForFieldName('value')) === 'os.environ' && key !== undefined && credentialKey(key)) {
        return { node: n, what: `\`${key}\` is read from the launching shell's environment when the flow file is loaded` };
      }
    } else if (imports.qualify(n) === 'os.environ' && n.parent?.type !== 'subscript' && n.parent?.type !== 'attribute') {
      return { node: n, what: 'the whole environment (`os.environ`) of the launching shell is copied' };
    } else if (n.type === 'identifier' && depth < MAX_CONSTANT_DEPTH) {
      const rhs = moduleAssignment(root, n.text);
      const inner = rhs && credentialRead(rhs, setAs ?? n.text, root, imports, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

function moduleAssignment(root: SyntaxNode, name: string): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  for (const top of root.namedChildren) {
    const a = top?.type === 'expression_statement' ? top.namedChildren[0] : undefined;
    if (a?.type === 'assignment' && a.childForFieldName('left')?.text === name) found = a.childForFieldName('right') ?? undefined;
  }
  return found;
}

function pairValue(dict: SyntaxNode, key: string): SyntaxNode | undefined {
  for (const p of dict.namedChildren) {
    if (p?.type === 'pair' && stringLiteral(p.childForFieldName('key')) === key) return p.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

function stringLiteral(n: SyntaxNode | null | undefined): string | undefined {
  if (n?.type !== 'string' || n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  return n.namedChildren
    .filter((c) => c?.type === 'string_content')
    .map((c) => c!.text)
    .join('');
}

/** Every node under `n` (itself included) that `pred` accepts, in document order. Decorators are small. */
function descendants(n: SyntaxNode, pred: (x: SyntaxNode) => boolean): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (x: SyntaxNode): void => {
    if (pred(x)) out.push(x);
    for (const c of x.namedChildren) if (c) walk(c);
  };
  walk(n);
  return out;
}
