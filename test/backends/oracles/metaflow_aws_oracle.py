"""Runs Metaflow's own AWS Secrets Manager provider for each request on stdin (against the endpoint in
AWS_ENDPOINT_URL_SECRETS_MANAGER) and prints the variable maps or Metaflow's error text as JSON on stdout."""
import json
import sys

from metaflow.plugins.aws.secrets_manager.aws_secrets_manager_secrets_provider import (
    AwsSecretsManagerSecretsProvider,
)
from metaflow.plugins.secrets.utils import validate_env_vars

out = []
for item in json.loads(sys.stdin.read()):
    try:
        env = AwsSecretsManagerSecretsProvider().get_secret_as_dict(
            item["id"], options=item.get("options", {}), role=None
        )
    except Exception as e:
        # The decorator's wrapping, verbatim.
        out.append({"ok": False, "msg": "Failed to retrieve secret '%s': %s" % (item["id"], e)})
        continue
    try:
        validate_env_vars(env)
        out.append({"ok": True, "vars": list(env.items())})
    except Exception as e:
        out.append({"ok": True, "vars": list(env.items()), "invalid": str(e)})
sys.stdout.write(json.dumps(out))
