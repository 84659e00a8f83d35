import { Finding, finding, QuickFix, TextEdit } from './findings';
import { DocumentModel, ImportedName } from './flowModel';
import { nodeRange, SyntaxNode, SyntaxTree } from './parser';
import { Range } from './positions';

// Python resolves names before Metaflow sees anything: a decorator that was never imported, or
// was rebound to a module, fails when the class body runs, and an import of a name `metaflow`
// does not export fails when the file is imported. These come before any Metaflow semantics.

/** Metaflow names a flow uses as decorators or base, which the model accepts leniently while the import is being typed. */
const FLOW_NAMES = new Set(['secrets', 'step', 'environment', 'FlowSpec']);

/**
 * Names people import from `metaflow` that it does not export, and where they really live
 * (checked against metaflow 2.19.39: `hasattr(metaflow, name)` is False).
 */
const NOT_EXPORTED: Readonly<Record<string, string>> = {
  get_secret: 'metaflow.plugins.secrets',
  SecretsProvider: 'metaflow.plugins.secrets',
  SecretsDecorator: 'metaflow.plugins.secrets.secrets_decorator',
  SecretSpec: 'metaflow.plugins.secrets.secrets_spec',
};

export function pythonNameFindings(tree: SyntaxTree, model: DocumentModel, text: string): Finding[] {
  const findings: Finding[] = [];
  notExportedImports(tree, text, findings);
  const { imports, bound, starModules } = model.bindings;
  const reported = new Set<string>();
  // One answer per name and flow: a flow with a hundred `@secrets` steps scans the text once.
  const rebindings = new Map<string, ReturnType<typeof literalRebinding>>();
  for (const flow of model.flows) {
    const uses: { name: string; node: SyntaxNode; called: boolean }[] = [];
    const bases = flow.node.childForFieldName('superclasses');
    for (const b of bases?.namedChildren ?? []) if (b?.type === 'identifier') uses.push({ name: b.text, node: b, called: false });
    for (const step of flow.steps) {
      for (const d of step.decorators) {
        const callee = decoratorCallee(d.node);
        if (callee?.node.type === 'identifier') uses.push({ name: callee.node.text, node: callee.node, called: callee.called });
      }
    }
    for (const use of uses) {
      if (!FLOW_NAMES.has(use.name)) continue;
      const imp = imports.get(use.name);
      if (imp && !imp.name && imp.module === use.name && use.name !== 'FlowSpec') {
        findings.push(moduleNotCallable(use.name, use.node, imp));
        continue;
      }
      let rebound: ReturnType<typeof literalRebinding>;
      if (use.called && imp?.module === 'metaflow') {
        const key = `${use.name}\u0000${flow.node.startIndex}`;
        if (!rebindings.has(key)) rebindings.set(key, literalRebinding(use.name, imp.statement, flow.node, text));
        rebound = rebindings.get(key);
      }
      if (rebound) {
        findings.push(literalNotCallable(use.name, use.node, rebound));
        continue;
      }
      // Unbound: no binding anywhere, and no `*` import that could provide it.
      if (bound.has(use.name) || starModules.length > 0 || reported.has(use.name)) continue;
      reported.add(use.name);
      findings.push(unboundName(use.name, use.node, tree));
    }
  }
  return findings;
}

function decoratorCallee(d: SyntaxNode): { node: SyntaxNode; called: boolean } | undefined {
  const expr = d.namedChildren.find((c) => c && c.type !== 'comment');
  if (!expr) return undefined;
  if (expr.type === 'call') {
    const fn = expr.childForFieldName('function');
    return fn ? { node: fn, called: true } : undefined;
  }
  return { node: expr, called: false };
}

function unboundName(name: string, node: SyntaxNode, tree: SyntaxTree): Finding {
  const where = name === 'FlowSpec' ? 'the class statement runs' : 'the class body runs';
  return finding(
    'MFS026',
    nodeRange(node),
    `'${name}' is not imported. When the file is loaded, Python stops as soon as ${where} and fails with NameError: name '${name}' is not defined`,
    { fixes: [{ title: `Import ${name} from metaflow`, edits: [importEdit(name, tree)], isPreferred: true }] },
  );
}

