"""Debug a step with resolved secrets: click "Debug step" above `train`.

The editor resolves `db-credentials` (AWS) and `ml-api-key` (GCP) itself and hands the values to
the debug session in memory; Metaflow's own @secrets injects them into each task.
"""
import hashlib
import os

from metaflow import FlowSpec, secrets, step


class TrainFlow(FlowSpec):
    @secrets(sources=["db-credentials"])
    @step
    def start(self):
        fingerprint = hashlib.sha256(os.environ["DB_PASSWORD"].encode()).hexdigest()[:8]
        print("db password fingerprint:", fingerprint)
        self.next(self.train)

    @secrets(sources=["gcp-secret-manager.ml-api-key"])
    @step
    def train(self):
        key = os.environ["ml_api_key"]
        print("api key length:", len(key))  # set a breakpoint here and look at `key`
        self.next(self.end)

    @step
    def end(self):
        print("done")


if __name__ == "__main__":
    TrainFlow()
