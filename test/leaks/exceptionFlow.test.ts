import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, flow, MarkedCase, markedResult } from './harness';

// Exceptions whose text carries a secret, caught and printed or left to Metaflow, versus those
// that never carry it; sys.exit and assert messages. One test per case.

const CASES: MarkedCase[] = [
  {
    name: 'int() of a secret raises with it; the handler prints the error',
    body: 'try:\n    n = int(os.environ["API_KEY"])\nexcept ValueError as e:\n    print("bad", e)  # LEAK MFS050',
  },
  {
    name: 'float() and strptime() carry the value too',
    body: 'import datetime\ntry:\n    float(os.environ["API_KEY"])\n    datetime.datetime.strptime(os.environ["DB_PASSWORD"], "%Y")\nexcept ValueError as e:\n    log = logging.getLogger(__name__)\n    log.warning("skipped: %s", e)  # LEAK MFS050',
  },
  { name: 'a handler for another class does not see it', body: 'try:\n    n = int(os.environ["API_KEY"])\nexcept KeyError as e:\n    print("bad", e)' },
  {
    name: 'json.loads() does not carry the document (JSONDecodeError gives a position)',
    body: 'import json, traceback\ntry:\n    cfg = json.loads(os.environ["API_KEY"])\nexcept json.JSONDecodeError as e:\n    print("bad", e)\n    traceback.print_exc()',
  },
  {
    name: 'traceback.print_exc() prints the handled exception',
    body: 'import traceback\ntry:\n    n = float(os.environ["API_KEY"])\nexcept Exception:\n    traceback.print_exc()  # LEAK MFS050',
  },
  {
    name: 'logger.exception() and exc_info=True log it; exc_info=False does not',
    body: 'log = logging.getLogger(__name__)\ntry:\n    n = float(os.environ["API_KEY"])\nexcept Exception:\n    log.exception("failed")  # LEAK MFS050\n    log.error("failed", exc_info=True)  # LEAK MFS050\n    log.error("failed", exc_info=False)',
  },
  {
    name: 'traceback.format_exc() returns its text',
    body: 'import traceback\ntry:\n    n = int(os.environ["API_KEY"])\nexcept ValueError:\n    msg = traceback.format_exc()\n    self.error = msg  # LEAK MFS052',
  },
  {
    name: 'a dict looked up with a secret key raises KeyError(key)',
    body: 'TENANTS = {}\ntry:\n    t = TENANTS[os.environ["API_KEY"]]\nexcept KeyError as e:\n    print("unknown", e)  # LEAK MFS050',
  },
  {
    name: "os.environ's KeyError names the variable, not a value",
    body: 'try:\n    tok = os.environ["API_KEY"]\nexcept KeyError as missing:\n    print("set", missing)\n    raise',
  },
  {
    name: 'a raise caught by its own try is printed only by the handler',
    body: 'try:\n    raise ValueError("bad " + os.environ["API_KEY"])\nexcept ValueError as e:\n    print(e)  # LEAK MFS050',
  },
  {
    name: 'a raise caught and dropped is no leak',
    body: 'try:\n    raise ValueError("bad " + os.environ["API_KEY"])\nexcept (TypeError, ValueError):\n    pass',
  },
  {
    name: 'a raise no handler catches is printed by Metaflow',
    body: 'try:\n    raise ValueError("bad " + os.environ["API_KEY"])  # LEAK MFS051\nexcept KeyError:\n    pass',
  },
  {
    name: 'an exception class of the file is caught through its base',
    preamble: 'class ConfigError(ValueError):\n    pass',
    body: 'try:\n    raise ConfigError("bad " + os.environ["API_KEY"])\nexcept ValueError:\n    pass',
  },
  {
    name: 'raising inside a handler prints the handled exception too (implicit chaining)',
    body: 'try:\n    int(os.environ["API_KEY"])\nexcept ValueError:\n    raise RuntimeError("config broken")  # LEAK MFS051',
  },
  {
    name: '`from e` prints the cause; `from None` drops it',
    body: 'try:\n    int(os.environ["API_KEY"])\nexcept ValueError as e:\n    if self:\n        raise RuntimeError("config broken") from e  # LEAK MFS051\n    raise RuntimeError("config broken") from None',
  },
  {
    name: 'a bare raise re-raises the handled exception',
    body: 'try:\n    int(os.environ["API_KEY"])\nexcept ValueError:\n    print("could not parse")\n    raise  # LEAK MFS051',
  },
  {
    name: "a helper's raise is handled by the caller's try",
    preamble: 'def check(v):\n    if not v.startswith("sk-"):\n        raise ValueError("bad key " + v)',
    body: 'try:\n    check(os.environ["API_KEY"])\nexcept ValueError as e:\n    print(e)  # LEAK MFS050',
  },
  {
    name: "a helper's raise nobody catches is printed (reported in the helper)",
    preamble: 'def check(v):\n    raise ValueError("bad key " + v)  # LEAK MFS051',
    body: 'check(os.environ["API_KEY"])',
  },
  {
    name: "a helper's conversion raises into the caller's handler",
    preamble: 'def port(v):\n    return int(v)',
    body: 'try:\n    port(os.environ["API_KEY"])\nexcept ValueError as e:\n    print(e)  # LEAK MFS050',
  },
  {
    name: "requests' errors name the URL with params=, never headers=",
    body: 'import requests\ntry:\n    requests.get("http://x", params={"k": os.environ["API_KEY"]}, headers={"h": os.environ["DB_PASSWORD"]})\nexcept requests.ConnectionError as e:\n    print(e)  # LEAK MFS050',
  },
  {
    name: 'a key only in headers: the logged exception holds nothing',
    body: 'import requests\nlog = logging.getLogger(__name__)\ntry:\n    requests.post("http://x", headers={"X-Key": os.environ["API_KEY"]})\nexcept requests.RequestException:\n    log.exception("notify failed")',
  },
  { name: 'sys.exit(msg) prints msg to stderr', body: 'import sys\nsys.exit("bad key " + os.environ["API_KEY"])  # LEAK MFS050' },
  { name: 'exit(msg) and quit(msg) too', body: 'exit("bad " + os.environ["API_KEY"])  # LEAK MFS050' },
  { name: 'an assert message is the AssertionError text', body: 'k = os.environ["API_KEY"]\nassert k.startswith("sk-"), f"bad key {k}"  # LEAK MFS051' },
  {
    name: 'an assert caught and printed',
    body: 'k = os.environ["API_KEY"]\ntry:\n    assert k.startswith("sk-"), f"bad key {k}"\nexcept AssertionError as e:\n    print(e)  # LEAK MFS050',
  },
  {
    name: 'nested tries: the inner handler catches, the outer one sees nothing',
    body: 'try:\n    try:\n        int(os.environ["API_KEY"])\n    except ValueError:\n        pass\nexcept Exception as e:\n    print(e)',
  },
  {
    name: 'nested tries: what the inner one does not catch reaches the outer',
    body: 'try:\n    try:\n        int(os.environ["API_KEY"])\n    except KeyError:\n        pass\nexcept Exception as e:\n    print(e)  # LEAK MFS050',
  },
];

for (const c of CASES) {
  test(`exceptions: ${c.name}`, async () => {
    const r = await markedResult(c);
    assert.deepEqual(r.got, r.want);
  });
}

test("the handled exception's finding names the call and says the text is the exception's", async () => {
  const [f] = await analyse(flow('import traceback\ntry:\n    int(os.environ["API_KEY"])\nexcept ValueError:\n    traceback.print_exc()'));
  assert.equal(f.code, 'MFS050');
  assert.match(f.message, /`API_KEY`.*traceback\.print_exc\(\) \(in the text of the exception it prints\)/);
});