/** Whether `from metaflow import <name>` comes before `before` (the binding Python replaced). */
function importsFromMetaflow(name: string, before: SyntaxNode | undefined): boolean {
  const root = before?.tree.rootNode;
  for (const stmt of root?.namedChildren ?? []) {
    if (!stmt || !before || stmt.startIndex >= before.startIndex) break;
    if (stmt.type !== 'import_from_statement' || stmt.childForFieldName('module_name')?.text !== 'metaflow') continue;
    if (stmt.childrenForFieldName('name').some((c) => c?.text === name)) return true;
  }
  return false;
}

function moduleNotCallable(name: string, node: SyntaxNode, imp: ImportedName): Finding {
  const related = imp.statement ? [{ range: nodeRange(imp.statement), message: `'${name}' is bound to the module here (Python keeps the last binding)` }] : [];
  const shadowed = importsFromMetaflow(name, imp.statement) ? ` It shadows Metaflow's ${name}, imported earlier.` : '';
  return finding(
    'MFS027',
    nodeRange(node),
    `'${name}' is the module imported by \`import ${name}\`, not Metaflow's decorator.${shadowed} When the class body runs, Python fails with TypeError: 'module' object is not callable`,
    { related, fixes: imp.statement ? [aliasModuleFix(name, imp.statement)] : [] },
  );
}

/** Python's type names of literals a module-level assignment can rebind a decorator name to. */
const LITERAL_TYPES: Readonly<Record<string, string>> = {
  dictionary: 'dict',
  list: 'list',
  string: 'str',
  concatenated_string: 'str',
  integer: 'int',
  float: 'float',
  tuple: 'tuple',
  set: 'set',
  true: 'bool',
  false: 'bool',
  none: 'NoneType',
};

/**
 * `secrets = {...}` at module level between `from metaflow import secrets` and the flow class:
 * Python keeps the last binding executed before the class body runs, so `@secrets(...)` calls
 * the literal. Other rebindings (a wrapper `def`, a call's result) may well be callable and are
 * left alone.
 */
function literalRebinding(
  name: string,
  after: SyntaxNode | undefined,
  flowClass: SyntaxNode,
  text: string,
): { statement: SyntaxNode; type: string } | undefined {
  if (!after || !new RegExp(`^${name}\\s*(?::[^=\\n]*)?=(?!=)`, 'm').test(text)) return undefined;
  const classTop = flowClass.parent?.type === 'decorated_definition' ? flowClass.parent : flowClass;
  let found: { statement: SyntaxNode; type: string } | undefined;
  for (const stmt of flowClass.tree.rootNode.namedChildren) {
    if (!stmt || stmt.startIndex >= classTop.startIndex) break;
    if (stmt.startIndex < after.endIndex || stmt.type !== 'expression_statement') continue;
    const a = stmt.namedChildren[0];
    if (a?.type !== 'assignment' || a.childForFieldName('left')?.text !== name) continue;
    const type = LITERAL_TYPES[a.childForFieldName('right')?.type ?? ''];
    // A later non-literal binding replaces the literal again.
    found = type ? { statement: stmt, type } : undefined;
  }
  return found;
}

function literalNotCallable(name: string, node: SyntaxNode, rebound: { statement: SyntaxNode; type: string }): Finding {
  return finding(
    'MFS027',
    nodeRange(node),
    `'${name}' is rebound to a ${rebound.type} after it was imported from metaflow, so this is not Metaflow's decorator. When the class body runs, Python fails with TypeError: '${rebound.type}' object is not callable`,
    { related: [{ range: nodeRange(rebound.statement), message: `'${name}' is rebound here (Python keeps the last binding before the class body runs)` }] },
  );
}

