"""Asks the interpreter that runs the user's flows which Metaflow it has, for the editor's checks.

Run by the language server and the CLI as ``python -B -c <this file's text>`` in the flow's
directory (so Metaflow finds the same ``.metaflow/config.json`` a run there would), with the
caller's environment (PYTHONPATH and user site-packages hold Metaflow extensions too).

Read-only: it imports Metaflow and reads class attributes and configuration values that
Metaflow computed itself. It never instantiates a secrets provider, never asks a backend for
a secret, and imports no flow. One JSON object is written to stdout; anything Metaflow or an
extension prints while importing goes to stderr instead.
"""

import os
import sys

# The names @secrets reads (metaflow/metaflow_config.py, without the METAFLOW_ prefix).
CONFIG_NAMES = (
    "DEFAULT_SECRETS_BACKEND_TYPE",
    "DEFAULT_SECRETS_ROLE",
    "AWS_SECRETS_MANAGER_DEFAULT_REGION",
    "AWS_SECRETS_MANAGER_DEFAULT_ROLE",
    "AZURE_KEY_VAULT_PREFIX",
    "GCP_SECRET_MANAGER_PREFIX",
)

PROBE_FORMAT = 1


def _text(v):
    return None if v is None else (v if isinstance(v, str) else str(v))


def _distribution(metaflow_version):
    """The installed distribution that provides the `metaflow` package (metaflow, ob-metaflow...)."""
    try:
        import importlib.metadata as md
    except ImportError:
        return None
    names = []
    try:
        names = list(md.packages_distributions().get("metaflow", []))
    except Exception:
        pass
    for name in names or ["ob-metaflow", "metaflow"]:
        try:
            # Two distributions can claim the package; the one whose version matches is installed last.
            if md.version(name) == metaflow_version:
                return name
        except Exception:
            continue
    return names[0] if names else None


def probe():
    out = {
        "probe": PROBE_FORMAT,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "metaflow": None,
        "providers": [],
        "config": {},
        "paths": [p for p in sys.path if p and os.path.isdir(p)][:64],
    }
    try:
        import metaflow
    except ImportError as e:
        out["error"] = {"stage": "import", "message": "%s: %s" % (type(e).__name__, e)}
        return out
    version = _text(getattr(metaflow, "__version__", None)) or "unknown"
    out["metaflow"] = {
        "version": version,
        "distribution": _distribution(version),
        "location": os.path.dirname(getattr(metaflow, "__file__", "") or ""),
    }
    # SECRETS_PROVIDERS holds classes (core and every extension's); only their TYPE is read.
    from metaflow.plugins import SECRETS_PROVIDERS

    for cls in SECRETS_PROVIDERS:
        t = getattr(cls, "TYPE", None)
        if isinstance(t, str):
            out["providers"].append({"type": t, "module": getattr(cls, "__module__", "")})
    from metaflow import metaflow_config

    for name in CONFIG_NAMES:
        out["config"][name] = _text(getattr(metaflow_config, name, None))
    return out


def main():
    import json

    # Metaflow and its extensions may print while importing: keep stdout for the answer only.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        result = probe()
    except BaseException as e:  # a broken extension or configuration: say what, never crash silently
        result = {"probe": PROBE_FORMAT, "error": {"stage": "metaflow", "message": "%s: %s" % (type(e).__name__, e)}}
    data = json.dumps(result).encode("utf-8")
    while data:
        data = data[os.write(answer_fd, data):]
    os.close(answer_fd)


main()
