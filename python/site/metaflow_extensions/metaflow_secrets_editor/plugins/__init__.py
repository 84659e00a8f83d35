"""Metaflow extension point 'plugins' for editor-launched runs (see payload.py, providers.py).

Only the directory holding ``metaflow_extensions`` is put on PYTHONPATH, and only for
runs the editor starts with a payload. Without a payload this registers nothing, so the
package is inert if it ever ends up on a path by mistake.
"""

from . import payload as _payload_module

# Types whose values the editor resolves; inline is included so its literal values come
# from the same place when the editor sent them (it falls back to the literal otherwise).
_BUILTIN_TYPES = ["inline", "aws-secrets-manager", "gcp-secret-manager", "az-key-vault"]

SECRETS_PROVIDERS_DESC = []
if _payload_module.load() is not None:
    for _t in _BUILTIN_TYPES + [
        t for t in _payload_module.types_in_payload() if t not in _BUILTIN_TYPES
    ]:
        SECRETS_PROVIDERS_DESC.append((_t, ".providers." + _payload_module.class_name_for(_t)))

# Metaflow aliases every submodule found in this namespace as metaflow.plugins.<name>;
# keep ours private.
del _payload_module
globals().pop("payload", None)
