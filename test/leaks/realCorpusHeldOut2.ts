import { HEADER, RealCase } from './realCorpusTypes';

// The second held-out part (issue 16, items 1-4): written before the analysis learned the
// sinks and shapes it exercises (command lines, caught exceptions, sys.exit, assert, foreach,
// files, encodings, objects, helper masks, setting-like names), never tuned against, scored
// last. Modelled on patterns public Metaflow flows use (tokens on download and clone command
// lines, warehouse credentials, API keys in query strings, config files, sharded keys), written
// here. Do not edit a case to make it pass; list it as a known miss instead.

const f = (name: string, body: string, extraImports = ''): string =>
  `${HEADER}\n${extraImports}\n\n${body.replace(/^\n/, '').replace(/CLS/g, name)}\n\nif __name__ == "__main__":\n    ${name}()\n`;

export const HELD_OUT_2: RealCase[] = [
  {
    id: 'n-curl-bearer-check',
    pattern: 'a bearer token in a curl command run with check=True',
    secrets: { 'partner-api': ['PARTNER_API_TOKEN'] },
    why: 'the command line is visible in the process list; when curl fails, CalledProcessError prints it (the run fails: nothing listens on port 9)',
    src: f(
      'CurlFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["partner-api"])
    @step
    def start(self):
        token = os.environ["PARTNER_API_TOKEN"]
        subprocess.run(
            ["curl", "-sf", "-H", f"Authorization: Bearer {token}", "http://127.0.0.1:9/v1/export"],  # LEAK MFS055
            check=True,
        )
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import subprocess',
    ),
  },
  {
    id: 'n-git-clone-token-url',
    pattern: 'a GitHub token inside a clone URL; only the exit code is printed',
    secrets: { 'ci/github-token': ['GH_TOKEN'] },
    options: { 'ci/github-token': { json: false, env_var_name: 'GH_TOKEN' } },
    exposed: false,
    why: 'the token is on the command line (process list) only: the output is captured and not printed',
    src: f(
      'CloneFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=[{"type": "aws-secrets-manager", "id": "ci/github-token", "options": {"json": False, "env_var_name": "GH_TOKEN"}}])
    @step
    def start(self):
        repo = f"https://x-access-token:{os.environ['GH_TOKEN']}@127.0.0.1:9/acme/features.git"
        proc = subprocess.run(["git", "clone", "--depth", "1", repo, "features"], capture_output=True, text=True)  # LEAK MFS059
        print("clone exit code", proc.returncode)
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import subprocess',
    ),
  },
  {
    id: 'n-neg-token-in-child-env',
    pattern: 'an API key handed to a training subprocess through its environment',
    secrets: { wandb: ['WANDB_API_KEY'] },
    src: f(
      'ChildEnvFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["wandb"])
    @step
    def start(self):
        env = {**os.environ, "WANDB_API_KEY": os.environ["WANDB_API_KEY"], "WANDB_MODE": "offline"}
        subprocess.run([sys.executable, "-c", "print('training')"], env=env, check=True)
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import subprocess\nimport sys',
    ),
  },
  {
    id: 'n-calledprocesserror-printed',
    pattern: 'credentials on an upload command; the CalledProcessError is printed',
    secrets: { 'sftp-creds': ['SFTP_USER', 'SFTP_PASSWORD'] },
    src: f(
      'UploadFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["sftp-creds"])
    @step
    def start(self):
        user = os.environ["SFTP_USER"]
        password = os.environ["SFTP_PASSWORD"]
        try:
            subprocess.run(["curl", "-sf", "-u", f"{user}:{password}", "-T", "report.csv", "http://127.0.0.1:9/upload/"], check=True)  # LEAK MFS055
        except subprocess.CalledProcessError as err:
            print(f"upload failed: {err}")  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import subprocess',
    ),
  },
  {
    id: 'n-subprocess-output-printed',
    pattern: 'a key passed to a CLI tool whose captured error output is printed',
    secrets: { exporter: ['EXPORT_API_KEY'] },
    why: 'argparse echoes unrecognised arguments, key included, on stderr',
    src: f(
      'ToolOutputFlow',
      `
TOOL = "import argparse; argparse.ArgumentParser(prog='export').parse_args()"


class CLS(FlowSpec):
    @secrets(sources=["exporter"])
    @step
    def start(self):
        key = os.environ["EXPORT_API_KEY"]
        result = subprocess.run([sys.executable, "-c", TOOL, "--api-key", key], capture_output=True, text=True)  # LEAK MFS055
        print("exporter said:", result.stdout, result.stderr)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import subprocess\nimport sys',
    ),
  },
  {
    id: 'n-neg-port-host',
    pattern: 'database host and port read and printed in a step whose @secrets keys are unknown',
    secrets: { 'warehouse-creds': ['DB_PASSWORD'] },
    why: 'ground truth: a host name and a port number are not secrets, wherever they come from',
    src: f(
      'HostPortFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["warehouse-creds"])
    @step
    def start(self):
        host = os.environ.get("DB_HOST", "localhost")
        port = int(os.environ.get("DB_PORT", "5432"))
        print(f"connecting to {host}:{port}")
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-neg-workers-knob',
    pattern: 'a worker count read as text, printed and stored',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'WorkersFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        workers = os.environ.get("NUM_WORKERS", "4")
        print("dataloader workers:", workers)
        self.workers = int(workers)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-neg-output-dir',
    pattern: 'an output directory from the environment, created, printed and kept',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'OutDirFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        out_dir = os.environ.get("OUTPUT_DIR", "outputs")
        os.makedirs(out_dir, exist_ok=True)
        print("writing checkpoints to", out_dir)
        self.output_dir = out_dir
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-requests-error-printed',
    pattern: 'an API key in a query string; the requests error is printed',
    secrets: { quotes: ['QUOTES_API_KEY'] },
    why: "requests' ConnectionError names the URL, query string included",
    src: f(
      'QuotesFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["quotes"])
    @step
    def start(self):
        api_key = os.environ["QUOTES_API_KEY"]
        url = f"http://127.0.0.1:9/v2/quotes?symbol=ACME&apikey={api_key}"
        try:
            self.quotes = requests.get(url, timeout=5).json()
        except requests.RequestException as e:
            print("quote service unavailable:", e)  # LEAK MFS055
            self.quotes = []
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import requests',
    ),
  },
  {
    id: 'n-neg-keyerror-name',
    pattern: 'a missing variable reported by its name from the KeyError',
    secrets: { hf: ['HF_TOKEN'] },
    why: "os.environ's KeyError carries the variable's name, not a value",
    src: f(
      'MissingFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        try:
            token = os.environ["HF_TOKEN"]
        except KeyError as missing:
            print(f"set {missing} with @secrets")
            raise
        print("token length", len(token))
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-keyerror-secret-key',
    pattern: 'an API key used as a dict key; the KeyError is printed',
    secrets: { tenants: ['TENANT_API_KEY'] },
    src: f(
      'TenantFlow',
      `
TENANT_BY_KEY = {"demo-key": "demo"}


class CLS(FlowSpec):
    @secrets(sources=["tenants"])
    @step
    def start(self):
        api_key = os.environ["TENANT_API_KEY"]
        try:
            self.tenant = TENANT_BY_KEY[api_key]
        except KeyError as e:
            print("unknown tenant for key", e)  # LEAK MFS055
            self.tenant = "default"
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-sys-exit-token',
    pattern: 'a token that looks wrong echoed in sys.exit',
    secrets: { huggingface: ['HF_TOKEN'] },
    src: f(
      'ExitFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["huggingface"])
    @step
    def start(self):
        token = os.getenv("HF_TOKEN", "")
        if not token.startswith("hf_"):
            sys.exit(f"HF_TOKEN does not look like a Hugging Face token: {token}")  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import sys',
    ),
  },
  {
    id: 'n-assert-key-format',
    pattern: 'an assert whose message embeds the key',
    secrets: { openai: ['OPENAI_API_KEY'] },
    src: f(
      'AssertFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["openai"])
    @step
    def start(self):
        key = os.environ["OPENAI_API_KEY"]
        assert key.startswith("sk-"), f"bad OpenAI key: {key}"  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-foreach-api-keys',
    pattern: 'API keys split from one secret and fanned out with foreach',
    secrets: { openai: ['OPENAI_KEYS'] },
    why: 'the list is an artifact, and Metaflow also stores each split value (_foreach_values, and the foreach-stack metadata of every task)',
    src: f(
      'FanOutFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["openai"])
    @step
    def start(self):
        self.api_keys = os.environ["OPENAI_KEYS"].split(",")  # LEAK MFS055
        self.next(self.call_api, foreach="api_keys")  # LEAK MFS055

    @step
    def call_api(self):
        self.calls = 1
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.calls for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-train-config-file-artifact',
    pattern: 'a config file written with the key, its text kept as an artifact',
    secrets: { wandb: ['WANDB_API_KEY'] },
    src: f(
      'ConfigFileFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["wandb"])
    @step
    def start(self):
        cfg_path = "train_config.yaml"
        with open(cfg_path, "w") as fh:
            yaml.safe_dump({"model": "gpt2", "wandb": {"api_key": os.environ["WANDB_API_KEY"], "project": "ft"}}, fh)
        self.train_config = open(cfg_path).read()  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import yaml',
    ),
  },
  {
    id: 'n-neg-token-file-for-cli',
    pattern: 'a token written to a temporary file for a CLI, then removed',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'TokenFileFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        token_file = os.path.join(tempfile.mkdtemp(), "token")
        with open(token_file, "w") as fh:
            fh.write(os.environ["HF_TOKEN"])
        print("token file ready at", token_file)
        os.remove(token_file)
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import tempfile',
    ),
  },
  {
    id: 'n-basic-auth-b64-printed',
    pattern: 'a basic-auth header (base64 of user:password) printed',
    secrets: { registry: ['REGISTRY_USER', 'REGISTRY_PASSWORD'] },
    exposed: false,
    why: 'the log holds base64 of the canary (reversible, so a leak), not its plain text, which is what the run searches for',
    src: f(
      'BasicAuthFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["registry"])
    @step
    def start(self):
        user = os.environ["REGISTRY_USER"]
        password = os.environ["REGISTRY_PASSWORD"]
        creds = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers = {"Authorization": f"Basic {creds}"}
        print("request headers:", headers)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import base64',
    ),
  },
  {
    id: 'n-neg-hmac-signature',
    pattern: 'a webhook payload signed with the secret; the signature printed and kept',
    secrets: { webhooks: ['WEBHOOK_SIGNING_SECRET'] },
    src: f(
      'SignFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["webhooks"])
    @step
    def start(self):
        secret = os.environ["WEBHOOK_SIGNING_SECRET"]
        body = json.dumps({"flow": current.flow_name, "status": "done"}).encode()
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        print("signature", signature)
        self.signature = signature
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import hashlib\nimport hmac\nimport json',
    ),
  },
  {
    id: 'n-neg-client-describe',
    pattern: 'a client object holding the token; only its description printed and kept',
    secrets: { partner: ['PARTNER_TOKEN'] },
    src: f(
      'ClientFlow',
      `
class ApiClient:
    def __init__(self, token, base_url):
        self.token = token
        self.base_url = base_url

    def describe(self):
        return f"ApiClient(base_url={self.base_url})"


class CLS(FlowSpec):
    @secrets(sources=["partner"])
    @step
    def start(self):
        client = ApiClient(os.environ["PARTNER_TOKEN"], "https://partner.example.com")
        print(client.describe())
        self.client_info = client.describe()
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-client-vars-printed',
    pattern: "a client object's attributes printed with vars()",
    secrets: { partner: ['PARTNER_TOKEN'] },
    src: f(
      'ClientVarsFlow',
      `
class ApiClient:
    def __init__(self, token, base_url):
        self.token = token
        self.base_url = base_url


class CLS(FlowSpec):
    @secrets(sources=["partner"])
    @step
    def start(self):
        client = ApiClient(os.environ["PARTNER_TOKEN"], "https://partner.example.com")
        print("client settings:", vars(client))  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-neg-redact-helper',
    pattern: 'a key printed through a redaction helper with a default length',
    secrets: { openai: ['OPENAI_API_KEY'] },
    src: f(
      'RedactFlow',
      `
def redact(value, keep=4):
    if not value:
        return "<unset>"
    return value[:keep] + "..."


class CLS(FlowSpec):
    @secrets(sources=["openai"])
    @step
    def start(self):
        api_key = os.environ["OPENAI_API_KEY"]
        print("using key", redact(api_key))
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-neg-short-circuit-mask',
    pattern: 'a token shown through and/or expressions that keep only a prefix',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'ShortCircuitFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        token = os.environ.get("HF_TOKEN")
        shown = token and token[:4] + "..."
        print("token:", shown or "<missing>")
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-webhook-url-printed',
    pattern: 'a Slack webhook URL (itself the credential) printed',
    secrets: { slack: ['SLACK_WEBHOOK_URL'] },
    src: f(
      'WebhookFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["slack"])
    @step
    def start(self):
        webhook = os.environ["SLACK_WEBHOOK_URL"]
        print(f"posting the run summary to {webhook}")  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-database-url-artifact',
    pattern: 'a database URL with its password kept as an artifact',
    secrets: { db: ['DATABASE_URL'] },
    src: f(
      'DbUrlFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["db"])
    @step
    def start(self):
        self.database_url = os.environ["DATABASE_URL"]  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-neg-model-uri',
    pattern: 'a model location from the environment kept and printed',
    secrets: { hf: ['HF_TOKEN'] },
    why: 'ground truth: an s3 location of a model is not a secret',
    src: f(
      'ModelUriFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        self.model_uri = os.environ.get("MODEL_URI", "s3://models/bert/latest")
        print("loading", self.model_uri)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-urlencode-query-printed',
    pattern: 'an API key urlencoded into a query string that is printed',
    secrets: { serp: ['SERP_API_KEY'] },
    src: f(
      'SearchFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["serp"])
    @step
    def start(self):
        query = urllib.parse.urlencode({"q": "metaflow", "api_key": os.environ["SERP_API_KEY"]})
        url = "https://serp.example.com/search?" + query
        print("GET", url)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import urllib.parse',
    ),
  },
  {
    id: 'n-neg-json-traceback',
    pattern: 'a JSON secret that fails to parse; the traceback is printed',
    secrets: { service: ['SERVICE_CONFIG'] },
    why: "JSONDecodeError's text gives a position, never the document",
    src: f(
      'JsonConfigFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["service"])
    @step
    def start(self):
        try:
            cfg = json.loads(os.environ["SERVICE_CONFIG"])
        except json.JSONDecodeError:
            traceback.print_exc()
            cfg = {}
        print("config keys", sorted(cfg))
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import json\nimport traceback',
    ),
  },
  {
    id: 'n-int-conversion-print-e',
    pattern: 'a numeric secret that fails int(); the ValueError is printed',
    secrets: { bank: ['ACCOUNT_PIN'] },
    src: f(
      'PinFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["bank"])
    @step
    def start(self):
        raw = os.environ["ACCOUNT_PIN"]
        try:
            pin = int(raw)
        except ValueError as e:
            print(f"ACCOUNT_PIN is not numeric: {e}")  # LEAK MFS055
            pin = None
        self.has_pin = pin is not None
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-neg-dataclass-host',
    pattern: 'a dataclass config holding the password; only the host printed and kept',
    secrets: { pg: ['PG_PASSWORD'] },
    src: f(
      'DataclassFlow',
      `
@dataclass
class DbConfig:
    host: str
    user: str
    password: str


class CLS(FlowSpec):
    @secrets(sources=["pg"])
    @step
    def start(self):
        cfg = DbConfig(host="db.internal", user="etl", password=os.environ["PG_PASSWORD"])
        print("database host", cfg.host)
        self.db_host = cfg.host
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'from dataclasses import dataclass',
    ),
  },
  {
    id: 'n-neg-dict-filter-comprehension',
    pattern: 'a config printed with the token filtered out by a comprehension',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'FilterFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        cfg = {"model": "gpt2", "epochs": 3, "token": os.environ["HF_TOKEN"]}
        print({k: v for k, v in cfg.items() if k != "token"})
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'n-neg-logger-exception-headers',
    pattern: 'an API key in request headers; logger.exception after the request fails',
    secrets: { notify: ['NOTIFY_API_KEY'] },
    why: "requests' errors name the URL, never the headers",
    src: f(
      'NotifyFlow',
      `
logger = logging.getLogger(__name__)


class CLS(FlowSpec):
    @secrets(sources=["notify"])
    @step
    def start(self):
        key = os.environ["NOTIFY_API_KEY"]
        try:
            requests.post("http://127.0.0.1:9/hooks", json={"text": "done"}, headers={"X-Api-Key": key}, timeout=3)
        except requests.RequestException:
            logger.exception("notification failed")
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import requests',
    ),
  },
  {
    id: 'n-caught-raise-logged',
    pattern: 'a DSN validated by a helper that raises with it; the caller logs the error',
    secrets: { warehouse: ['WH_USER', 'WH_PASSWORD'] },
    src: f(
      'DsnCheckFlow',
      `
logger = logging.getLogger(__name__)


def check_dsn(dsn):
    if "sslmode=" not in dsn:
        raise ValueError(f"DSN without sslmode: {dsn}")
    return dsn


class CLS(FlowSpec):
    @secrets(sources=["warehouse"])
    @step
    def start(self):
        dsn = f"postgresql://{os.environ['WH_USER']}:{os.environ['WH_PASSWORD']}@wh:5432/analytics"
        try:
            check_dsn(dsn)
        except ValueError as e:
            logger.error("warehouse disabled: %s", e)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
];

/** Flows of this part that are meant to fail (the failure is how the value escapes). */
export const HELD_OUT_2_FAILS: ReadonlySet<string> = new Set(['n-curl-bearer-check', 'n-sys-exit-token', 'n-assert-key-format']);
