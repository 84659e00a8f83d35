import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MarkedCase, markedResult } from './harness';

// Issue 16 item 3, shape by shape: helpers of every form, names from literal collections,
// container mutation, encodings versus one-way functions, masks through helpers and
// short-circuits, objects and field sensitivity, library models. One test per case.

const WRAP = 'def fmt(v):\n    return "<" + v + ">"';
const DATACLASS = 'from dataclasses import dataclass, field\n\n@dataclass\nclass Cfg:\n    host: str\n    pw: str';
const CREDS =
  'class Creds:\n    def __init__(self, host, pw):\n        self.host = host\n        self.pw = pw\n\n    def count(self):\n        return 0\n\n    def header(self):\n        return "Bearer " + self.pw';

const CASES: MarkedCase[] = [
  // helpers
  { name: 'a module function', preamble: WRAP, body: 'print(fmt(os.environ["API_KEY"]))  # LEAK MFS050' },
  { name: 'a lambda in the step', body: 'fmt = lambda v: "<" + v + ">"\nprint(fmt(os.environ["API_KEY"]))  # LEAK MFS050' },
  { name: 'a lambda that only measures', body: 'fmt = lambda v: len(v)\nprint(fmt(os.environ["API_KEY"]))' },
  { name: 'a module-level lambda', preamble: 'fmt = lambda v: "<" + v + ">"', body: 'print(fmt(os.environ["API_KEY"]))  # LEAK MFS050' },
  {
    name: 'nested functions',
    body: 'def inner(v):\n    def deeper(w):\n        return w + "!"\n    return deeper(v)\nprint(inner(os.environ["API_KEY"]))  # LEAK MFS050',
  },
  { name: 'a method of the flow', methods: 'def fmt(self, v):\n    return "<" + v + ">"', body: 'print(self.fmt(os.environ["API_KEY"]))  # LEAK MFS050' },
  {
    name: 'a staticmethod of the flow (no self)',
    methods: '@staticmethod\ndef fmt(v):\n    return "<" + v + ">"',
    body: 'print(self.fmt(os.environ["API_KEY"]))  # LEAK MFS050',
  },
  {
    name: 'a helper reading a variable named by its argument',
    preamble: 'def env(name):\n    return os.environ[name]',
    body: 'print(env("API_KEY"))  # LEAK MFS050\nprint(env("HOME"))',
  },
  // keys from literal collections
  { name: 'a loop over a literal list of names', body: 'for name in ["DB_PASSWORD", "API_KEY"]:\n    print(os.environ[name])  # LEAK MFS050' },
  { name: 'a loop over a literal tuple with .get', body: 'for name in ("DB_PASSWORD",):\n    print(os.environ.get(name))  # LEAK MFS050' },
  { name: 'a dict comprehension over names', body: 'env = {n: os.environ[n] for n in ["DB_PASSWORD"]}\nprint(env)  # LEAK MFS050' },
  {
    name: 'a module constant list of names',
    preamble: 'SECRET_NAMES = ["API_KEY", "DB_PASSWORD"]',
    body: 'for n in SECRET_NAMES:\n    print(n, os.environ[n])  # LEAK MFS050',
  },
  { name: 'a loop over non-secret names', body: 'for name in ["HOME", "PATH"]:\n    print(os.environ[name])' },
  // container mutation
  { name: 'append', body: 'xs = []\nxs.append(os.environ["API_KEY"])\nprint(xs)  # LEAK MFS050' },
  { name: 'extend', body: 'xs = []\nxs.extend([os.environ["API_KEY"]])\nprint(xs)  # LEAK MFS050' },
  { name: 'update', body: 'd = {}\nd.update({"k": os.environ["API_KEY"]})\nprint(d)  # LEAK MFS050' },
  { name: 'setdefault', body: 'd = {}\nd.setdefault("k", os.environ["API_KEY"])\nprint(d)  # LEAK MFS050' },
  { name: 'insert', body: 'xs = []\nxs.insert(0, os.environ["API_KEY"])\nprint(xs)  # LEAK MFS050' },
  { name: 'append on an artifact', body: 'self.xs = []\nself.xs.append(os.environ["API_KEY"])  # LEAK MFS052' },
  { name: 'update on an artifact dict', body: 'self.cfg = {"a": 1}\nself.cfg.update(key=os.environ["API_KEY"])  # LEAK MFS052' },
  // encodings keep it, one-way functions clear it
  { name: 'base64', body: 'import base64\nprint(base64.b64encode(os.environ["API_KEY"].encode()))  # LEAK MFS050' },
  {
    name: "a method of an encoding's result (found by the second held-out part)",
    body: 'import base64\nprint(base64.b64encode(os.environ["API_KEY"].encode()).decode())  # LEAK MFS050\nprint(urllib.parse.quote(os.environ["API_KEY"]).upper())  # LEAK MFS050',
    preamble: 'import urllib.parse',
  },
  { name: 'hex', body: 'print(os.environ["API_KEY"].encode().hex())  # LEAK MFS050' },
  { name: 'binascii.hexlify', body: 'import binascii\nprint(binascii.hexlify(os.environ["API_KEY"].encode()))  # LEAK MFS050' },
  { name: 'urllib quote', body: 'import urllib.parse\nprint(urllib.parse.quote(os.environ["API_KEY"]))  # LEAK MFS050' },
  { name: 'json.dumps', body: 'import json\nprint(json.dumps({"k": os.environ["API_KEY"]}))  # LEAK MFS050' },
  { name: 'hashlib', body: 'import hashlib\nprint(hashlib.sha256(os.environ["API_KEY"].encode()).hexdigest())' },
  { name: 'hmac', body: 'import hmac, hashlib\nprint(hmac.new(os.environ["API_KEY"].encode(), b"x", hashlib.sha256).hexdigest())' },
  { name: 'len and comparisons', body: 'k = os.environ["API_KEY"]\nprint(len(k), k == "x", k.startswith("sk-"))' },
  // masks
  { name: 'a masking helper', preamble: 'def mask(s):\n    return s[:4] + "*" * (len(s) - 4)', body: 'print(mask(os.environ["API_KEY"]))' },
  {
    name: 'a masking helper whose length is a default parameter',
    preamble: 'def mask(s, keep=4):\n    return s[:keep] + "..."',
    body: 'print(mask(os.environ["API_KEY"]))',
  },
  {
    name: 'the same helper called with a long length',
    preamble: 'def mask(s, keep=4):\n    return s[:keep] + "..."',
    body: 'print(mask(os.environ["API_KEY"], 40))  # LEAK MFS050',
  },
  {
    name: 'a helper that keeps all but the end',
    preamble: 'def mask(s):\n    return s[:-4] + "****"',
    body: 'print(mask(os.environ["API_KEY"]))  # LEAK MFS050',
  },
  { name: '`k and k[:4]`: the left side only when falsy (empty)', body: 'k = os.environ.get("API_KEY")\nprint(k and k[:4] + "...")' },
  { name: '`k or "none"` is k when set', body: 'k = os.environ.get("API_KEY")\nprint(k or "none")  # LEAK MFS050' },
  // objects and fields
  {
    name: 'a session with auth set: its responses are not the secret',
    body: 'import requests\ns = requests.Session()\ns.auth = ("u", os.environ["DB_PASSWORD"])\nresp = s.get("https://x")\nprint(resp.status_code, resp.json())\nprint(s.auth)  # LEAK MFS050',
  },
  {
    name: 'an attribute of an imported module',
    body: 'import openai\nopenai.api_key = os.environ["API_KEY"]\nr = openai.ChatCompletion.create(model="m")\nprint(r)\nprint(openai.api_key)  # LEAK MFS050',
  },
  { name: 'a dict field', body: 'cfg = {"host": "h", "pw": os.environ["DB_PASSWORD"]}\nprint(cfg["host"])\nprint(cfg["pw"])  # LEAK MFS050' },
  { name: 'a tuple field', body: 'creds = ("h", os.environ["DB_PASSWORD"])\nprint(creds[0])\nprint(creds[1])  # LEAK MFS050' },
  {
    name: 'a dataclass field; its repr shows every field',
    preamble: DATACLASS,
    body: 'c = Cfg("h", os.environ["DB_PASSWORD"])\nprint(c.host)\nself.host = c.host\nprint(c)  # LEAK MFS050',
  },
  {
    name: 'a dataclass field with repr=False is not in its repr',
    preamble: DATACLASS.replace('pw: str', 'pw: str = field(repr=False)'),
    body: 'c = Cfg("h", pw=os.environ["DB_PASSWORD"])\nprint(c)\nprint(c.pw)  # LEAK MFS050',
  },
  { name: "an object's fields", preamble: CREDS, body: 'c = Creds("h", os.environ["DB_PASSWORD"])\nprint(c.host)\nprint(c.pw)  # LEAK MFS050' },
  {
    name: "an object's methods: only one returning the state",
    preamble: CREDS,
    body: 'c = Creds("h", os.environ["DB_PASSWORD"])\nprint(c.count())\nprint(c.header())  # LEAK MFS050',
  },
  {
    name: 'a plain object prints as <Creds object at ...>; vars() and storing it hold the secret',
    preamble: CREDS,
    body: 'c = Creds("h", os.environ["DB_PASSWORD"])\nprint(c, f"{c}")\nprint(vars(c))  # LEAK MFS050\nself.c = c  # LEAK MFS052',
  },
  {
    name: 'an object with a __repr__ shows what it returns',
    preamble: 'class Tok:\n    def __init__(self, v):\n        self.v = v\n\n    def __repr__(self):\n        return "Tok(" + self.v[:2] + "...)"',
    body: 'print(Tok(os.environ["API_KEY"]))',
  },
  {
    name: 'an object with a __str__ that shows the value',
    preamble: 'class Tok:\n    def __init__(self, v):\n        self.v = v\n\n    def __str__(self):\n        return "Tok(" + self.v + ")"',
    body: 'print(Tok(os.environ["API_KEY"]))  # LEAK MFS050',
  },
  {
    name: 'a class based on a library class: its text is unknown, so its contents',
    preamble: 'import pydantic\n\nclass Settings(pydantic.BaseModel):\n    token: str',
    body: 's = Settings(token=os.environ["API_KEY"])\nprint(s)  # LEAK MFS050\nprint(s.model_dump())  # LEAK MFS050',
  },
  // library models
  {
    name: 'a SQLAlchemy engine prints its URL masked',
    body: 'import sqlalchemy\nengine = sqlalchemy.create_engine(f"postgresql://u:{os.environ[\'DB_PASSWORD\']}@h/db")\nprint(engine, engine.url)\nprint(engine.url.password)  # LEAK MFS050',
  },
  {
    name: 'a SQLAlchemy URL: masked text, the password field, render_as_string(hide_password=False)',
    body: 'from sqlalchemy.engine import URL\nurl = URL.create("postgresql", username="u", password=os.environ["DB_PASSWORD"], host="h")\nprint(url, str(url))\nprint(url.render_as_string(hide_password=False))  # LEAK MFS050\nself.url = url  # LEAK MFS052',
  },
  {
    name: 'a logger with a filter of the file that rewrites the message',
    preamble:
      'class Redact(logging.Filter):\n    def filter(self, record):\n        record.msg = "***"\n        return True\n\nlog = logging.getLogger("x")\nlog.addFilter(Redact())\nother = logging.getLogger("y")',
    body: 'log.info(os.environ["API_KEY"])\nother.info(os.environ["API_KEY"])  # LEAK MFS050',
  },
  {
    name: 'a filter that does not touch the message redacts nothing',
    preamble:
      'class OnlyErrors(logging.Filter):\n    def filter(self, record):\n        return record.levelno >= 40\n\nlog = logging.getLogger("x")\nlog.addFilter(OnlyErrors())',
    body: 'log.error(os.environ["API_KEY"])  # LEAK MFS050',
  },
];

for (const c of CASES) {
  test(`dataflow: ${c.name}`, async () => {
    const r = await markedResult(c);
    assert.deepEqual(r.got, r.want);
  });
}
