import { HEADER, RealCase } from './realCorpusTypes';

// The held-out part: written before the analysis changed for issue 16, never tuned against,
// scored last. Do not edit a case to make it pass; list it as a miss instead.

const f = (name: string, body: string, extraImports = ''): string =>
  `${HEADER}\n${extraImports}\n\n${body.replace(/^\n/, '').replace(/CLS/g, name)}\n\nif __name__ == "__main__":\n    ${name}()\n`;

export const HELD_OUT: RealCase[] = [
  {
    id: 'h-hf-token-print',
    pattern: 'HF token read from the environment and printed for debugging',
    secrets: { huggingface: ['HF_TOKEN'] },
    src: f(
      'HfPrintFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["huggingface"])
    @step
    def start(self):
        hf_token = os.environ["HF_TOKEN"]
        print(f"Using HF token {hf_token}")  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-hf-cmdline-artifact',
    pattern: 'token built into a download command line kept as an artifact',
    secrets: { huggingface: ['HF_TOKEN'] },
    src: f(
      'HfCmdFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["huggingface"])
    @step
    def start(self):
        token = os.environ.get("HF_TOKEN")
        self.cmd = ["huggingface-cli", "download", "gpt2", "--token", token]  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        print("ran", len(self.cmd), "args")`,
    ),
  },
  {
    id: 'h-wandb-login-neg',
    pattern: 'API key handed to a login helper that only checks it',
    secrets: { wandb: ['WANDB_API_KEY'] },
    src: f(
      'WandbFlow',
      `
def login(key):
    return len(key) > 10


class CLS(FlowSpec):
    @secrets(sources=["wandb"])
    @step
    def start(self):
        wandb_key = os.environ["WANDB_API_KEY"]
        ok = login(wandb_key)
        print("logged in:", ok)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-openai-logger-info',
    pattern: 'API key logged at INFO with logging configured',
    secrets: { openai: ['OPENAI_API_KEY'] },
    src: f(
      'OpenAiLogFlow',
      `
logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)


class CLS(FlowSpec):
    @secrets(sources=["openai"])
    @step
    def start(self):
        api_key = os.getenv("OPENAI_API_KEY")
        logger.info("openai key: %s", api_key)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-platform-vars',
    pattern: 'well-known platform variables printed in a step with @secrets',
    secrets: { huggingface: ['HF_TOKEN'] },
    src: f(
      'PlatformVarsFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["huggingface"])
    @step
    def start(self):
        print("home", os.environ["HOME"], "user", os.getenv("USER"))
        print("region", os.environ.get("AWS_REGION", "us-east-1"))
        print("gpus", os.environ.get("CUDA_VISIBLE_DEVICES"))
        print("user name", os.environ.get("METAFLOW_USER"))
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-environment-literal',
    pattern: '@environment sets a literal read back in a step with @secrets',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'EnvLiteralFlow',
      `
class CLS(FlowSpec):
    @environment(vars={"MODEL_NAME": "bert-base-uncased"})
    @secrets(sources=["hf"])
    @step
    def start(self):
        print("model", os.environ["MODEL_NAME"])
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-environment-getenv-printed',
    pattern: '@environment copies an API key from os.getenv; the step prints it',
    shell: ['WANDB_API_KEY'],
    src: f(
      'EnvGetenvFlow',
      `
class CLS(FlowSpec):
    @environment(vars={"WANDB_API_KEY": os.getenv("WANDB_API_KEY")})  # LEAK MFS058
    @step
    def start(self):
        print("wandb key", os.environ["WANDB_API_KEY"])  # LEAK MFS056
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-environment-environ-stored',
    pattern: '@environment copies a CI token from os.environ, used only for its length',
    shell: ['GITHUB_TOKEN'],
    src: f(
      'EnvEnvironFlow',
      `
class CLS(FlowSpec):
    @environment(vars={"GITHUB_TOKEN": os.environ["GITHUB_TOKEN"]})  # LEAK MFS058
    @step
    def start(self):
        print("token length", len(os.environ["GITHUB_TOKEN"]))
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-inline-source',
    pattern: 'the inline provider holding a token value in the code',
    src: f(
      'InlineFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=[{"type": "inline", "id": "slack", "options": {"env_vars": {"SLACK_TOKEN": "{{CANARY}}"}}}])  # LEAK MFS058
    @step
    def start(self):
        n = len(os.environ["SLACK_TOKEN"])
        print("token chars", n)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-env-dump-no-secrets',
    pattern: 'the environment printed for debugging in a step without @secrets',
    shell: ['AWS_SECRET_ACCESS_KEY'],
    src: f(
      'DumpPlainFlow',
      `
class CLS(FlowSpec):
    @step
    def start(self):
        print(dict(os.environ))  # LEAK MFS057
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-env-dump-with-secrets',
    pattern: 'every variable printed in a loop in a step with @secrets',
    secrets: { db: ['DB_PASSWORD'] },
    src: f(
      'DumpSecretsFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["db"])
    @step
    def start(self):
        for k, v in os.environ.items():
            print(k, v)  # LEAK MFS054
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-credential-name-no-secrets',
    pattern: 'a CI token from the shell printed in a step without @secrets',
    shell: ['GITHUB_TOKEN'],
    src: f(
      'ShellTokenFlow',
      `
class CLS(FlowSpec):
    @step
    def start(self):
        token = os.getenv("GITHUB_TOKEN")
        print("token:", token)  # LEAK MFS056
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-credential-checked',
    pattern: 'a password from the shell only checked for presence',
    shell: ['DB_PASSWORD'],
    src: f(
      'ShellCheckFlow',
      `
class CLS(FlowSpec):
    @step
    def start(self):
        pw = os.environ["DB_PASSWORD"]
        have = pw is not None
        print("password set:", have)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-masked',
    pattern: 'an API key printed masked to its first characters',
    secrets: { openai: ['OPENAI_API_KEY'] },
    src: f(
      'MaskedFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["openai"])
    @step
    def start(self):
        key = os.environ["OPENAI_API_KEY"]
        print("key starts with", key[:4] + "...")
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-hash-artifact',
    pattern: 'a fingerprint of the token stored as an artifact',
    secrets: { huggingface: ['HF_TOKEN'] },
    src: f(
      'HashFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["huggingface"])
    @step
    def start(self):
        self.token_fp = hashlib.sha256(os.environ["HF_TOKEN"].encode()).hexdigest()
        self.next(self.end)

    @step
    def end(self):
        print(self.token_fp)`,
      'import hashlib',
    ),
  },
  {
    id: 'h-json-config-artifact',
    pattern: 'warehouse credentials kept in a config dict artifact',
    secrets: { snowflake: ['SNOWFLAKE_USER', 'SNOWFLAKE_PASSWORD'] },
    src: f(
      'WarehouseFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["snowflake"])
    @step
    def start(self):
        self.conn_cfg = {  # LEAK MFS055
            "user": os.environ["SNOWFLAKE_USER"],
            "password": os.environ["SNOWFLAKE_PASSWORD"],
            "account": "xy12345",
        }
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-raise-with-key',
    pattern: 'a malformed key echoed in the error raised about it',
    secrets: { api: ['SERVICE_KEY'] },
    src: f(
      'RaiseFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["api"])
    @step
    def start(self):
        key = os.environ["SERVICE_KEY"]
        if not key.startswith("sk-"):
            raise ValueError(f"malformed key {key}")  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-presence-check',
    pattern: 'presence of the key checked, its name in the messages',
    secrets: { api: ['SERVICE_KEY'] },
    src: f(
      'PresenceFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["api"])
    @step
    def start(self):
        if "SERVICE_KEY" not in os.environ:
            raise RuntimeError("SERVICE_KEY is missing")
        print("have key:", bool(os.environ.get("SERVICE_KEY")))
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-known-names',
    pattern: 'a plain-text secret with env_var_name: its one name is known offline',
    secrets: { 'prod/token': ['PROD_TOKEN'] },
    options: { 'prod/token': { json: false, env_var_name: 'PROD_TOKEN' } },
    src: f(
      'KnownFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=[{"type": "aws-secrets-manager", "id": "prod/token", "options": {"json": False, "env_var_name": "PROD_TOKEN"}}])
    @step
    def start(self):
        print("token", os.environ["PROD_TOKEN"])  # LEAK MFS050
        print("level", os.environ.get("LOG_LEVEL", "INFO"))
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-card-token',
    pattern: 'a token rendered into a card while debugging',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'CardFlow',
      `
class CLS(FlowSpec):
    @card
    @secrets(sources=["hf"])
    @step
    def start(self):
        current.card.append(Markdown("token: " + os.environ["HF_TOKEN"]))  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'from metaflow.cards import Markdown',
    ),
  },
  {
    id: 'h-warnings-warn',
    pattern: 'a token put into a warning',
    secrets: { hf: ['HF_TOKEN'] },
    exposed: false,
    why: "Metaflow's CLI calls warnings.filterwarnings('ignore'): the warning is dropped in the run",
    src: f(
      'WarnFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        warnings.warn("HF token is " + os.environ["HF_TOKEN"])  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import warnings',
    ),
  },
  {
    id: 'h-helper-url-artifact',
    pattern: 'a module helper builds a database URL with the password; stored as an artifact',
    secrets: { pg: ['PG_PASSWORD'] },
    src: f(
      'UrlFlow',
      `
def db_url():
    return "postgresql://app:" + os.environ["PG_PASSWORD"] + "@db:5432/app"


class CLS(FlowSpec):
    @secrets(sources=["pg"])
    @step
    def start(self):
        self.url = db_url()  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-helper-consumes',
    pattern: 'a helper reads the password and returns only derived facts',
    secrets: { pg: ['PG_PASSWORD'] },
    src: f(
      'ConsumeFlow',
      `
def connection_info():
    pw = os.environ["PG_PASSWORD"]
    return {"host": "db", "has_password": len(pw) > 0}


class CLS(FlowSpec):
    @secrets(sources=["pg"])
    @step
    def start(self):
        info = connection_info()
        print(info)
        self.info = info
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-batch-size',
    pattern: 'a tuning knob read from the environment in a step with @secrets',
    secrets: { hf: ['HF_TOKEN'] },
    why: 'ground truth: BATCH_SIZE is not a secret; the offline default may still suspect it',
    src: f(
      'KnobFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        batch = int(os.environ.get("BATCH_SIZE", "32"))
        print("batch size", batch)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-artifact-next-step',
    pattern: 'the token stored on self and printed in the next step',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'CarryFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        self.hf_token = os.environ["HF_TOKEN"]  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        print("token", self.hf_token)  # LEAK MFS055`,
    ),
  },
  {
    id: 'h-neg-env-written',
    pattern: 'a variable the step sets itself, then prints',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'WriteFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        os.environ["TOKENIZERS_PARALLELISM"] = "false"
        print("parallel", os.environ["TOKENIZERS_PARALLELISM"])
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-neg-request-headers',
    pattern: 'a bearer header built for an HTTP request that is never printed',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'HeaderFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        headers = {"Authorization": f"Bearer {os.environ['HF_TOKEN']}"}
        req = urllib.request.Request("https://huggingface.co/api/whoami-v2", headers=headers)
        print("url", req.full_url)
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import urllib.request',
    ),
  },
  {
    id: 'h-pprint-config',
    pattern: 'a run configuration holding the token pretty-printed',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'PprintFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        cfg = {"model": "gpt2", "token": os.getenv("HF_TOKEN")}
        pprint.pprint(cfg)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import pprint',
    ),
  },
  {
    id: 'h-neg-names-only',
    pattern: 'variable names, not values, printed',
    secrets: { hf: ['HF_TOKEN'] },
    src: f(
      'NamesFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["hf"])
    @step
    def start(self):
        print("Set HF_TOKEN through @secrets")
        print(sorted(k for k in os.environ if k.startswith("HF_")))
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'h-two-sources-fstring',
    pattern: 'two sources; a connection string with the password logged',
    secrets: { 'db-creds': ['DB_USER', 'DB_PASS'], 's3-keys': ['S3_ACCESS'] },
    src: f(
      'TwoSourcesFlow',
      `
logging.basicConfig(level=logging.INFO)


class CLS(FlowSpec):
    @secrets(sources=["db-creds", "s3-keys"])
    @step
    def start(self):
        user = os.environ["DB_USER"]
        password = os.environ["DB_PASS"]
        dsn = f"postgresql://{user}:{password}@warehouse:5432/analytics"
        logging.info("connecting to %s", dsn)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
];