/** `import secrets` → `import secrets as py_secrets`: the decorator name is Metaflow's again (other uses of the module need the new name). */
function aliasModuleFix(name: string, statement: SyntaxNode): QuickFix {
  for (const c of statement.childrenForFieldName('name')) {
    if (c?.type === 'dotted_name' && c.text === name) {
      return { title: `Import the module as py_${name}`, edits: [{ range: nodeRange(c), newText: `${name} as py_${name}` }] };
    }
  }
  return { title: `Import the module as py_${name}`, edits: [] };
}

/** Adds the name to an existing `from metaflow import ...`, or a new import line at the top. */
function importEdit(name: string, tree: SyntaxTree): TextEdit {
  for (const stmt of tree.rootNode.namedChildren) {
    if (stmt?.type !== 'import_from_statement' || stmt.childForFieldName('module_name')?.text !== 'metaflow') continue;
    const names = stmt.childrenForFieldName('name').filter((c): c is SyntaxNode => !!c);
    const last = names[names.length - 1];
    if (last) {
      const at = nodeRange(last).end;
      return { range: { start: at, end: at }, newText: `, ${name}` };
    }
  }
  const top = importInsertionLine(tree);
  return { range: { start: { line: top, character: 0 }, end: { line: top, character: 0 } }, newText: `from metaflow import ${name}\n` };
}

/** The line before which an import goes: after a module docstring and `from __future__` imports. */
export function importInsertionLine(tree: SyntaxTree): number {
  let line = 0;
  for (const stmt of tree.rootNode.namedChildren) {
    if (!stmt) continue;
    const docstring = stmt.type === 'expression_statement' && stmt.namedChildren[0]?.type === 'string';
    const future = stmt.type === 'future_import_statement';
    if (stmt.type === 'comment' || docstring || future) line = stmt.endPosition.row + 1;
    else break;
  }
  return line;
}

function notExportedImports(tree: SyntaxTree, text: string, findings: Finding[]): void {
  if (!Object.keys(NOT_EXPORTED).some((n) => text.includes(n))) return;
  for (const stmt of tree.rootNode.descendantsOfType('import_from_statement')) {
    if (!stmt || stmt.childForFieldName('module_name')?.text !== 'metaflow') continue;
    const names = stmt.childrenForFieldName('name').filter((c): c is SyntaxNode => !!c);
    for (const c of names) {
      const nameNode = c.type === 'aliased_import' ? c.childForFieldName('name') : c;
      const name = nameNode?.text ?? '';
      const home = NOT_EXPORTED[name];
      if (!home || !nameNode) continue;
      const fixes: QuickFix[] = [];
      const moduleNode = stmt.childForFieldName('module_name');
      if (names.length === 1 && moduleNode) {
        fixes.push({ title: `Import it from ${home}`, edits: [{ range: nodeRange(moduleNode), newText: home }], isPreferred: true });
      } else {
        fixes.push({ title: `Import it from ${home}`, edits: [...removeName(names, c), lineAfter(stmt, `from ${home} import ${c.text}`)], isPreferred: true });
      }
      findings.push(
        finding(
          'MFS028',
          nodeRange(nameNode),
          `'${name}' is not exported by metaflow: importing the file fails with ImportError: cannot import name '${name}' from 'metaflow'. It lives in ${home}: write \`from ${home} import ${name}\`.`,
          { fixes },
        ),
      );
    }
  }
}

/** Removes one name (and its comma) from an import list of several. */
function removeName(names: SyntaxNode[], c: SyntaxNode): TextEdit[] {
  const i = names.indexOf(c);
  const from: Range['start'] = i > 0 ? nodeRange(names[i - 1]).end : nodeRange(c).start;
  const to: Range['end'] = i > 0 ? nodeRange(c).end : nodeRange(names[i + 1]).start;
  return [{ range: { start: from, end: to }, newText: '' }];
}

function lineAfter(stmt: SyntaxNode, text: string): TextEdit {
  const line = stmt.endPosition.row + 1;
  const indent = ' '.repeat(stmt.startPosition.column);
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${text}\n` };
}
