import { SyntaxNode } from '../parser';
import { DocumentModel } from '../flowModel';
import { ImportedNames } from './importedNames';

/** The file's own definitions a step may call: module functions, classes, methods, module-level loggers. */
export class ModuleIndex {
  readonly functions = new Map<string, SyntaxNode>();
  readonly classes = new Map<string, SyntaxNode>();
  private readonly methods = new Map<string, Map<string, SyntaxNode>>();
  private readonly bases = new Map<string, string[]>();
  readonly loggers = new Set<string>();
  /** Module-level names bound to a plain string literal; null when bound more than once. */
  private readonly strings = new Map<string, string | null>();

  constructor(root: SyntaxNode, imports: ImportedNames, private readonly model: DocumentModel) {
    for (const top of root.namedChildren) {
      if (!top) continue;
      const def = unwrap(top);
      const name = def.childForFieldName('name')?.text;
      if (def.type === 'function_definition' && name) this.functions.set(name, def);
      else if (def.type === 'class_definition' && name) {
        this.classes.set(name, def);
        const methods = new Map<string, SyntaxNode>();
        for (const m of def.childForFieldName('body')?.namedChildren ?? []) {
          if (!m) continue;
          const f = unwrap(m);
          const mn = f.childForFieldName('name')?.text;
          if (f.type === 'function_definition' && mn) methods.set(mn, f);
        }
        this.methods.set(name, methods);
        const sup = def.childForFieldName('superclasses');
        this.bases.set(name, (sup?.namedChildren ?? []).filter((b) => b?.type === 'identifier').map((b) => b!.text));
      } else if (top.type === 'expression_statement') {
        const a = top.namedChildren[0];
        const left = a?.childForFieldName('left');
        const right = a?.childForFieldName('right');
        if (a?.type === 'assignment' && left?.type === 'identifier' && right?.type === 'string') {
          const plain = !right.namedChildren.some((c) => c?.type === 'interpolation');
          const text = right.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c!.text).join('');
          this.strings.set(left.text, this.strings.has(left.text) || !plain ? null : text);
        }
        if (a?.type === 'assignment' && left?.type === 'identifier' && right?.type === 'call') {
          const q = imports.qualify(right.childForFieldName('function'));
          if (q && /(^|\.)getLogger$/.test(q)) this.loggers.add(left.text);
        }
      }
    }
  }

  /** The string a module-level name is bound to once (`KEY = "DB_PASSWORD"`), if any. */
  constant(name: string): string | undefined {
    if (this.strings.get(name) === undefined) return undefined;
    const v = this.model.literalBinding(name);
    return v?.kind === 'str' ? v.value : this.strings.get(name) ?? undefined;
  }

  /** A method of `cls` or of a base class defined in this file. */
  method(cls: string, name: string, seen = new Set<string>()): SyntaxNode | undefined {
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    const m = this.methods.get(cls)?.get(name);
    if (m) return m;
    for (const b of this.bases.get(cls) ?? []) {
      const found = this.method(b, name, seen);
      if (found) return found;
    }
    return undefined;
  }
}

function unwrap(n: SyntaxNode): SyntaxNode {
  return n.type === 'decorated_definition' ? n.childForFieldName('definition') ?? n : n;
}

/** Parameter names in order (positional index = position here; `self` included). */
export function parameterNames(fn: SyntaxNode): { name: string; node: SyntaxNode }[] {
  const out: { name: string; node: SyntaxNode }[] = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    let id: SyntaxNode | null | undefined;
    if (p.type === 'identifier') id = p;
    else if (p.type === 'typed_parameter') id = p.namedChildren.find((c) => c?.type === 'identifier');
    else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') id = p.childForFieldName('name');
    if (id) out.push({ name: id.text, node: id });
  }
  return out;
}
