import { Finding, finding } from './findings';
import { DocumentModel } from './flowModel';
import { nodeRange, SyntaxNode } from './parser';
import { pyStrRepr } from './literals';

// Decorator arguments are evaluated when the class body runs (the file is loaded), before any
// task exists. `current`'s run attributes are None then (checked with metaflow 2.19.39), so a
// source built from them names the wrong secret ("api-keys-None") or is None itself.

const NONE_BEFORE_A_TASK = new Set(['namespace', 'flow_name', 'run_id', 'step_name', 'task_id', 'username', 'retry_count', 'origin_run_id', 'pathspec']);

/** Text that may read one of those attributes (of `current` under any alias). */
const READS_RUN_ATTRIBUTE = new RegExp(`\\.\\s*(${[...NONE_BEFORE_A_TASK].join('|')})\\b`);

export function classTimeSourceFindings(model: DocumentModel): Finding[] {
  const out: Finding[] = [];
  for (const flow of model.flows) {
    for (const step of flow.steps) {
      for (const d of step.decorators) {
        // Walking the sources costs node API calls on every keystroke: only where such an attribute is read.
        if (d.kind !== 'secrets' || !READS_RUN_ATTRIBUTE.test(d.node.text)) continue;
        const sources = sourcesArgument(d.node);
        if (!sources) continue;
        const items =
          sources.type === 'list' || sources.type === 'tuple' ? sources.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment') : [sources];
        for (const item of items) {
          const f = itemFinding(item, model);
          if (f) out.push(f);
        }
      }
    }
  }
  return out;
}

function sourcesArgument(d: SyntaxNode): SyntaxNode | undefined {
  const call = d.namedChildren.find((c) => c?.type === 'call');
  for (const a of call?.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'sources') return a.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

/** `current.<attr>` of Metaflow's `current`, when it is None before a task. */
function noneAttribute(n: SyntaxNode, model: DocumentModel): string | undefined {
  if (n.type !== 'attribute') return undefined;
  const obj = n.childForFieldName('object');
  const attr = n.childForFieldName('attribute')?.text ?? '';
  return obj && model.metaflowSymbol(obj) === 'current' && NONE_BEFORE_A_TASK.has(attr) ? attr : undefined;
}

function itemFinding(item: SyntaxNode, model: DocumentModel, asId = false): Finding | undefined {
  const direct = noneAttribute(item, model);
  if (direct && asId) {
    return finding(
      'MFS003',
      nodeRange(item),
      `current.${direct} is None when the decorator is evaluated (the class body runs when the file is loaded, before any task). When the task starts, Metaflow fails: Bad @secrets specification - 'id' must be a string - found <class 'NoneType'>`,
    );
  }
  if (direct) {
    return finding(
      'MFS002',
      nodeRange(item),
      `current.${direct} is None when the decorator is evaluated (the class body runs when the file is loaded, before any task), so this source is None. When the task starts, Metaflow fails: @secrets sources items must be either a string or a dict`,
    );
  }
  if (item.type === 'dictionary') {
    const id = item.namedChildren.find((p) => p?.type === 'pair' && /^["']id["']$/.test(p.childForFieldName('key')?.text ?? ''));
    const value = id?.childForFieldName('value');
    return value ? itemFinding(value, model, true) : undefined;
  }
  if (item.type !== 'string') return undefined;
  const fields = item.children.filter((c): c is SyntaxNode => !!c && c.type === 'interpolation');
  const used = fields.map((f) => f.namedChildren.find((c) => c && c.type !== 'comment')).filter((c): c is SyntaxNode => !!c);
  const attrs = used.map((u) => noneAttribute(u, model));
  if (attrs.length === 0 || attrs.every((a) => a === undefined)) return undefined;
  const named = attrs.filter((a): a is string => !!a);
  // When every field is such an attribute, the id is known exactly: each field renders as "None".
  const rendered = attrs.every((a) => a !== undefined) ? renderWithNone(item) : undefined;
  const becomes = rendered !== undefined ? `, so this source is ${pyStrRepr(rendered)}` : ', so this source contains "None"';
  return finding(
    'MFS040',
    nodeRange(item),
    `${named.map((a) => `current.${a}`).join(', ')} ${named.length > 1 ? 'are' : 'is'} None when the decorator is evaluated (the class body runs when the file is loaded, before any task)${becomes}. Choose the secret in code that runs in the step (e.g. get_secret from metaflow.plugins.secrets), or name it literally.`,
  );
}

function renderWithNone(s: SyntaxNode): string | undefined {
  let out = '';
  for (const c of s.children) {
    if (!c) continue;
    if (c.type === 'string_content') out += c.text;
    else if (c.type === 'interpolation') out += 'None';
    else if (c.type === 'escape_sequence') return undefined;
  }
  return out;
}
