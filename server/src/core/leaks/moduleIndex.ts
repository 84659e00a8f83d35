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
  /** Module-level names bound to a list or tuple of plain strings (`SECRET_NAMES = ["A", "B"]`); null when rebound. */
  private readonly stringLists = new Map<string, string[] | null>();
  /** Module-level loggers given a filter of this file that rewrites the record's message. */
  readonly redactedLoggers = new Set<string>();

  constructor(
    root: SyntaxNode,
    imports: ImportedNames,
    private readonly model: DocumentModel,
  ) {
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
        this.bases.set(
          name,
          (sup?.namedChildren ?? []).filter((b) => b?.type === 'identifier').map((b) => b!.text),
        );
      } else if (top.type === 'expression_statement') {
        const a = top.namedChildren[0];
        const left = a?.childForFieldName('left');
        const right = a?.childForFieldName('right');
        if (a?.type === 'assignment' && left?.type === 'identifier' && right?.type === 'string') {
          const plain = !right.namedChildren.some((c) => c?.type === 'interpolation');
          const text = right.namedChildren
            .filter((c) => c?.type === 'string_content')
            .map((c) => c!.text)
            .join('');
          this.strings.set(left.text, this.strings.has(left.text) || !plain ? null : text);
        }
        if (a?.type === 'assignment' && left?.type === 'identifier' && right?.type === 'call') {
          const q = imports.qualify(right.childForFieldName('function'));
          if (q && /(^|\.)getLogger$/.test(q)) this.loggers.add(left.text);
        }
        if (a?.type === 'assignment' && left?.type === 'identifier' && right?.type === 'lambda') this.functions.set(left.text, right);
        if (a?.type === 'assignment' && left?.type === 'identifier' && (right?.type === 'list' || right?.type === 'tuple')) {
          const items = right.namedChildren.filter((c) => c && c.type !== 'comment');
          const strs = items.every((c) => c?.type === 'string' && !c.namedChildren.some((x) => x?.type === 'interpolation'))
            ? items.map((c) =>
                c!.namedChildren
                  .filter((x) => x?.type === 'string_content')
                  .map((x) => x!.text)
                  .join(''),
              )
            : undefined;
          this.stringLists.set(left.text, this.stringLists.has(left.text) || !strs ? null : strs);
        }
      }
    }
    for (const top of root.namedChildren) {
      const call = top?.type === 'expression_statement' ? top.namedChildren[0] : undefined;
      const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
      const target = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
      if (target?.type !== 'identifier' || fn?.childForFieldName('attribute')?.text !== 'addFilter' || !this.loggers.has(target.text)) continue;
      const made = call?.childForFieldName('arguments')?.namedChildren[0];
      const cls = made?.type === 'call' ? made.childForFieldName('function')?.text : undefined;
      if (cls && this.redacts(cls)) this.redactedLoggers.add(target.text);
    }
  }

  /** A logging.Filter subclass of this file whose filter() rewrites the record's message or arguments. */
  private redacts(cls: string): boolean {
    const node = this.classes.get(cls);
    const sup = node?.childForFieldName('superclasses')?.text ?? '';
    const filter = this.methods.get(cls)?.get('filter');
    return /\bFilter\b/.test(sup) && !!filter && /\brecord\s*\.\s*(msg|args)\s*=(?!=)/.test(filter.text);
  }

  /** The strings a module-level list or tuple of literals holds (`for name in SECRET_NAMES`). */
  stringList(name: string): readonly string[] | undefined {
    return this.stringLists.get(name) ?? undefined;
  }

  /**
   * The fields of a dataclass or NamedTuple of this file, in order, with whether the generated
   * repr shows them (`field(repr=False)` hides one); undefined for any other class.
   */
  dataShape(cls: string): { fields: { name: string; repr: boolean }[] } | undefined {
    const node = this.classes.get(cls);
    if (!node) return undefined;
    const decorated = node.parent?.type === 'decorated_definition' ? node.parent : undefined;
    const isData =
      !!decorated?.namedChildren.some((d) => d?.type === 'decorator' && /^@\s*(dataclasses\s*\.\s*)?dataclass\b/.test(d.text)) ||
      /\bNamedTuple\b/.test(node.childForFieldName('superclasses')?.text ?? '');
    if (!isData) return undefined;
    const fields: { name: string; repr: boolean }[] = [];
    for (const st of node.childForFieldName('body')?.namedChildren ?? []) {
      const a = st?.type === 'expression_statement' ? st.namedChildren[0] : undefined;
      const left = a?.type === 'assignment' ? a.childForFieldName('left') : undefined;
      if (!a || left?.type !== 'identifier' || !a.childForFieldName('type')) continue;
      const value = a.childForFieldName('right')?.text ?? '';
      if (/^ClassVar\b|typing\.ClassVar\b/.test(a.childForFieldName('type')?.text ?? '')) continue;
      fields.push({ name: left.text, repr: !/\brepr\s*=\s*False\b/.test(value) });
    }
    return { fields };
  }

  /** The string a module-level name is bound to once (`KEY = "DB_PASSWORD"`), if any. */
  constant(name: string): string | undefined {
    if (this.strings.get(name) === undefined) return undefined;
    const v = this.model.literalBinding(name);
    return v?.kind === 'str' ? v.value : (this.strings.get(name) ?? undefined);
  }

  /**
   * Whether every base of `cls` is `object` or a class of this file with the same property: then
   * its attributes, methods and text are all known here. A library base (pydantic.BaseModel,
   * Exception, requests.Session) may add any of them.
   */
  hasOwnBases(cls: string, seen = new Set<string>()): boolean {
    const node = this.classes.get(cls);
    if (!node || seen.has(cls)) return false;
    seen.add(cls);
    for (const b of node.childForFieldName('superclasses')?.namedChildren ?? []) {
      if (!b || b.type === 'comment') continue;
      if (b.type !== 'identifier') return false;
      if (b.text !== 'object' && !this.hasOwnBases(b.text, seen)) return false;
    }
    return true;
  }

  /** The bases `class cls(A, B)` names (identifiers only); empty for a class not in this file. */
  baseNames(cls: string): readonly string[] {
    return this.bases.get(cls) ?? [];
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
  return n.type === 'decorated_definition' ? (n.childForFieldName('definition') ?? n) : n;
}

/** Parameter names in order (positional index = position here; `self` included), with literal defaults' nodes. */
export function parameterNames(fn: SyntaxNode): { name: string; node: SyntaxNode; default?: SyntaxNode }[] {
  const out: { name: string; node: SyntaxNode; default?: SyntaxNode }[] = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    let id: SyntaxNode | null | undefined;
    let def: SyntaxNode | null | undefined;
    if (p.type === 'identifier') id = p;
    else if (p.type === 'typed_parameter') id = p.namedChildren.find((c) => c?.type === 'identifier');
    else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      id = p.childForFieldName('name');
      def = p.childForFieldName('value');
    }
    if (id) out.push(def ? { name: id.text, node: id, default: def } : { name: id.text, node: id });
  }
  return out;
}

/** Whether a def carries `@staticmethod` (called on self, it gets no self). */
export function isStaticMethod(fn: SyntaxNode): boolean {
  const parent = fn.parent;
  if (parent?.type !== 'decorated_definition') return false;
  return parent.namedChildren.some((d) => d?.type === 'decorator' && /^@\s*staticmethod\s*$/.test(d.text));
}
