import { argument, CallSite } from './callSite';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { asData, EMPTY, Val } from './taintTypes';

// Library objects whose text masks the credential they hold, checked with SQLAlchemy 2.1:
// str(), repr() and f-strings of a URL and of an Engine show `postgresql://u:***@h/d`; the
// password is in `url.password`, in `url.render_as_string(hide_password=False)` and in a pickled
// URL (an artifact); a failed connection's error does not name it.

const ENGINES = new Set(['sqlalchemy.create_engine', 'sqlalchemy.engine.create_engine', 'sqlalchemy.ext.asyncio.create_async_engine']);
const URL_CREATE = new Set(['sqlalchemy.URL.create', 'sqlalchemy.engine.URL.create', 'sqlalchemy.engine.url.URL.create']);
const MAKE_URL = new Set(['sqlalchemy.make_url', 'sqlalchemy.engine.make_url', 'sqlalchemy.engine.url.make_url']);

export function isLibraryModel(q: string | undefined): boolean {
  return !!q && (ENGINES.has(q) || URL_CREATE.has(q) || MAKE_URL.has(q));
}

/** A SQLAlchemy URL: shown masked, its password a field. */
function url(password: Val): Val {
  return { origins: [], kind: 'object', closed: true, fields: new Map([['password', password]]), shown: EMPTY };
}

export function libraryObject(ip: TaintInterpreter, site: CallSite, st: TaintState): Val {
  const q = site.q!;
  const vals = site.args.map((a) => ip.expr(a.value, st));
  if (URL_CREATE.has(q)) {
    const pw = argument(site, 'password', 2);
    return url(pw ? ip.expr(pw.value, st) : EMPTY);
  }
  const first = vals[site.args.findIndex((a) => !a.keyword && !a.splat)] ?? EMPTY;
  const u = first.kind === 'object' ? first : url(asData(first));
  if (MAKE_URL.has(q)) return u;
  return { origins: [], kind: 'object', closed: true, fields: new Map([['url', u]]), shown: EMPTY };
}

/** `url.render_as_string(hide_password=False)`: the one method of a masked URL that shows the password. */
export function revealsPassword(site: CallSite): boolean {
  return site.method === 'render_as_string' && site.args.some((a) => a.keyword === 'hide_password' && a.value.text === 'False');
}
