import { Range } from './positions';
import { nodeRange, SyntaxNode, SyntaxTree } from './parser';
import type { AnalysisCache } from './analysisCache';
import { evaluate, fromFile, NameLookup, PyValue } from './literals';

/** Metaflow names the model understands, whatever they are imported as. */
export type MetaflowSymbol = 'FlowSpec' | 'step' | 'secrets' | 'environment' | 'get_secret' | 'current';
const KNOWN: ReadonlySet<string> = new Set<MetaflowSymbol>(['FlowSpec', 'step', 'secrets', 'environment', 'get_secret', 'current']);

export interface KeywordArg {
  name: string;
  nameRange: Range;
  range: Range;
  value: PyValue;
}

export interface DecoratorModel {
  /** Which Metaflow decorator this is, or 'other'. */
  kind: 'secrets' | 'environment' | 'step' | 'other';
  node: SyntaxNode;
  range: Range;
  /** The decorator's name as written (e.g. `secrets` or `metaflow.secrets`). */
  nameRange: Range;
  isCall: boolean;
  positional: PyValue[];
  keywords: KeywordArg[];
  /** `**kwargs` in the call: attributes are not statically known. */
  hasSplat: boolean;
}

export interface StepModel {
  name: string;
  nameRange: Range;
  range: Range;
  /** The `function_definition` node: the body the dataflow analyses walk. */
  functionNode: SyntaxNode;
  decorators: DecoratorModel[];
  /** Index of `@step` in `decorators` (top to bottom). */
  stepIndex: number;
  flowName: string;
}

export interface FlowClassModel {
  name: string;
  nameRange: Range;
  range: Range;
  node: SyntaxNode;
  /** true: derives from FlowSpec; 'unknown': has steps but its base could not be followed. */
  isFlowSpec: true | 'unknown';
  steps: StepModel[];
  baseNames: string[];
}

export interface MisplacedDecorator {
  decorator: DecoratorModel;
  where: 'class' | 'below-step' | 'not-a-step';
  /** The decorated function's or class's name. */
  targetName: string;
}

export interface DocumentModel {
  flows: FlowClassModel[];
  misplaced: MisplacedDecorator[];
  /** True when the file imports metaflow in any form. */
  importsMetaflow: boolean;
  /** Modules this file imports (as written, with leading dots for relative imports). */
  importedModules: string[];
  /** Module-level names bound once to a literal (what other files may import). */
  literalBinding(name: string): PyValue | undefined;
  /** Module-level names with an assignment (candidates for `literalBinding`). */
  assignedNames: string[];
  /** Top-level class names deriving (in this file) from FlowSpec or a flow base. */
  flowClassNames: ReadonlySet<string>;
  /** Resolves an expression used as a callee/decorator to the Metaflow symbol it names. */
  metaflowSymbol(n: SyntaxNode): MetaflowSymbol | undefined;
  bindings: ModuleBindings;
}

/** What other files of the workspace know; absent for a file analysed alone. */
export interface ExternalSymbols {
  /** The literal a name imported from `module` (as written, relative to `fromFile`) is bound to. */
  literal(module: string, name: string): PyValue | undefined;
  /** Whether the class `name` of `module` is a flow (derives from FlowSpec). */
  isFlowClass(module: string, name: string): boolean | undefined;
  /** The file path of `module` as resolved, for related locations. */
  fileOf(module: string): string | undefined;
}

export interface ImportedName {
  module: string;
  name?: string; // absent: the local name is the module itself
  /** The import statement that binds it (the last one, as Python keeps the last binding). */
  statement?: SyntaxNode;
}

/** How module-level names are bound: what Python itself will resolve (or fail to) when the file runs. */
export interface ModuleBindings {
  imports: ReadonlyMap<string, ImportedName>;
  /** Every name bound at module level by any statement (imports, assignments, defs, classes). */
  bound: ReadonlySet<string>;
  /** Modules imported with `*` (which may bind anything). */
  starModules: readonly string[];
}

