import { HEADER, RealCase } from './realCorpusTypes';

// The development part of the real-flow corpus: the analysis was tuned against these.

const f = (name: string, body: string, extraImports = ''): string =>
  `${HEADER}\n${extraImports}\n\n${body.replace(/^\n/, '').replace(/CLS/g, name)}\n\nif __name__ == "__main__":\n    ${name}()\n`;

export const REAL_DEV: RealCase[] = [
  {
    id: 'd-anthropic-print',
    pattern: 'an API key printed while wiring a client',
    secrets: { anthropic: ['ANTHROPIC_API_KEY'] },
    src: f(
      'DevPrintFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["anthropic"])
    @step
    def start(self):
        key = os.getenv("ANTHROPIC_API_KEY", "")
        print("client key:", key)  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'd-git-clone-url-artifact',
    pattern: 'a clone URL with a token kept as an artifact',
    secrets: { github: ['GH_PAT'] },
    src: f(
      'DevCloneFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["github"])
    @step
    def start(self):
        self.repo_url = "https://x-access-token:%s@github.com/org/repo.git" % os.environ["GH_PAT"]  # LEAK MFS055
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'd-neg-platform-and-written',
    pattern: 'platform variables and a variable the step sets',
    secrets: { github: ['GH_PAT'] },
    src: f(
      'DevPlatformFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=["github"])
    @step
    def start(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        print(os.environ["HF_HUB_OFFLINE"], os.environ.get("PATH", "")[:0], os.getenv("LOGNAME"))
        print("pat set:", "GH_PAT" in os.environ)
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'd-environment-module-constant',
    pattern: '@environment fed from a module constant read from the shell',
    shell: ['OPENAI_API_KEY'],
    src: f(
      'DevConstFlow',
      `
OPENAI_KEY = os.environ.get("OPENAI_API_KEY")


class CLS(FlowSpec):
    @environment(vars={"OPENAI_API_KEY": OPENAI_KEY})  # LEAK MFS058
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'd-neg-environment-region',
    pattern: '@environment copies a region from the shell',
    shell: ['AWS_DEFAULT_REGION'],
    exposed: true,
    why: 'the region is stored in _graph_info, but it is not a credential',
    src: f(
      'DevRegionFlow',
      `
class CLS(FlowSpec):
    @environment(vars={"AWS_DEFAULT_REGION": os.getenv("AWS_DEFAULT_REGION", "us-west-2")})
    @step
    def start(self):
        print(os.environ["AWS_DEFAULT_REGION"])
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'd-env-copy-artifact-no-secrets',
    pattern: 'a copy of the environment stored for reproducibility',
    shell: ['DATABRICKS_TOKEN'],
    src: f(
      'DevEnvArtifactFlow',
      `
class CLS(FlowSpec):
    @step
    def start(self):
        self.run_env = dict(os.environ)  # LEAK MFS057
        self.next(self.end)

    @step
    def end(self):
        pass`,
    ),
  },
  {
    id: 'd-warn-known-name',
    pattern: 'a known secret put into a warning',
    secrets: { tok: ['TOK'] },
    options: { tok: { json: false, env_var_name: 'TOK' } },
    exposed: false,
    why: "Metaflow's CLI ignores warnings",
    src: f(
      'DevWarnFlow',
      `
class CLS(FlowSpec):
    @secrets(sources=[{"type": "aws-secrets-manager", "id": "tok", "options": {"json": False, "env_var_name": "TOK"}}])
    @step
    def start(self):
        warnings.warn(f"token {os.environ['TOK']} expires soon")  # LEAK MFS050
        self.next(self.end)

    @step
    def end(self):
        pass`,
      'import warnings',
    ),
  },
];
