"""Every @secrets mistake Metaflow would only report when the task starts."""
import logging
import os

from metaflow import FlowSpec, environment, secrets, step

log = logging.getLogger(__name__)

SHARED = ["db-credentials"]


class MistakesFlow(FlowSpec):
    # A string is iterated per character.
    @secrets(sources="db-credentials")
    @step
    def start(self):
        self.next(self.vault)

    # A Key Vault URL as a plain string is split on its first dot.
    @secrets(sources=["https://myvault.vault.azure.net/secrets/db-password"])
    @step
    def vault(self):
        self.next(self.clash)

    # @environment sets DB_USER before @secrets runs.
    @secrets(sources=SHARED)
    @environment(vars={"DB_USER": "admin"})
    @step
    def clash(self):
        self.next(self.leak)

    @secrets(sources=SHARED)
    @step
    def leak(self):
        password = os.environ["DB_PASSWORD"]
        log.info("password is %s", password)
        self.api_password = password  # persisted in the datastore
        self.next(self.end)

    @step
    def end(self):
        print(self.api_password)


if __name__ == "__main__":
    MistakesFlow()