/** Builds the flow model of one parsed file. Never throws on half-typed code. */
export function buildModel(tree: SyntaxTree, external?: ExternalSymbols, cache?: AnalysisCache): DocumentModel {
  const root = tree.rootNode;
  const imports = new Map<string, ImportedName>();
  const starModules: string[] = [];
  const importedModules: string[] = [];
  const bindCount = new Map<string, number>();
  const literalNodes = new Map<string, SyntaxNode>();
  const bump = (name: string) => bindCount.set(name, (bindCount.get(name) ?? 0) + 1);

  const bindings: Bindings = { imports, starModules, importedModules, bump, literalNodes };
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    collectBindings(stmt, bindings);
  }

  const importsMetaflow = importedModules.some((m) => m === 'metaflow' || m.startsWith('metaflow.'));

  const metaflowSymbol = (n: SyntaxNode): MetaflowSymbol | undefined => {
    if (n.type === 'identifier') {
      const imp = imports.get(n.text);
      if (imp) {
        if (imp.name && (imp.module === 'metaflow' || imp.module.startsWith('metaflow.')) && KNOWN.has(imp.name)) {
          return imp.name as MetaflowSymbol;
        }
        return undefined;
      }
      // Unbound here: Metaflow's if it comes from `from metaflow import *`, or (being lenient while
      // the user types the import) if nothing else in the file binds it.
      if (KNOWN.has(n.text) && !bindCount.has(n.text)) {
        if (starModules.includes('metaflow') || importsMetaflow) return n.text as MetaflowSymbol;
      }
      return undefined;
    }
    if (n.type === 'attribute') {
      const obj = n.childForFieldName('object');
      const attr = n.childForFieldName('attribute');
      if (obj?.type === 'identifier' && attr) {
        const imp = imports.get(obj.text);
        if (imp && !imp.name && imp.module === 'metaflow' && KNOWN.has(attr.text)) return attr.text as MetaflowSymbol;
      }
    }
    return undefined;
  };

  const moduleLookup = makeLookup(literalNodes, bindCount, imports, external);

  // `DB = secrets(sources=[...])` at module level, then `@DB` on steps: Metaflow applies it like
  // the call itself (checked with 2.19.39, also when reused on several steps).
  const decoratorAliases = new Map<string, SyntaxNode>();
  for (const [name, node] of literalNodes) {
    if (bindCount.get(name) !== 1 || node.type !== 'call') continue;
    const fn = node.childForFieldName('function');
    const sym = fn ? metaflowSymbol(fn) : undefined;
    if (sym === 'secrets' || sym === 'environment') decoratorAliases.set(name, node);
  }

  const flowClassNames = new Set<string>();
  const flows: FlowClassModel[] = [];
  const misplaced: MisplacedDecorator[] = [];
  const ctx: Ctx = { metaflowSymbol, moduleLookup, imports, external, flowClassNames, flows, misplaced, cache, decoratorAliases };

  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    visitTopLevel(stmt, ctx);
  }

  return {
    flows,
    misplaced,
    importsMetaflow,
    importedModules,
    literalBinding: (name) => moduleLookup(name, root),
    assignedNames: [...literalNodes.keys()],
    flowClassNames,
    metaflowSymbol,
    bindings: { imports, bound: new Set(bindCount.keys()), starModules },
  };
}

interface Ctx {
  /** Module-level names bound once to a Metaflow decorator call, usable as `@name`. */
  decoratorAliases: ReadonlyMap<string, SyntaxNode>;
  /** Decorators evaluated by earlier analyses (absent: every decorator is evaluated). */
  cache?: AnalysisCache;
  metaflowSymbol: (n: SyntaxNode) => MetaflowSymbol | undefined;
  moduleLookup: NameLookup;
  imports: Map<string, ImportedName>;
  external?: ExternalSymbols;
  flowClassNames: Set<string>;
  flows: FlowClassModel[];
  misplaced: MisplacedDecorator[];
}

/** What a scan of a scope's statements fills in: its imports, the names it binds (and how often), their literal values. */
interface Bindings {
  imports: Map<string, ImportedName>;
  starModules: string[];
  importedModules: string[];
  bump: (name: string) => void;
  literalNodes: Map<string, SyntaxNode>;
}

