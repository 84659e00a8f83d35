"""Secrets providers that serve the editor-resolved values to Metaflow's own @secrets.

They are registered under the existing type names (aws-secrets-manager, az-key-vault,
gcp-secret-manager, inline and every type present in the payload); Metaflow loads
PYTHONPATH extensions after installed ones and "the latest definition of a name wins"
(metaflow/extension_support/plugins.py), so these replace the core providers only in
processes that see this package, i.e. editor-launched runs. The decorator itself is
untouched: spec parsing, name validation, clashes and allow_override stay Metaflow's.

One class per type is created on demand: Metaflow's plugin loader imports a class by
path and checks its TYPE, so the class name carries the type name hex-encoded.
"""

import importlib
import sys

from metaflow.plugins.secrets import SecretsProvider

from . import payload

class NotResolvedByEditor(Exception):
    pass


def _overridden_provider(secret_type):
    """The provider this package shadows (an earlier extension's, else the core one)."""
    from metaflow.extension_support import plugins as ext_plugins

    candidates = [
        path
        for name, path in getattr(ext_plugins, "_all_secrets_providers", [])
        if name == secret_type and not path.startswith(__name__ + ".")
    ]
    if not candidates:
        return None
    module_path, cls_name = candidates[-1].rsplit(".", 1)
    return getattr(importlib.import_module(module_path), cls_name)


class _EditorProvider(SecretsProvider):
    TYPE = None

    def get_secret_as_dict(self, secret_id, options={}, role=None):
        err = payload.payload_error()
        if err:
            raise NotResolvedByEditor(err)
        env = payload.find(self.TYPE, secret_id, options, role)
        if env is not None:
            return env
        if self.TYPE == "inline" or payload.fallback_allowed():
            # inline reads the literal in the code (no network); other types only when
            # the user allowed it for this run, and never silently.
            core = _overridden_provider(self.TYPE)
            if core is not None:
                if self.TYPE != "inline":
                    sys.stderr.write(
                        "metaflow-secrets: %s (%s) was not resolved by the editor; "
                        "fetching it with Metaflow's own provider\n" % (secret_id, self.TYPE)
                    )
                return core().get_secret_as_dict(secret_id, options=options, role=role)
        raise NotResolvedByEditor(
            "%s (%s) was not resolved by the editor before this run (%s, options %s). "
            "Nothing was fetched from the network. Run again from the editor so it resolves "
            "this source, or allow fetching unresolved sources in the run settings."
            % (
                secret_id,
                self.TYPE,
                "role %s" % role if role is not None else "no role",
                _describe_options(options),
            )
        )


def _describe_options(options):
    # Option names only: inline options hold values.
    if not options:
        return "{}"
    return "{" + ", ".join(sorted(str(k) for k in options)) + "}"


_classes = {}


def provider_class(secret_type):
    cls = _classes.get(secret_type)
    if cls is None:
        cls = type(payload.class_name_for(secret_type), (_EditorProvider,), {"TYPE": secret_type})
        cls.__module__ = __name__
        _classes[secret_type] = cls
    return cls


def __getattr__(name):
    # PEP 562: Metaflow's plugin loader does getattr(module, class_name).
    if name.startswith(payload.CLASS_PREFIX):
        secret_type = payload.type_from_class_name(name)
        if secret_type is not None:
            return provider_class(secret_type)
    raise AttributeError(name)
