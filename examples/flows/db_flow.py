"""A flow that reads database credentials from AWS Secrets Manager.

Open it in the demo: the editor checks every @secrets source against the (emulated) backend,
shows the keys on hover, and warns where a secret value would reach a log or an artifact.
"""
import os

from metaflow import FlowSpec, environment, secrets, step


class DbFlow(FlowSpec):
    @secrets(sources=["db-credentials"])
    @step
    def start(self):
        user = os.environ["DB_USER"]
        password = os.environ["DB_PASSWORD"]
        print(f"connecting as {user}")
        self.rows = self.query(user, password)
        self.next(self.report)

    def query(self, user, password):
        # A real flow would open a connection here; the password is used, not printed.
        return len(user) + len(password)

    # A dotted secret name: Metaflow reads "prod/db" as the backend type.
    @secrets(sources=["prod/db.creds"])
    @step
    def report(self):
        print("rows:", self.rows)
        self.next(self.api)

    # A secret that does not exist, and a read of a name nothing provides.
    @secrets(sources=["api-token", "db-credentials"])
    @environment(vars={"REGION": "us-east-1"})
    @step
    def api(self):
        token = os.environ.get("DB_PASWORD")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DbFlow()
