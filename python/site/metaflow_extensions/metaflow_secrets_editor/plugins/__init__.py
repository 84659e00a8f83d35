"""Metaflow extension point 'plugins' for editor-launched runs (see payload.py, providers.py).

Only the directory holding ``metaflow_extensions`` is put on PYTHONPATH, and only for
runs the editor starts with a payload. Without a payload this registers nothing, so the
package is inert if it ever ends up on a path by mistake.
"""

import sys as _sys

from . import payload as _payload_module


def _known_types():
    """Types Metaflow already has: the core list and every extension loaded before this one.

    Metaflow imports all extension plugin modules before merging them, and PYTHONPATH
    extensions come last, so by now the others are in sys.modules. A type nobody defines
    is left alone: Metaflow then fails with its own "Unknown secrets backend type", as it
    would in production."""
    names = []
    for mod_name, mod in list(_sys.modules.items()):
        if mod is None or mod_name == __name__:
            continue
        if mod_name == "metaflow.plugins" or mod_name.startswith("metaflow_extensions."):
            for entry in getattr(mod, "SECRETS_PROVIDERS_DESC", None) or []:
                if isinstance(entry, (list, tuple)) and entry and entry[0] not in names:
                    names.append(entry[0])
    return names


SECRETS_PROVIDERS_DESC = []
if _payload_module.load() is not None:
    _known = _known_types()
    for _t in _known:
        # Every known type, resolved or not: an unresolved source then fails clearly instead
        # of reaching the network unasked.
        SECRETS_PROVIDERS_DESC.append((_t, ".providers." + _payload_module.class_name_for(_t)))

# Metaflow aliases every submodule found in this namespace as metaflow.plugins.<name>;
# keep ours private.
del _payload_module
globals().pop("payload", None)