function collectBindings(stmt: SyntaxNode, b: Bindings): void {
  const { imports, starModules, importedModules, bump, literalNodes } = b;
  switch (stmt.type) {
    case 'import_statement':
      for (const c of stmt.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') {
          const mod = c.childForFieldName('name')?.text;
          const alias = c.childForFieldName('alias')?.text;
          if (mod && alias) {
            imports.set(alias, { module: mod, statement: stmt });
            importedModules.push(mod);
            bump(alias);
          }
        } else {
          importedModules.push(c.text);
          const top = c.text.split('.')[0];
          imports.set(top, { module: top, statement: stmt });
          bump(top);
        }
      }
      return;
    case 'import_from_statement': {
      const mod = stmt.childForFieldName('module_name')?.text;
      if (!mod) return;
      importedModules.push(mod);
      if (stmt.namedChildren.some((c) => c?.type === 'wildcard_import')) starModules.push(mod);
      for (const c of stmt.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text;
          const alias = c.childForFieldName('alias')?.text;
          if (name && alias) {
            imports.set(alias, { module: mod, name, statement: stmt });
            bump(alias);
          }
        } else {
          imports.set(c.text, { module: mod, name: c.text, statement: stmt });
          bump(c.text);
        }
      }
      return;
    }
    case 'expression_statement': {
      const a = stmt.namedChildren[0];
      if (a?.type === 'assignment') {
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        if (left?.type === 'identifier') {
          bump(left.text);
          if (right) literalNodes.set(left.text, right);
        } else if (left) {
          for (const id of left.descendantsOfType('identifier')) if (id) bump(id.text);
        }
      } else if (a?.type === 'augmented_assignment') {
        const left = a.childForFieldName('left');
        if (left?.type === 'identifier') {
          bump(left.text);
          bump(left.text);
        }
      }
      return;
    }
    case 'class_definition':
    case 'function_definition': {
      const name = stmt.childForFieldName('name')?.text;
      if (name) bump(name);
      return;
    }
    case 'decorated_definition': {
      const def = stmt.childForFieldName('definition');
      if (def) collectBindings(def, b);
      return;
    }
    case 'if_statement':
    case 'try_statement':
    case 'with_statement':
    case 'for_statement':
    case 'while_statement':
      // Bindings under control flow are conditional: count each twice so they never read as literals.
      for (const id of stmt.descendantsOfType(['identifier'])) {
        const p = id?.parent;
        if (id && p && (p.type === 'assignment' || p.type === 'for_statement') && p.childForFieldName('left')?.id === id.id) {
          bump(id.text);
          bump(id.text);
        }
      }
      for (const imp of stmt.descendantsOfType(['import_statement', 'import_from_statement'])) {
        if (imp) collectBindings(imp, b);
      }
      return;
  }
}

/** Names being resolved through other names right now, across every scope's lookup. */
let lookupDepth = 0;
const MAX_LOOKUP_CHAIN = 48;

function makeLookup(
  literalNodes: Map<string, SyntaxNode>,
  bindCount: Map<string, number>,
  imports: Map<string, ImportedName>,
  external: ExternalSymbols | undefined,
  outer?: NameLookup,
): NameLookup {
  const resolving = new Set<string>();
  const lookup: NameLookup = (name, at) => {
    const count = bindCount.get(name);
    if (count === undefined) return outer?.(name, at);
    if (count !== 1) return undefined;
    const node = literalNodes.get(name);
    if (node) {
      // Only a binding that comes before the use counts at module level.
      // (Looked up from the module node itself, as other files do, every binding counts.)
      if (node.startIndex > at.startIndex && at.type !== 'module' && !outer) return undefined;
      // A name bound to a name bound to a name...: each link is a nested evaluation, so a long
      // chain (generated code) would overflow the stack; past a few dozen links it is dynamic.
      if (resolving.has(name) || lookupDepth >= MAX_LOOKUP_CHAIN) return undefined;
      resolving.add(name);
      lookupDepth++;
      try {
        const v = evaluate(node, lookup);
        return v.kind === 'dynamic' ? undefined : v;
      } finally {
        lookupDepth--;
        resolving.delete(name);
      }
    }
    const imp = imports.get(name);
    if (imp?.name && external) {
      const v = external.literal(imp.module, imp.name);
      const file = external.fileOf(imp.module);
      if (v) return file ? fromFile(v, file) : v;
    }
    return undefined;
  };
  return lookup;
}

