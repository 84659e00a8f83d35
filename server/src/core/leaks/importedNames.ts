import { SyntaxNode } from '../parser';
import { DocumentModel } from '../flowModel';
import { nodesMatching } from './nodesMatching';

const IMPORT_TYPES = new Set(['import_statement', 'import_from_statement']);

// Metaflow's card components (metaflow.cards): they hold what they are given and render it.
const CARD_COMPONENTS = new Set([
  'Artifact',
  'Table',
  'Image',
  'Error',
  'Markdown',
  'VegaChart',
  'ProgressBar',
  'ValueBox',
  'PythonCode',
  'EventsTimeline',
  'JSONViewer',
  'YAMLViewer',
]);

/**
 * Resolves expressions to dotted names through the file's imports, so `environ.get` after
 * `from os import environ` and `o.getenv` after `import os as o` both read as `os....`.
 */
export class ImportedNames {
  private readonly local = new Map<string, string>();

  constructor(
    root: SyntaxNode,
    private readonly model: DocumentModel,
  ) {
    // Imports anywhere in the file count (steps often `import os` in their body).
    for (const stmt of nodesMatching(root, /^[ \t]*((?:import|from)\b)/m, IMPORT_TYPES)) this.add(stmt);
  }

  private add(stmt: SyntaxNode): void {
    if (stmt.type !== 'import_statement' && stmt.type !== 'import_from_statement') return;
    if (stmt.type === 'import_statement') {
      for (const c of stmt.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') {
          const mod = c.childForFieldName('name')?.text;
          const alias = c.childForFieldName('alias')?.text;
          if (mod && alias) this.local.set(alias, normalise(mod));
        } else {
          const top = c.text.split('.')[0];
          this.local.set(top, top);
        }
      }
      return;
    }
    const mod = stmt.childForFieldName('module_name')?.text;
    if (!mod) return; // relative modules are kept as written (`.helpers`): the workspace resolves them
    if (mod.startsWith('metaflow') && mod.includes('card') && stmt.namedChildren.some((c) => c?.type === 'wildcard_import')) {
      for (const name of CARD_COMPONENTS) if (!this.local.has(name)) this.local.set(name, `metaflow.cards.${name}`);
    }
    for (const c of stmt.childrenForFieldName('name')) {
      if (!c) continue;
      if (c.type === 'aliased_import') {
        const name = c.childForFieldName('name')?.text;
        const alias = c.childForFieldName('alias')?.text;
        if (name && alias) this.local.set(alias, normalise(`${mod}.${name}`));
      } else {
        this.local.set(c.text, normalise(`${mod}.${c.text}`));
      }
    }
  }

  /** The dotted name an expression denotes (`os.environ.get`, `metaflow.current.card[].append`), if any. */
  qualify(n: SyntaxNode | null | undefined): string | undefined {
    if (!n) return undefined;
    switch (n.type) {
      case 'identifier': {
        const imp = this.local.get(n.text);
        if (imp) return imp;
        const sym = this.model.metaflowSymbol(n);
        if (sym) return `metaflow.${sym}`;
        return n.text;
      }
      case 'attribute': {
        const base = this.qualify(n.childForFieldName('object'));
        const attr = n.childForFieldName('attribute')?.text;
        return base && attr ? normalise(`${base}.${attr}`) : undefined;
      }
      case 'subscript': {
        const base = this.qualify(n.childForFieldName('value'));
        return base ? `${base}[]` : undefined;
      }
      case 'call': {
        const base = this.qualify(n.childForFieldName('function'));
        return base ? `${base}()` : undefined;
      }
      case 'parenthesized_expression':
        return this.qualify(n.namedChildren.find((c) => c && c.type !== 'comment'));
      default:
        return undefined;
    }
  }

  /** True when `name` is bound by an import (so a bare `print` is not shadowed by one). */
  isImported(name: string): boolean {
    return this.local.has(name);
  }
}

/** One spelling per Metaflow symbol, whichever submodule it was imported from. */
function normalise(q: string): string {
  if (!q.startsWith('metaflow')) return q;
  const parts = q.split('.');
  const last = parts[parts.length - 1];
  if (parts.length >= 2 && last === 'get_secret') return 'metaflow.get_secret';
  if (parts.length >= 2 && last === 'current' && !parts.slice(0, -1).includes('current')) return 'metaflow.current';
  if (parts.length >= 2 && CARD_COMPONENTS.has(last) && parts[parts.length - 2] !== 'current') return `metaflow.cards.${last}`;
  return q;
}

export function isCardComponent(q: string | undefined): boolean {
  return !!q && q.startsWith('metaflow.cards.') && CARD_COMPONENTS.has(q.slice('metaflow.cards.'.length));
}
