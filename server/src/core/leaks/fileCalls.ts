import { argument, CallSite } from './callSite';
import { literalString } from './taintSyntax';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { asData, EMPTY, isTainted, textOf, union, Val, withStep } from './taintTypes';

// Files written with a secret are not a leak by themselves (the task's disk goes away with the
// task); the file's text is, once it is read back into an artifact, a log or a card. Files are
// told apart by their path: a literal, a variable holding one, or the same path expression.
// Only within one step: another task (another machine, remotely) does not see the file.

const FILE = '!file:';
const OPENERS = new Set(['open', 'io.open', 'codecs.open', 'builtins.open']);
const PATH_CLASSES = new Set(['pathlib.Path', 'pathlib.PurePath', 'pathlib.PosixPath', 'pathlib.WindowsPath']);
/** Functions writing their first argument to the file given second (`json.dump(obj, fh)`). */
const DUMPERS = new Set(['json.dump', 'yaml.dump', 'yaml.safe_dump', 'yaml.dump_all', 'pickle.dump', 'toml.dump', 'tomli_w.dump', 'marshal.dump']);
/** Functions reading the file given first (`json.load(fh)`). */
const LOADERS = new Set([
  'json.load',
  'yaml.load',
  'yaml.safe_load',
  'yaml.full_load',
  'yaml.unsafe_load',
  'pickle.load',
  'toml.load',
  'tomllib.load',
  'marshal.load',
]);
const COPIES = new Set(['shutil.copy', 'shutil.copy2', 'shutil.copyfile', 'shutil.move', 'os.rename', 'os.replace']);
const READ_METHODS = new Set(['read', 'readline', 'readlines', 'read_text', 'read_bytes', '__iter__', '__next__']);
const WRITE_METHODS = new Set(['write', 'writelines', 'write_text', 'write_bytes']);

/** Whether the call opens a file, makes a path, or moves data between files and values. */
export function isFileCall(q: string | undefined): boolean {
  return !!q && (OPENERS.has(q) || PATH_CLASSES.has(q) || DUMPERS.has(q) || LOADERS.has(q) || COPIES.has(q));
}

/** The file a path expression names: its literal text, a variable's string, a path object's file, or the expression itself. */
function fileKey(ip: TaintInterpreter, site: CallSite, index: number, st: TaintState): string | undefined {
  const a = argument(site, index === 0 ? 'file' : 'dst', index) ?? argument(site, 'path', index);
  if (!a) return undefined;
  const v = ip.expr(a.value, st);
  return literalString(a.value, ip.ctx.index) ?? v.str ?? (v.kind === 'file' ? v.file : undefined) ?? `expr:${a.value.text.replace(/\s+/g, '')}`;
}

function contents(st: TaintState, file: string | undefined): Val {
  return (file !== undefined && st.get(FILE + file)) || EMPTY;
}

function write(st: TaintState, file: string | undefined, v: Val): void {
  if (file !== undefined && isTainted(v)) st.add(FILE + file, asData(textOf(v)));
}

/** `open(p, "w")`, `Path(p)`, `json.dump(obj, fh)`, `yaml.safe_load(fh)`, `shutil.copy(a, b)`. */
export function fileCall(ip: TaintInterpreter, site: CallSite, st: TaintState): Val {
  const q = site.q!;
  if (OPENERS.has(q) || PATH_CLASSES.has(q)) {
    const file = fileKey(ip, site, 0, st);
    const mode = argument(site, 'mode', 1);
    for (const a of site.args) if (a !== mode) ip.expr(a.value, st);
    if (file !== undefined && OPENERS.has(q) && mode && /^['"][^'"]*[wx]/.test(mode.value.text)) st.set(FILE + file, EMPTY); // truncated
    return { origins: [], kind: 'file', file, element: contents(st, file) };
  }
  if (DUMPERS.has(q)) {
    const data = argument(site, 'obj', 0) ?? argument(site, 'data', 0);
    const target = argument(site, 'stream', 1) ?? argument(site, 'fp', 1) ?? argument(site, 'file', 1);
    const v = data ? ip.expr(data.value, st) : EMPTY;
    const f = target ? ip.expr(target.value, st) : EMPTY;
    write(st, f.kind === 'file' ? f.file : undefined, v);
    return EMPTY;
  }
  if (LOADERS.has(q)) {
    const src = site.first ? ip.expr(site.first, st) : EMPTY;
    for (const a of site.args) if (a.value !== site.first) ip.expr(a.value, st);
    return src.kind === 'file' ? readBack(ip, site, contents(st, src.file)) : asData(src);
  }
  // A copy or a move: the destination holds what the source held.
  const from = fileKey(ip, site, 0, st);
  const to = fileKey(ip, site, 1, st);
  write(st, to, contents(st, from));
  return EMPTY;
}

/** A method of an open file or a path: reads give the file's text, writes add to it. */
export function fileMethod(ip: TaintInterpreter, site: CallSite, st: TaintState): Val {
  const file = site.recv!.file;
  const vals = site.args.map((a) => ip.expr(a.value, st));
  const method = site.method!;
  if (READ_METHODS.has(method)) return readBack(ip, site, contents(st, file));
  if (WRITE_METHODS.has(method)) {
    write(st, file, union(...vals));
    return EMPTY;
  }
  if (method === 'open') return { origins: [], kind: 'file', file, element: contents(st, file) };
  if (method === 'unlink' && file !== undefined) st.set(FILE + file, EMPTY);
  return EMPTY;
}

/** `print(x, file=fh)` to an open file: a write, not a log. */
export function printToFile(st: TaintState, fh: Val, v: Val): void {
  write(st, fh.file, v);
}

function readBack(ip: TaintInterpreter, site: CallSite, v: Val): Val {
  return isTainted(v) ? withStep(v, ip.hop(site.node, 'read back from a file it was written to')) : v;
}
