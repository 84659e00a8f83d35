/** The flows the run tests execute. Steps never print or store a secret value. */

export const TWO_SECRETS_FLOW = `import os
from metaflow import FlowSpec, step, secrets


class EditorSecretsFlow(FlowSpec):
    @secrets(sources=["aws-secrets-manager.prod/db-creds"])
    @step
    def start(self):
        db_password = os.environ["DB_PASSWORD"]
        self.start_ok = len(db_password) > 0  # BP:start
        print("start EXTRA_KEY present:", "EXTRA_KEY" in os.environ)
        self.next(self.report)

    @secrets(sources=[{"type": "inline", "id": "svc", "options": {"env_vars": {"API_TOKEN": "literal-in-code"}}}])
    @step
    def report(self):
        token = os.environ["API_TOKEN"]
        self.report_ok = len(token) > 0  # BP:report
        self.next(self.end)

    @step
    def end(self):
        print("end EXTRA_KEY present:", "EXTRA_KEY" in os.environ)
        print("end payload visible:", "METAFLOW_EDITOR_SECRETS_PAYLOAD" in os.environ)


if __name__ == "__main__":
    EditorSecretsFlow()
`;

/** get_secret(...) in a step: served by the editor's provider like @secrets (never printed). */
export const GET_SECRET_FLOW = `import os
from metaflow import FlowSpec, step, secrets
from metaflow.plugins.secrets import get_secret


class GetSecretFlow(FlowSpec):
    @secrets(sources=["aws-secrets-manager.prod/db-creds"])
    @step
    def start(self):
        creds = get_secret("aws-secrets-manager.prod/db-creds")
        print("get_secret matches @secrets:", creds["DB_PASSWORD"] == os.environ["DB_PASSWORD"])
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    GetSecretFlow()
`;