function visitTopLevel(stmt: SyntaxNode, ctx: Ctx): void {
  let decorators: SyntaxNode[] = [];
  let def = stmt;
  if (stmt.type === 'decorated_definition') {
    decorators = stmt.namedChildren.filter((c): c is SyntaxNode => !!c && c.type === 'decorator');
    const d = stmt.childForFieldName('definition');
    if (!d) return;
    def = d;
  }
  if (def.type === 'class_definition') {
    visitClass(def, decorators, ctx);
  } else if (def.type === 'function_definition') {
    // A module-level function cannot be a step: any @secrets on it is misplaced.
    const decos = decorators.map((d) => decoratorModel(d, ctx, ctx.moduleLookup));
    const name = def.childForFieldName('name')?.text ?? '?';
    reportFunctionDecorators(decos, name, false, ctx);
  }
}

function visitClass(cls: SyntaxNode, decoratorNodes: SyntaxNode[], ctx: Ctx): void {
  const name = cls.childForFieldName('name');
  const body = cls.childForFieldName('body');
  if (!name) return;
  for (const d of decoratorNodes) {
    const m = decoratorModel(d, ctx, ctx.moduleLookup);
    if (m.kind === 'secrets') ctx.misplaced.push({ decorator: m, where: 'class', targetName: name.text });
  }
  const bases = cls.childForFieldName('superclasses');
  const baseNames: string[] = [];
  let derives: boolean | undefined = false;
  for (const b of bases?.namedChildren ?? []) {
    if (!b || b.type === 'keyword_argument' || b.type === 'comment') continue;
    baseNames.push(b.text);
    if (ctx.metaflowSymbol(b) === 'FlowSpec' || ctx.flowClassNames.has(b.text)) {
      derives = true;
      continue;
    }
    const imp = b.type === 'identifier' ? ctx.imports.get(b.text) : undefined;
    if (imp?.name && ctx.external) {
      const ext = ctx.external.isFlowClass(imp.module, imp.name);
      if (ext) derives = true;
      else if (ext === undefined && derives === false) derives = undefined;
    } else if (derives === false && b.type !== 'identifier') derives = undefined;
  }
  if (derives) ctx.flowClassNames.add(name.text);

  const classLookup = body ? classScopeLookup(body, ctx) : ctx.moduleLookup;
  const steps: StepModel[] = [];
  for (const member of body?.namedChildren ?? []) {
    if (!member) continue;
    let fn = member;
    let decoNodes: SyntaxNode[] = [];
    if (member.type === 'decorated_definition') {
      decoNodes = member.namedChildren.filter((c): c is SyntaxNode => !!c && c.type === 'decorator');
      const d = member.childForFieldName('definition');
      if (!d) continue;
      fn = d;
    }
    if (fn.type !== 'function_definition') continue;
    const fname = fn.childForFieldName('name');
    if (!fname) continue;
    const decos = decoNodes.map((d) => decoratorModel(d, ctx, classLookup));
    const stepIndex = decos.findIndex((d) => d.kind === 'step');
    reportFunctionDecorators(decos, fname.text, true, ctx);
    if (stepIndex >= 0) {
      steps.push({
        name: fname.text,
        nameRange: nodeRange(fname),
        range: nodeRange(member),
        functionNode: fn,
        decorators: decos,
        stepIndex,
        flowName: name.text,
      });
    }
  }
  if (derives || steps.length > 0) {
    ctx.flows.push({
      name: name.text,
      nameRange: nodeRange(name),
      range: nodeRange(cls),
      node: cls,
      isFlowSpec: derives ? true : 'unknown',
      steps,
      baseNames,
    });
  }
}

/** Names bound in the class body before a decorator are visible to it (class scope, then module). */
function classScopeLookup(body: SyntaxNode, ctx: Ctx): NameLookup {
  const literalNodes = new Map<string, SyntaxNode>();
  const bindCount = new Map<string, number>();
  const bump = (n: string) => bindCount.set(n, (bindCount.get(n) ?? 0) + 1);
  const bindings: Bindings = { imports: new Map(), starModules: [], importedModules: [], bump, literalNodes };
  for (const stmt of body.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'expression_statement' || stmt.type === 'function_definition' || stmt.type === 'decorated_definition') {
      collectBindings(stmt, bindings);
    }
  }
  const inner = makeLookup(literalNodes, bindCount, new Map(), undefined, ctx.moduleLookup);
  return (name, at) => {
    const node = literalNodes.get(name);
    if (node && node.startIndex > at.startIndex) return ctx.moduleLookup(name, at);
    return inner(name, at);
  };
}

