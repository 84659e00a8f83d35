import { Finding, finding, QuickFix, TextEdit } from './findings';
import { DocumentModel } from './flowModel';
import { nodeRange, SyntaxNode, SyntaxTree } from './parser';
import { importInsertionLine } from './pythonNames';

// A widely read overview of Metaflow secrets teaches `current.secrets["src"]["KEY"]`. It does
// not exist: @secrets only sets environment variables, and the step then fails with an
// AttributeError after the variables were injected.

const MESSAGE =
  "`current.secrets` does not exist: the step fails with AttributeError: 'Current' object has no attribute 'secrets' (after @secrets has already set the variables). @secrets provides each key as an environment variable: read it with os.environ[\"KEY\"].";

export function currentSecretsFindings(tree: SyntaxTree, model: DocumentModel, text: string): Finding[] {
  // Walking every attribute through the WASM API costs a keystroke's budget: only when it can match.
  if (!/current\s*\.\s*secrets/.test(text)) return [];
  const out: Finding[] = [];
  for (const attr of tree.rootNode.descendantsOfType('attribute')) {
    if (!attr || attr.childForFieldName('attribute')?.text !== 'secrets') continue;
    const obj = attr.childForFieldName('object');
    if (!obj || model.metaflowSymbol(obj) !== 'current') continue;
    const fix = environFix(attr, tree, model);
    out.push(finding('MFS029', nodeRange(attr), MESSAGE, { fixes: fix ? [fix] : [] }));
  }
  return out;
}

/**
 * `current.secrets[src][KEY]`, `current.secrets.src[KEY]` and their `.get(KEY, ...)` forms name
 * the key directly: rewrite them to `os.environ[KEY]` / `os.environ.get(KEY, ...)`.
 */
function environFix(attr: SyntaxNode, tree: SyntaxTree, model: DocumentModel): QuickFix | undefined {
  // The source selector: `current.secrets[src]` or `current.secrets.src`.
  const parent = attr.parent;
  if (!parent) return undefined;
  let source: SyntaxNode | undefined;
  if (parent.type === 'subscript' && parent.childForFieldName('value')?.id === attr.id) source = parent;
  else if (parent.type === 'attribute' && parent.childForFieldName('object')?.id === attr.id) source = parent;
  if (!source?.parent) return undefined;
  const outer = source.parent;
  let replaced: SyntaxNode;
  let newText: string;
  if (outer.type === 'subscript' && outer.childForFieldName('value')?.id === source.id) {
    const key = outer.childForFieldName('subscript');
    if (!key) return undefined;
    replaced = outer;
    newText = `os.environ[${key.text}]`;
  } else if (outer.type === 'attribute' && outer.childForFieldName('attribute')?.text === 'get' && outer.parent?.type === 'call') {
    const args = outer.parent.childForFieldName('arguments');
    if (!args) return undefined;
    replaced = outer.parent;
    newText = `os.environ.get${args.text}`;
  } else return undefined;
  const edits: TextEdit[] = [{ range: nodeRange(replaced), newText }];
  const os = model.bindings.imports.get('os');
  if (!os || os.module !== 'os' || os.name) {
    const line = importInsertionLine(tree);
    edits.push({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: 'import os\n' });
  }
  return { title: `Read ${newText} instead`, edits, isPreferred: true };
}
