import { AnalyseOptions, flow } from './harness';

/**
 * The labelled corpus: each snippet is a whole flow file. A line that must be reported ends
 * with `# LEAK MFSxxx` (the rule expected on that line); any other finding is a false positive.
 * `covers` names what the snippet exercises (each source, propagation, sink and sanitizer of
 * issue 4 appears at least once; the coverage test checks that).
 */
export interface CorpusCase {
  id: string;
  covers: string[];
  src: string;
  opts?: AnalyseOptions;
}

export const CORPUS: CorpusCase[] = [
  // ---------------- sources ----------------
  {
    id: 'src-subscript',
    covers: ['source:environ[]', 'sink:print'],
    src: flow(`
print(os.environ["DB_PASSWORD"])  # LEAK MFS050
`),
  },
  {
    id: 'src-get',
    covers: ['source:environ.get'],
    src: flow(`
pw = os.environ.get("DB_PASSWORD")
print(pw)  # LEAK MFS050
`),
  },
  {
    id: 'src-get-default',
    covers: ['source:environ.get'],
    src: flow(`
pw = os.environ.get("DB_PASSWORD", "")
print("password:", pw)  # LEAK MFS050
`),
  },
  {
    id: 'src-getenv',
    covers: ['source:getenv'],
    src: flow(`
key = os.getenv("API_KEY")
print(key)  # LEAK MFS050
`),
  },
  {
    id: 'src-from-os-environ',
    covers: ['source:from-os-import-environ'],
    src: flow(
      `
tok = environ["API_KEY"]
print(tok)  # LEAK MFS050
`,
      { imports: 'from os import environ' },
    ),
  },
  {
    id: 'src-from-os-getenv',
    covers: ['source:from-os-import-getenv'],
    src: flow(
      `
tok = getenv("API_KEY")
print(tok)  # LEAK MFS050
`,
      { imports: 'from os import getenv' },
    ),
  },
  {
    id: 'src-os-alias',
    covers: ['source:import-alias'],
    src: flow(
      `
tok = o.environ["API_KEY"]
print(tok)  # LEAK MFS050
`,
      { imports: 'import os as o' },
    ),
  },
  {
    id: 'src-environ-pop',
    covers: ['source:environ.pop'],
    src: flow(`
tok = os.environ.pop("API_KEY")
print(tok)  # LEAK MFS050
`),
  },
  {
    id: 'src-module-constant-key',
    covers: ['source:constant-key'],
    src: flow(
      `
pw = os.environ[PW_VAR]
print(pw)  # LEAK MFS050
`,
      { preamble: 'PW_VAR = "DB_PASSWORD"' },
    ),
  },
  {
    id: 'src-import-in-step',
    covers: ['source:local-import'],
    src: flow(`
import os as osmod
print(osmod.getenv("DB_USER"))  # LEAK MFS050
`),
  },
  {
    id: 'src-get-secret',
    covers: ['source:get_secret'],
    src: flow(
      `
creds = get_secret("aws-secrets-manager.db")
print(creds)  # LEAK MFS050
`,
      { imports: 'from metaflow.plugins.secrets import get_secret', secrets: false },
    ),
  },
  {
    id: 'src-get-secret-key',
    covers: ['source:get_secret', 'propagation:subscript'],
    src: flow(
      `
pw = get_secret({"type": "inline", "id": "x"})["DB_PASSWORD"]
logging.info("pw %s", pw)  # LEAK MFS050
`,
      { imports: 'from metaflow.plugins.secrets import get_secret', secrets: false },
    ),
  },
  {
    id: 'src-whole-environ',
    covers: ['source:os.environ', 'sink:environ-wholesale'],
    src: flow(`
print(os.environ)  # LEAK MFS054
`),
  },
  {
    id: 'src-whole-environ-no-secrets',
    covers: ['source:os.environ'],
    src: flow(
      `
logging.debug(os.environ)  # LEAK MFS057
`,
      { secrets: false },
    ),
  },
  {
    id: 'src-dict-environ',
    covers: ['source:dict(os.environ)'],
    src: flow(`
env = dict(os.environ)
print(env)  # LEAK MFS054
`),
  },
  {
    id: 'src-environ-copy',
    covers: ['source:os.environ.copy()'],
    src: flow(`
env = os.environ.copy()
logger = logging.getLogger(__name__)
logger.info("env: %s", env)  # LEAK MFS054
`),
  },
  {
    id: 'src-environ-copy-subscript',
    covers: ['source:os.environ.copy()', 'propagation:subscript'],
    src: flow(`
env = os.environ.copy()
print(env["DB_PASSWORD"])  # LEAK MFS050
print(env["HOME"])
`),
  },
  {
    id: 'src-environ-splat',
    covers: ['source:dict(os.environ)'],
    src: flow(`
env = {**os.environ, "X": "1"}
print(env)  # LEAK MFS054
`),
  },
  {
    id: 'src-environ-items',
    covers: ['source:os.environ.items()'],
    src: flow(`
for k, v in os.environ.items():
    print(k, "=", v)  # LEAK MFS054
`),
  },
  {
    id: 'src-environ-json',
    covers: ['source:os.environ', 'propagation:str()'],
    src: flow(
      `
print(json.dumps(dict(os.environ)))  # LEAK MFS054
`,
      { imports: 'import json' },
    ),
  },
  {
    id: 'src-conservative-dynamic',
    covers: ['source:conservative'],
    opts: { conservative: true },
    src: flow(`
name = "DB_" + "PASSWORD"
print(os.environ[name])  # LEAK MFS050
`),
  },
  {
    id: 'src-conservative-incomplete',
    covers: ['source:conservative'],
    opts: { conservative: true, complete: false, names: [] },
    src: flow(`
print(os.environ["WAREHOUSE_TOKEN"])  # LEAK MFS050
`),
  },
  // Issue 16: names unknown and nothing else explains the read: an assumed secret (was a negative).
  {
    id: 'src-incomplete-assumed',
    covers: ['source:assumed'],
    opts: { conservative: false, complete: false, names: [] },
    src: flow(`
print(os.environ["WAREHOUSE_TOKEN"])  # LEAK MFS055
print(os.environ["HOME"], os.getenv("METAFLOW_RUN_ID"), os.getenv("AWS_REGION"))
`),
  },
  {
    id: 'neg-dynamic-not-conservative',
    covers: ['negative:unknown-name'],
    src: flow(`
name = "DB_" + "PASSWORD"
print(os.environ[name])
`),
  },
  {
    id: 'neg-non-secret-env',
    covers: ['negative:non-secret-env'],
    src: flow(`
print(os.environ["HOME"])
print(os.getenv("PATH"))
logging.info("user %s", os.environ.get("USER"))
`),
  },
  {
    id: 'neg-variable-name',
    covers: ['negative:name-only'],
    src: flow(`
print("DB_PASSWORD")
print("reading", "API_KEY", "from the environment")
logging.warning("DB_PASSWORD is not set")
`),
  },
  // Issue 16: no @secrets, but the name looks like a credential (MFS056; was a negative).
  {
    id: 'neg-no-secrets-step',
    covers: ['negative:no-secrets'],
    src: flow(
      `
print(os.environ["DB_PASSWORD"])  # LEAK MFS056
print(os.environ["DB_HOST"])
`,
      { secrets: false },
    ),
  },
  {
    id: 'neg-environ-keys',
    covers: ['sanitizer:names-only'],
    src: flow(`
print(sorted(os.environ))
print(list(os.environ.keys()))
for k in os.environ:
    print(k)
print("DB_PASSWORD" in os.environ)
`),
  },

  // ---------------- propagation ----------------
  {
    id: 'prop-assign-chain',
    covers: ['propagation:assignment'],
    src: flow(`
a = os.environ["DB_PASSWORD"]
b = a
c = b
print(c)  # LEAK MFS050
`),
  },
  {
    id: 'prop-chained-assign',
    covers: ['propagation:assignment'],
    src: flow(`
a = b = os.environ["DB_PASSWORD"]
print(b)  # LEAK MFS050
`),
  },
  {
    id: 'prop-augmented',
    covers: ['propagation:augmented'],
    src: flow(`
s = "token="
s += os.environ["API_KEY"]
print(s)  # LEAK MFS050
`),
  },
  {
    id: 'prop-tuple-unpack',
    covers: ['propagation:unpacking'],
    src: flow(`
user, pw = os.environ["DB_USER"], os.environ["DB_PASSWORD"]
print(pw)  # LEAK MFS050
`),
  },
  {
    id: 'prop-tuple-unpack-precise',
    covers: ['propagation:unpacking'],
    src: flow(`
host, pw = "db.local", os.environ["DB_PASSWORD"]
print(host)
`),
  },
  {
    id: 'prop-unpack-call',
    covers: ['propagation:unpacking'],
    src: flow(`
parts = [os.environ["DB_USER"], os.environ["DB_PASSWORD"]]
u, p = parts
print(p)  # LEAK MFS050
`),
  },
  {
    id: 'prop-fstring',
    covers: ['propagation:f-string'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
print(f"connecting with {pw}")  # LEAK MFS050
`),
  },
  {
    id: 'prop-fstring-conv',
    covers: ['propagation:f-string'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
msg = f"pw={pw!r:>20}"
logging.error(msg)  # LEAK MFS050
`),
  },
  {
    id: 'prop-format',
    covers: ['propagation:format'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
print("pw={}".format(pw))  # LEAK MFS050
`),
  },
  {
    id: 'prop-format-kw',
    covers: ['propagation:format'],
    src: flow(`
msg = "key={k}".format(k=os.getenv("API_KEY"))
print(msg)  # LEAK MFS050
`),
  },
  {
    id: 'prop-percent',
    covers: ['propagation:percent'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
print("pw=%s" % pw)  # LEAK MFS050
`),
  },
  {
    id: 'prop-concat',
    covers: ['propagation:concat'],
    src: flow(`
url = "postgres://admin:" + os.environ["DB_PASSWORD"] + "@db/prod"
print(url)  # LEAK MFS050
`),
  },
  {
    id: 'prop-str',
    covers: ['propagation:str()'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
print(str(pw))  # LEAK MFS050
`),
  },
  {
    id: 'prop-repr',
    covers: ['propagation:repr()'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
text = repr(pw)
print(text)  # LEAK MFS050
`),
  },
  {
    id: 'prop-list',
    covers: ['propagation:container'],
    src: flow(`
items = ["user", os.environ["DB_PASSWORD"]]
print(items)  # LEAK MFS050
`),
  },
  {
    id: 'prop-dict',
    covers: ['propagation:container'],
    src: flow(`
cfg = {"user": "x", "password": os.environ["DB_PASSWORD"]}
print(cfg)  # LEAK MFS050
`),
  },
  {
    id: 'prop-dict-subscript',
    covers: ['propagation:subscript'],
    src: flow(`
cfg = {"password": os.environ["DB_PASSWORD"]}
print(cfg["password"])  # LEAK MFS050
`),
  },
  {
    id: 'prop-container-append',
    covers: ['propagation:container'],
    src: flow(`
parts = []
parts.append(os.environ["API_KEY"])
print(", ".join(parts))  # LEAK MFS050
`),
  },
  {
    id: 'prop-subscript-store',
    covers: ['propagation:subscript'],
    src: flow(`
headers = {}
headers["Authorization"] = "Bearer " + os.environ["API_KEY"]
print(headers)  # LEAK MFS050
`),
  },
  {
    id: 'prop-attribute',
    covers: ['propagation:attribute'],
    src: flow(
      `
cfg = Config()
cfg.password = os.environ["DB_PASSWORD"]
print(cfg.password)  # LEAK MFS050
`,
      { preamble: 'class Config:\n    pass' },
    ),
  },
  {
    id: 'prop-object-fields',
    covers: ['propagation:attribute'],
    src: flow(
      `
c = Creds(os.environ["DB_USER"], os.environ["DB_PASSWORD"])
print(c)
print(c.p)  # LEAK MFS050
`,
      { preamble: 'class Creds:\n    def __init__(self, u, p):\n        self.u, self.p = u, p' },
    ),
  },
  {
    id: 'prop-method-on-secret',
    covers: ['propagation:attribute'],
    src: flow(`
pw = os.environ["DB_PASSWORD"].strip().upper()
print(pw)  # LEAK MFS050
`),
  },
  {
    id: 'prop-list-comp',
    covers: ['propagation:comprehension'],
    src: flow(`
keys = [os.environ[n] for n in ["API_KEY", "DB_PASSWORD"]]
print(keys)  # LEAK MFS050
`),
    opts: { conservative: true },
  },
  {
    id: 'prop-comp-over-secret',
    covers: ['propagation:comprehension'],
    src: flow(`
chars = [c for c in os.environ["API_KEY"]]
print(chars)  # LEAK MFS050
`),
  },
  {
    id: 'prop-dict-comp',
    covers: ['propagation:comprehension'],
    src: flow(`
secrets_map = {k: os.environ[k] for k in ["API_KEY"]}
print(secrets_map)  # LEAK MFS050
`),
    opts: { conservative: true },
  },
  {
    id: 'prop-helper-return',
    covers: ['propagation:helper-return'],
    src: flow(
      `
url = build_url("db")
print(url)  # LEAK MFS050
`,
      { preamble: 'def build_url(host):\n    pw = os.environ["DB_PASSWORD"]\n    return f"postgres://u:{pw}@{host}"' },
    ),
  },
  {
    id: 'prop-helper-param',
    covers: ['propagation:helper-return'],
    src: flow(
      `
pw = os.environ["DB_PASSWORD"]
print(wrap(pw))  # LEAK MFS050
`,
      { preamble: 'def wrap(value):\n    return "[" + value + "]"' },
    ),
  },
  {
    id: 'prop-helper-sink-inside',
    covers: ['propagation:helper-param-sink'],
    src: flow(
      `
debug(os.environ["API_KEY"])
`,
      { preamble: 'def debug(value):\n    print("debug:", value)  # LEAK MFS050' },
    ),
  },
  {
    id: 'prop-helper-chain',
    covers: ['propagation:helper-return'],
    src: flow(
      `
print(outer(os.environ["API_KEY"]))  # LEAK MFS050
`,
      { preamble: 'def inner(x):\n    return x + "!"\n\ndef outer(y):\n    z = inner(y)\n    return z' },
    ),
  },
  {
    id: 'prop-self-method',
    covers: ['propagation:helper-return'],
    src: flow(
      `
token = self.read_token()
print(token)  # LEAK MFS050
`,
      { methods: 'def read_token(self):\n    return os.environ["API_KEY"]\n' },
    ),
  },
  {
    id: 'neg-helper-clean-return',
    covers: ['negative:helper'],
    src: flow(
      `
pw = os.environ["DB_PASSWORD"]
print(check(pw))
`,
      { preamble: 'def check(value):\n    return len(value) > 8' },
    ),
  },
  {
    id: 'prop-artifact-next-step',
    covers: ['propagation:self-artifact', 'sink:artifact'],
    src: flow(
      `
self.key = os.environ["API_KEY"]  # LEAK MFS052
`,
      { end: 'print(self.key)  # LEAK MFS050' },
    ),
  },
  {
    id: 'prop-artifact-two-hops',
    covers: ['propagation:self-artifact'],
    src: [
      'import os',
      'from metaflow import FlowSpec, step, secrets',
      'class Two(FlowSpec):',
      '    @secrets(sources=["db"])',
      '    @step',
      '    def start(self):',
      '        self.pw = os.environ["DB_PASSWORD"]  # LEAK MFS052',
      '        self.next(self.middle)',
      '    @step',
      '    def middle(self):',
      '        self.conn_str = "pg://u:%s@h" % self.pw  # LEAK MFS052',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        print(self.conn_str)  # LEAK MFS050',
      '',
    ].join('\n'),
  },
  {
    id: 'neg-artifact-sibling-branch',
    covers: ['negative:artifact-order'],
    src: [
      'import os',
      'from metaflow import FlowSpec, step, secrets',
      'class Branches(FlowSpec):',
      '    @step',
      '    def start(self):',
      '        self.next(self.a, self.b)',
      '    @secrets(sources=["db"])',
      '    @step',
      '    def a(self):',
      '        self.tok = os.environ["API_KEY"]  # LEAK MFS052',
      '        self.next(self.join)',
      '    @step',
      '    def b(self):',
      '        print(self.tok)',
      '        self.next(self.join)',
      '    @step',
      '    def join(self, inputs):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      '',
    ].join('\n'),
  },
  {
    id: 'prop-walrus',
    covers: ['propagation:assignment'],
    src: flow(`
if (tok := os.environ.get("API_KEY")) is not None:
    print(tok)  # LEAK MFS050
`),
  },
  {
    id: 'prop-if-union',
    covers: ['propagation:branches'],
    src: flow(`
if os.environ.get("MODE") == "dev":
    val = "dev-token"
else:
    val = os.environ["API_KEY"]
print(val)  # LEAK MFS050
`),
  },
  {
    id: 'prop-loop',
    covers: ['propagation:loop'],
    src: flow(`
acc = ""
for part in ["a", "b"]:
    print(acc)  # LEAK MFS050
    acc = acc + os.environ["API_KEY"]
`),
  },
  {
    id: 'prop-with',
    covers: ['propagation:with'],
    src: flow(
      `
with Ctx(os.environ["API_KEY"]) as c:
    print(c.v)  # LEAK MFS050
`,
      { preamble: 'class Ctx:\n    def __init__(self, v):\n        self.v = v' },
    ),
  },
  {
    id: 'prop-try',
    covers: ['propagation:try'],
    src: flow(`
try:
    tok = os.environ["API_KEY"]
except KeyError:
    tok = None
print(tok)  # LEAK MFS050
`),
  },
  {
    id: 'prop-conditional-expr',
    covers: ['propagation:branches'],
    src: flow(`
v = os.environ["API_KEY"] if True else ""
print(v)  # LEAK MFS050
`),
  },
  {
    id: 'prop-encode',
    covers: ['propagation:str()'],
    src: flow(
      `
b = base64.b64encode(os.environ["API_KEY"].encode())
print(b)  # LEAK MFS050
`,
      { imports: 'import base64' },
    ),
  },
  {
    id: 'prop-long-slice',
    covers: ['propagation:subscript'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
print(pw[4:])  # LEAK MFS050
print(pw[:20])  # LEAK MFS050
`),
  },

  // ---------------- sinks ----------------
  {
    id: 'sink-logging-module',
    covers: ['sink:logging'],
    src: flow(`
logging.warning("key: %s", os.environ["API_KEY"])  # LEAK MFS050
`),
  },
  {
    id: 'sink-getlogger-module-level',
    covers: ['sink:getLogger'],
    src: flow(
      `
lg.info(os.environ["API_KEY"])  # LEAK MFS050
`,
      { preamble: 'lg = logging.getLogger("flow")' },
    ),
  },
  {
    id: 'sink-getlogger-local',
    covers: ['sink:getLogger'],
    src: flow(`
mylog = logging.getLogger(__name__)
mylog.debug("key=%s", os.environ["API_KEY"])  # LEAK MFS050
`),
  },
  {
    id: 'sink-self-logger',
    covers: ['sink:self.logger'],
    src: flow(`
self.logger.error("failed with %s", os.environ["DB_PASSWORD"])  # LEAK MFS050
`),
  },
  {
    id: 'sink-logger-name',
    covers: ['sink:logger-name'],
    src: flow(`
LOG.info(os.environ["API_KEY"])  # LEAK MFS050
log.warning(os.environ["API_KEY"])  # LEAK MFS050
`),
  },
  {
    id: 'sink-logging-exception',
    covers: ['sink:logging'],
    src: flow(`
from logging import exception
exception(os.environ["API_KEY"])  # LEAK MFS050
`),
  },
  {
    id: 'sink-stdout',
    covers: ['sink:sys.stdout'],
    src: flow(
      `
sys.stdout.write(os.environ["API_KEY"] + "\\n")  # LEAK MFS050
`,
      { imports: 'import sys' },
    ),
  },
  {
    id: 'sink-stderr',
    covers: ['sink:sys.stderr'],
    src: flow(
      `
sys.stderr.write("pw " + os.environ["DB_PASSWORD"])  # LEAK MFS050
`,
      { imports: 'import sys' },
    ),
  },
  {
    id: 'sink-pprint',
    covers: ['sink:pprint'],
    src: flow(
      `
pprint({"k": os.environ["API_KEY"]})  # LEAK MFS050
`,
      { imports: 'from pprint import pprint' },
    ),
  },
  {
    id: 'sink-pprint-module',
    covers: ['sink:pprint'],
    src: flow(
      `
pprint.pprint(os.environ)  # LEAK MFS054
`,
      { imports: 'import pprint' },
    ),
  },
  {
    id: 'sink-warnings',
    covers: ['sink:warnings.warn'],
    src: flow(
      `
warnings.warn(f"odd key {os.environ['API_KEY']}")  # LEAK MFS050
`,
      { imports: 'import warnings' },
    ),
  },
  {
    id: 'sink-raise',
    covers: ['sink:raise'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
if len(pw) < 8:
    raise ValueError(f"password {pw} too short")  # LEAK MFS051
`),
  },
  {
    id: 'sink-raise-var',
    covers: ['sink:raise'],
    src: flow(`
err = RuntimeError("bad key " + os.environ["API_KEY"])
raise err  # LEAK MFS051
`),
  },
  {
    id: 'sink-assert',
    covers: ['sink:raise'],
    src: flow(`
tok = os.environ["API_KEY"]
assert tok.startswith("sk-"), f"unexpected key {tok}"  # LEAK MFS051
`),
  },
  {
    id: 'sink-artifact',
    covers: ['sink:artifact'],
    src: flow(`
self.api_key = os.environ["API_KEY"]  # LEAK MFS052
`),
  },
  {
    id: 'sink-artifact-container',
    covers: ['sink:artifact'],
    src: flow(`
self.config = {}
self.config["password"] = os.environ["DB_PASSWORD"]  # LEAK MFS052
`),
  },
  {
    id: 'sink-artifact-environ',
    covers: ['sink:artifact', 'sink:environ-wholesale'],
    src: flow(`
self.env = dict(os.environ)  # LEAK MFS054
`),
  },
  {
    id: 'sink-card-append',
    covers: ['sink:card'],
    src: flow(
      `
current.card.append(Markdown("token: " + os.environ["API_KEY"]))  # LEAK MFS053
`,
      { imports: 'from metaflow.cards import Markdown' },
    ),
  },
  {
    id: 'sink-card-id',
    covers: ['sink:card'],
    src: flow(
      `
md = Markdown(f"pw {os.environ['DB_PASSWORD']}")
current.card["summary"].append(md)  # LEAK MFS053
`,
      { imports: 'from metaflow.cards import Markdown' },
    ),
  },
  {
    id: 'sink-card-table',
    covers: ['sink:card'],
    src: flow(
      `
current.card.extend([Table([[os.environ["DB_USER"], os.environ["DB_PASSWORD"]]])])  # LEAK MFS053
`,
      { imports: 'from metaflow.cards import Table' },
    ),
  },
  {
    id: 'neg-card-clean',
    covers: ['negative:card'],
    src: flow(
      `
pw = os.environ["DB_PASSWORD"]
current.card.append(Markdown(f"password length: {len(pw)}"))
`,
      { imports: 'from metaflow.cards import Markdown' },
    ),
  },
  {
    id: 'sink-environ-logger',
    covers: ['sink:environ-wholesale'],
    src: flow(
      `
logger = logging.getLogger()
logger.debug("environment: %s", os.environ)  # LEAK MFS057
`,
      { secrets: false },
    ),
  },
  {
    id: 'sink-environ-fstring',
    covers: ['sink:environ-wholesale'],
    src: flow(`
print(f"env={os.environ}")  # LEAK MFS054
`),
  },
  {
    id: 'sink-two-secrets',
    covers: ['sink:print'],
    src: flow(`
print(os.environ["DB_USER"], os.environ["DB_PASSWORD"])  # LEAK MFS050
`),
  },

  // ---------------- sanitizers and clean code ----------------
  {
    id: 'san-hash',
    covers: ['sanitizer:hashlib'],
    src: flow(
      `
pw = os.environ["DB_PASSWORD"]
digest = hashlib.sha256(pw.encode()).hexdigest()
print("pw digest", digest)
`,
      { imports: 'import hashlib' },
    ),
  },
  {
    id: 'san-hash-from',
    covers: ['sanitizer:hashlib'],
    src: flow(
      `
print(md5(os.environ["API_KEY"].encode()).hexdigest()[:8])
`,
      { imports: 'from hashlib import md5' },
    ),
  },
  {
    id: 'san-len',
    covers: ['sanitizer:len'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
print("password has", len(pw), "characters")
`),
  },
  {
    id: 'san-bool',
    covers: ['sanitizer:bool'],
    src: flow(`
print("key set:", bool(os.environ.get("API_KEY")))
`),
  },
  {
    id: 'san-compare',
    covers: ['sanitizer:comparison'],
    src: flow(`
tok = os.environ["API_KEY"]
print("matches:", tok == "expected")
print("is prod key:", tok.startswith("sk-live"))
if tok:
    print("token present")
`),
  },
  {
    id: 'san-prefix-slice',
    covers: ['sanitizer:mask-slice'],
    src: flow(`
tok = os.environ["API_KEY"]
print(f"using key {tok[:4]}...")
logging.info("key ends with %s", tok[-4:])
`),
  },
  {
    id: 'san-stars',
    covers: ['sanitizer:mask-stars'],
    src: flow(`
pw = os.environ["DB_PASSWORD"]
print("password:", "*" * len(pw))
`),
  },
  {
    id: 'san-psycopg',
    covers: ['sanitizer:consumer'],
    src: flow(
      `
conn = psycopg2.connect(host="db", user=os.environ["DB_USER"], password=os.environ["DB_PASSWORD"])
print(conn)
print(conn.closed)
`,
      { imports: 'import psycopg2' },
    ),
  },
  {
    id: 'san-requests',
    covers: ['sanitizer:consumer'],
    src: flow(
      `
headers = {"Authorization": f"Bearer {os.environ['API_KEY']}"}
resp = requests.get("https://api.example.com/v1/items", headers=headers, timeout=10)
print(resp.status_code, resp.text)
`,
      { imports: 'import requests' },
    ),
  },
  {
    id: 'san-boto',
    covers: ['sanitizer:consumer'],
    src: flow(
      `
client = boto3.client("s3", aws_secret_access_key=os.environ["API_KEY"])
print(client.list_buckets())
`,
      { imports: 'import boto3' },
    ),
  },
  {
    id: 'neg-overwritten',
    covers: ['negative:overwritten'],
    src: flow(
      `
pw = os.environ["DB_PASSWORD"]
connect(pw)
pw = "redacted"
print(pw)
`,
      { preamble: 'def connect(p):\n    pass' },
    ),
  },
  {
    id: 'neg-artifact-overwritten',
    covers: ['negative:overwritten'],
    src: flow(
      `
self.pw = os.environ["DB_PASSWORD"]
use(self.pw)
self.pw = None
`,
      { preamble: 'def use(p):\n    pass', end: 'print(self.pw)' },
    ),
  },
  {
    id: 'neg-artifact-deleted',
    covers: ['negative:overwritten'],
    src: flow(
      `
self.pw = os.environ["DB_PASSWORD"]
use(self.pw)
del self.pw
`,
      { preamble: 'def use(p):\n    pass' },
    ),
  },
  {
    id: 'neg-branch-overwrite-both',
    covers: ['negative:overwritten'],
    src: flow(`
tok = os.environ["API_KEY"]
if tok:
    tok = "set"
else:
    tok = "unset"
print(tok)
`),
  },
  {
    id: 'neg-clean-artifacts',
    covers: ['negative:artifact'],
    src: flow(
      `
self.rows = 42
self.user_name = "alice"
self.has_key = "API_KEY" in os.environ
`,
      { end: 'print(self.rows, self.user_name, self.has_key)' },
    ),
  },
  {
    id: 'neg-print-other',
    covers: ['negative:unrelated'],
    src: flow(
      `
tok = os.environ["API_KEY"]
data = fetch(tok)
print("fetched", len(data), "rows")
`,
      { preamble: 'def fetch(t):\n    return []' },
    ),
  },
  {
    id: 'neg-helper-consumer',
    covers: ['sanitizer:consumer'],
    src: flow(
      `
client = make_client(os.environ["API_KEY"])
print(client)
`,
      {
        imports: 'import requests',
        preamble: 'def make_client(key):\n    s = requests.Session()\n    s.headers["X-Key"] = key\n    return s.get("https://x", timeout=5).status_code',
      },
    ),
  },
  {
    id: 'neg-isinstance',
    covers: ['sanitizer:bool'],
    src: flow(`
tok = os.environ["API_KEY"]
print(isinstance(tok, str), type(tok))
`),
  },
  {
    id: 'neg-env-write',
    covers: ['negative:unrelated'],
    src: flow(`
os.environ["EXTRA"] = os.environ["API_KEY"]
print("configured")
`),
  },
  {
    id: 'neg-logger-format-name',
    covers: ['negative:name-only'],
    src: flow(`
logging.info("using %s", "API_KEY")
print(f"{'DB_PASSWORD'} missing")
`),
  },
  // ---------------- harder cases ----------------
  {
    id: 'x-print-file-stderr',
    covers: ['sink:print'],
    src: flow(
      `
print("key:", os.environ["API_KEY"], file=sys.stderr)  # LEAK MFS050
`,
      { imports: 'import sys' },
    ),
  },
  {
    id: 'x-percent-tuple',
    covers: ['propagation:percent'],
    src: flow(`
tok = os.environ["API_KEY"]
print("%s / %s" % ("user", tok))  # LEAK MFS050
`),
  },
  {
    id: 'x-fstring-debug',
    covers: ['propagation:f-string'],
    src: flow(`
tok = os.environ["API_KEY"]
print(f"{tok=}")  # LEAK MFS050
`),
  },
  {
    id: 'x-print-splat',
    covers: ['sink:print'],
    src: flow(`
vals = [os.environ["API_KEY"]]
print(*vals)  # LEAK MFS050
`),
  },
  {
    id: 'x-join',
    covers: ['propagation:str()'],
    src: flow(`
line = ";".join(["user=bob", "pw=" + os.environ["DB_PASSWORD"]])
logging.info(line)  # LEAK MFS050
`),
  },
  {
    id: 'x-dict-kwargs',
    covers: ['propagation:container'],
    src: flow(`
conf = dict(user="bob", password=os.environ["DB_PASSWORD"])
print(conf)  # LEAK MFS050
`),
  },
  {
    id: 'x-logging-alias',
    covers: ['sink:logging'],
    src: flow(
      `
lg.error("pw=%s", os.environ["DB_PASSWORD"])  # LEAK MFS050
`,
      { imports: 'import logging as lg' },
    ),
  },
  {
    id: 'x-logging-from-import',
    covers: ['sink:logging'],
    src: flow(
      `
info(os.environ["DB_PASSWORD"])  # LEAK MFS050
`,
      { imports: 'from logging import info' },
    ),
  },
  {
    id: 'x-getlogger-chain',
    covers: ['sink:getLogger'],
    src: flow(`
logging.getLogger(__name__).warning("tok %s", os.environ["API_KEY"])  # LEAK MFS050
`),
  },
  {
    id: 'x-self-log-other-step',
    covers: ['sink:self.logger'],
    src: flow(`
self.log = logging.getLogger("flow")
self.log.info(os.environ["API_KEY"])  # LEAK MFS050
`),
  },
  {
    id: 'x-raise-from',
    covers: ['sink:raise'],
    src: flow(`
tok = os.environ["API_KEY"]
try:
    pass
except KeyError as e:
    raise RuntimeError("bad token " + tok) from e  # LEAK MFS051
`),
  },
  {
    id: 'x-raise-in-helper',
    covers: ['propagation:helper-param-sink', 'sink:raise'],
    src: flow(
      `
check(os.environ["API_KEY"])
`,
      { preamble: 'def check(value):\n    if not value.startswith("sk-"):\n        raise ValueError("bad key: %s" % value)  # LEAK MFS051' },
    ),
  },
  {
    id: 'x-helper-sets-artifact',
    covers: ['propagation:self-artifact'],
    src: flow(
      `
self.setup()
`,
      { methods: 'def setup(self):\n    self.token = os.environ["API_KEY"]  # LEAK MFS052\n' },
    ),
  },
  {
    id: 'x-artifact-append',
    covers: ['sink:artifact'],
    src: flow(`
self.creds = []
self.creds.append(os.environ["DB_PASSWORD"])  # LEAK MFS052
`),
  },
  {
    id: 'x-setattr',
    covers: ['sink:artifact'],
    src: flow(`
setattr(self, "token", os.environ["API_KEY"])  # LEAK MFS052
`),
  },
  {
    id: 'x-card-star-import',
    covers: ['sink:card'],
    src: flow(
      `
current.card.append(Markdown("# key " + os.environ["API_KEY"]))  # LEAK MFS053
`,
      { imports: 'from metaflow.cards import *' },
    ),
  },
  {
    id: 'x-card-component-update',
    covers: ['sink:card'],
    src: flow(
      `
m = Markdown("starting")
current.card.append(m)
m.update("token " + os.environ["API_KEY"])  # LEAK MFS053
`,
      { imports: 'from metaflow.cards import Markdown' },
    ),
  },
  {
    id: 'x-card-raw-string',
    covers: ['sink:card'],
    src: flow(`
current.card["log"].append(os.environ["API_KEY"])  # LEAK MFS053
`),
  },
  {
    id: 'x-for-over-list',
    covers: ['propagation:loop'],
    src: flow(`
for t in [os.environ["API_KEY"], "other"]:
    print(t)  # LEAK MFS050
`),
  },
  {
    id: 'x-get-secret-qualified',
    covers: ['source:get_secret'],
    src: flow(
      `
creds = sf.get_secret("db")
print(creds["password"])  # LEAK MFS050
`,
      { imports: 'import metaflow.plugins.secrets.secrets_func as sf', secrets: false },
    ),
  },
  {
    id: 'x-json-dumps',
    covers: ['propagation:str()'],
    src: flow(
      `
print(json.dumps({"api_key": os.environ["API_KEY"]}))  # LEAK MFS050
`,
      { imports: 'import json' },
    ),
  },
  {
    id: 'neg-x-conditional-text',
    covers: ['sanitizer:bool'],
    src: flow(`
tok = os.environ.get("API_KEY")
print(f"key is {'set' if tok else 'missing'}")
print(tok is None, len(tok or ""))
`),
  },
  {
    id: 'neg-x-missing-check',
    covers: ['negative:name-only'],
    src: flow(`
if "API_KEY" not in os.environ:
    raise RuntimeError("API_KEY is missing; add it to @secrets")
`),
  },
  {
    id: 'neg-x-session-headers',
    covers: ['sanitizer:consumer'],
    src: flow(
      `
s = requests.Session()
s.headers.update({"Authorization": "Bearer " + os.environ["API_KEY"]})
r = s.get("https://api.example.com", timeout=5)
print(r.status_code, r.json())
`,
      { imports: 'import requests' },
    ),
  },
  {
    id: 'neg-x-get-secret-splat',
    covers: ['sanitizer:consumer'],
    src: flow(
      `
creds = get_secret("db")
conn = psycopg2.connect(**creds)
print("connected", conn)
`,
      { imports: 'import psycopg2\nfrom metaflow.plugins.secrets import get_secret', secrets: false },
    ),
  },
  {
    id: 'neg-x-loop-reassigned',
    covers: ['negative:overwritten'],
    src: flow(`
for i in range(3):
    v = "clean"
    print(v)
    v = os.environ["API_KEY"]
`),
  },
  {
    id: 'neg-x-mask-var',
    covers: ['sanitizer:mask-slice'],
    src: flow(`
x = os.environ["API_KEY"]
x = x[:4]
print(x)
print(x.count("a"), x.isalnum())
`),
  },
  {
    id: 'neg-x-other-name',
    covers: ['negative:non-secret-env'],
    src: flow(`
print(os.environ.get("DB_PASSWORD_FILE"))
print(os.environ["API_KEY_ID"] if "API_KEY_ID" in os.environ else None)
`),
  },
  {
    id: 'neg-x-math-log',
    covers: ['negative:unrelated'],
    src: flow(
      `
n = len(os.environ["API_KEY"])
print(math.log(n), np.log(n))
`,
      { imports: 'import math\nimport numpy as np' },
    ),
  },
  {
    id: 'neg-x-exception-clean',
    covers: ['negative:unrelated'],
    src: flow(`
tok = os.environ["API_KEY"]
if len(tok) != 40:
    raise ValueError(f"API_KEY has {len(tok)} characters, expected 40")
`),
  },
  {
    id: 'neg-x-helper-masks',
    covers: ['sanitizer:mask-stars'],
    src: flow(
      `
print(mask(os.environ["API_KEY"]))
`,
      { preamble: 'def mask(v):\n    return v[:2] + "*" * (len(v) - 2)' },
    ),
  },
  {
    id: 'neg-x-dict-other-key',
    covers: ['propagation:container'],
    src: flow(`
db = {"host": "db.internal", "password": os.environ["DB_PASSWORD"]}
print(f"connecting to {db['host']}")
logging.info("db user %s", db.get("user", "admin"))
`),
  },
  {
    id: 'x-dict-secret-key',
    covers: ['propagation:container', 'propagation:subscript'],
    src: flow(`
db = {"host": "db.internal", "password": os.environ["DB_PASSWORD"]}
print(db["password"])  # LEAK MFS050
print(db.get("password"))  # LEAK MFS050
print(db)  # LEAK MFS050
`),
  },
  {
    id: 'x-dict-store-key',
    covers: ['propagation:subscript'],
    src: flow(`
db = {"host": "db.internal"}
db["password"] = os.environ["DB_PASSWORD"]
print(db["host"])
print(db)  # LEAK MFS050
db["password"] = "***"
print(db)
`),
  },
  {
    id: 'x-dict-dynamic-key',
    covers: ['propagation:subscript'],
    src: flow(`
db = {"host": "h", "password": os.environ["DB_PASSWORD"]}
k = input()
print(db[k])  # LEAK MFS050
`),
  },
  {
    id: 'x-foreach-input',
    covers: ['propagation:self-artifact'],
    src: [
      'import os',
      'from metaflow import FlowSpec, step, secrets',
      'class Fan(FlowSpec):',
      '    @secrets(sources=["db"])',
      '    @step',
      '    def start(self):',
      '        self.keys = [os.environ["API_KEY"], "public"]  # LEAK MFS052',
      '        self.names = ["a", "b"]',
      '        self.next(self.work, foreach="keys")  # LEAK MFS052',
      '    @step',
      '    def work(self):',
      '        print("working with", self.input)  # LEAK MFS050',
      '        self.next(self.join)',
      '    @step',
      '    def join(self, inputs):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      '',
    ].join('\n'),
  },
  {
    id: 'neg-x-foreach-clean',
    covers: ['negative:artifact'],
    src: [
      'import os',
      'from metaflow import FlowSpec, step, secrets',
      'class Fan2(FlowSpec):',
      '    @secrets(sources=["db"])',
      '    @step',
      '    def start(self):',
      '        self.n = len(os.environ["API_KEY"])',
      '        self.names = ["a", "b"]',
      '        self.next(self.work, foreach="names")',
      '    @step',
      '    def work(self):',
      '        print("working on", self.input, self.n)',
      '        self.next(self.join)',
      '    @step',
      '    def join(self, inputs):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      '',
    ].join('\n'),
  },
  {
    id: 'x-join-inputs',
    covers: ['propagation:self-artifact'],
    src: [
      'import os',
      'from metaflow import FlowSpec, step, secrets',
      'class Joined(FlowSpec):',
      '    @step',
      '    def start(self):',
      '        self.next(self.a, self.b)',
      '    @secrets(sources=["db"])',
      '    @step',
      '    def a(self):',
      '        self.tok = os.environ["API_KEY"]  # LEAK MFS052',
      '        self.count = 1',
      '        self.next(self.join)',
      '    @step',
      '    def b(self):',
      '        self.count = 2',
      '        self.next(self.join)',
      '    @step',
      '    def join(self, inputs):',
      '        for inp in inputs:',
      '            print(inp.count)',
      '        print(inputs.a.tok)  # LEAK MFS050',
      '        self.merge_artifacts(inputs, exclude=["tok"])',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      '',
    ].join('\n'),
  },
  {
    id: 'x-closure',
    covers: ['propagation:helper-param-sink'],
    src: flow(`
tok = os.environ["API_KEY"]
def show():
    print("token", tok)  # LEAK MFS050
show()
`),
  },
  {
    id: 'x-tuple-return',
    covers: ['propagation:unpacking', 'propagation:helper-return'],
    src: flow(
      `
host, pw = creds()
print("host", host)
print("pw", pw)  # LEAK MFS050
t = creds()
print(t[0])
print(t[1])  # LEAK MFS050
`,
      { preamble: 'def creds():\n    return "db.internal", os.environ["DB_PASSWORD"]' },
    ),
  },
  {
    id: 'x-logger-parameter',
    covers: ['propagation:helper-param-sink', 'sink:getLogger'],
    src: flow(
      `
report(logging.getLogger("x"), os.environ["API_KEY"])
report(Counter(), os.environ["API_KEY"])
`,
      { preamble: 'class Counter:\n    def info(self, *a):\n        pass\n\ndef report(lg, value):\n    lg.info("value %s", value)  # LEAK MFS050' },
    ),
  },
  {
    id: 'x-local-constant-key',
    covers: ['source:constant-key'],
    src: flow(`
var = "DB_PASSWORD"
print(os.environ[var])  # LEAK MFS050
other = "HOME"
print(os.getenv(other))
`),
  },
  {
    id: 'x-try-except-with',
    covers: ['propagation:try', 'propagation:with'],
    src: flow(`
tok = os.environ["API_KEY"]
try:
    with open("/dev/null") as fh:
        fh.read()
except OSError as err:
    print("failed:", err)
    with open("/dev/null") as tok2:
        print(tok)  # LEAK MFS050
finally:
    logging.info("done with %s", tok)  # LEAK MFS050
`),
  },
  {
    id: 'x-environ-items-key',
    covers: ['source:os.environ.items()', 'sanitizer:names-only'],
    src: flow(`
for name, value in os.environ.items():
    print(name)
for pair in os.environ.items():
    print(pair)  # LEAK MFS054
print(list(os.environ.items()))  # LEAK MFS054
`),
  },
  // ---------------- known limitations, labelled with the truth (they count against the score) ----------------
  {
    id: 'gap-list-of-dicts',
    covers: ['limitation:container-fields'],
    src: flow(`
rows = []
for n in range(3):
    rows.append({"owner": os.environ["DB_USER"], "tag": "t%d" % n})
tags = [r["tag"] for r in rows]
print(tags)
`),
  },
];