function reportFunctionDecorators(decos: DecoratorModel[], fname: string, inClass: boolean, ctx: Ctx): void {
  const stepIndex = inClass ? decos.findIndex((d) => d.kind === 'step') : -1;
  decos.forEach((d, i) => {
    if (d.kind !== 'secrets') return;
    if (stepIndex < 0) ctx.misplaced.push({ decorator: d, where: 'not-a-step', targetName: fname });
    else if (i > stepIndex) ctx.misplaced.push({ decorator: d, where: 'below-step', targetName: fname });
  });
}

function decoratorModel(d: SyntaxNode, ctx: Ctx, lookup: NameLookup): DecoratorModel {
  const written = d.namedChildren.find((c) => c && c.type !== 'comment') ?? d;
  const alias = written.type === 'identifier' ? ctx.decoratorAliases.get(written.text) : undefined;
  const expr = alias ?? written;
  const isCall = expr.type === 'call';
  const callee = isCall ? (expr.childForFieldName('function') ?? expr) : expr;
  const sym = ctx.metaflowSymbol(callee);
  const kind: DecoratorModel['kind'] = sym === 'secrets' ? 'secrets' : sym === 'environment' ? 'environment' : sym === 'step' ? 'step' : 'other';
  if (!isCall || kind === 'other') {
    return { kind, node: d, range: nodeRange(d), nameRange: nodeRange(callee), isCall, positional: [], keywords: [], hasSplat: false };
  }
  // While typing, every decorator but the edited one is unchanged: reuse its evaluation when its
  // place, text and kind are the same and every name it looked up still means the same literal.
  const key = `${d.startPosition.row}:${d.startPosition.column}:${kind}:${d.text}${alias ? `=${alias.text}` : ''}`;
  const hit = ctx.cache?.decorators.get(key);
  if (hit && hit.lookups.every((l) => JSON.stringify(lookup(l.name, d) ?? null) === l.value)) {
    return { ...hit.model, node: d };
  }
  const lookups: { name: string; value: string }[] = [];
  const recording: NameLookup = (name, at) => {
    const v = lookup(name, at);
    lookups.push({ name, value: JSON.stringify(v ?? null) });
    return v;
  };
  const model = evaluateDecorator(d, expr, callee, kind, recording);
  ctx.cache?.decorators.set(key, { model: { ...model, node: undefined as unknown as SyntaxNode }, lookups });
  return model;
}

function evaluateDecorator(d: SyntaxNode, expr: SyntaxNode, callee: SyntaxNode, kind: DecoratorModel['kind'], lookup: NameLookup): DecoratorModel {
  const isCall = true;
  const positional: PyValue[] = [];
  const keywords: KeywordArg[] = [];
  let hasSplat = false;
  {
    const args = expr.childForFieldName('arguments');
    for (const a of args?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const n = a.childForFieldName('name');
        const v = a.childForFieldName('value');
        if (!n) continue;
        keywords.push({
          name: n.text,
          nameRange: nodeRange(n),
          range: nodeRange(a),
          value: v ? evaluate(v, lookup) : { kind: 'dynamic', reason: 'a missing value', range: nodeRange(a) },
        });
      } else if (a.type === 'dictionary_splat' || a.type === 'list_splat') {
        hasSplat = true;
      } else {
        positional.push(evaluate(a, lookup));
      }
    }
  }
  return { kind, node: d, range: nodeRange(d), nameRange: nodeRange(callee), isCall, positional, keywords, hasSplat };
}

/** The last value given for a keyword (Python refuses repeats; the parser does not). */
export function keyword(d: DecoratorModel, name: string): KeywordArg | undefined {
  for (let i = d.keywords.length - 1; i >= 0; i--) if (d.keywords[i].name === name) return d.keywords[i];
  return undefined;
}
