"""The editor-resolved values of one editor-launched run, held in memory.

Route (why an environment variable): Metaflow's local runtime starts every task with
``env = dict(os.environ)`` of the launching process (metaflow/runtime.py, Worker._launch),
so a variable set on the launching process reaches every task without a file, a socket or
a command-line argument. The editor sets it in the debug session's / terminal's environment.

Hiding it from user code: the first Metaflow process that sees the payload (the one the
editor launched: ``run``, ``resume`` or ``spin``) records its pid in OWNER_ENV and keeps the
payload in its environment so its tasks inherit it. Every other process (each task, which
is a child of that process) reads the payload into this module and deletes it from its own
``os.environ`` before user code runs, so ``print(os.environ)`` in a step cannot show it.

Why the names start with ``METAFLOW_``: ``@secrets`` refuses to inject names starting with
``METAFLOW_`` ("Found disallowed env var name"), so no secret can ever collide with the
payload variable, and the "already exists in env" check can never be tripped by it.

Format (version 1), JSON::

    {"v": 1,
     "fallback": false,
     "sources": [{"type": "aws-secrets-manager", "id": "prod/db", "options": {},
                  "role": null, "env": {"DB_USER": "...", "DB_PASSWORD": "..."}}]}

A source is identified by (type, id, options, role) exactly as Metaflow's SecretSpec holds
them when the provider is called (role already resolved: source role, else decorator role,
else METAFLOW_DEFAULT_SECRETS_ROLE). Matching is structural (Python equality after
normalising tuples to lists), not by a serialised key, so JSON differences between
TypeScript and Python (float formatting, key order, unicode escapes) cannot break it.
"""

import binascii
import json
import os

PAYLOAD_ENV = "METAFLOW_EDITOR_SECRETS_PAYLOAD"
OWNER_ENV = "METAFLOW_EDITOR_SECRETS_OWNER_PID"
PAYLOAD_VERSION = 1

_loaded = False
_payload = None
_error = None


CLASS_PREFIX = "EditorSecretsProvider_"


def class_name_for(secret_type):
    """Provider class name carrying the type name (hex), resolved by providers.__getattr__."""
    return CLASS_PREFIX + binascii.hexlify(secret_type.encode("utf-8")).decode("ascii")


def type_from_class_name(name):
    try:
        return binascii.unhexlify(name[len(CLASS_PREFIX):]).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def normalise(value):
    """Make options comparable with what JSON gave us (tuples and sets become lists)."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [normalise(v) for v in value]
    return value


def load():
    """Returns the payload dict (or None when this run was not launched by the editor).

    Idempotent; the first call hides the variable from this process when it is a task."""
    global _loaded, _payload, _error
    if _loaded:
        return _payload
    _loaded = True
    raw = os.environ.get(PAYLOAD_ENV)
    if raw is None:
        return None
    me = str(os.getpid())
    owner = os.environ.get(OWNER_ENV, "")
    if owner == "":
        # The process the editor launched: its tasks need the variable, keep it.
        os.environ[OWNER_ENV] = me
    elif owner != me:
        # A task (or another descendant): keep the values in memory only.
        del os.environ[PAYLOAD_ENV]
    try:
        data = json.loads(raw)
    except ValueError:
        # Never echo the raw text: it holds secret values.
        _error = "the editor's secrets payload is not valid JSON"
        _payload = {"v": PAYLOAD_VERSION, "fallback": False, "sources": []}
        return _payload
    if not isinstance(data, dict) or data.get("v") != PAYLOAD_VERSION:
        _error = "the editor's secrets payload has an unsupported version (expected %d)" % PAYLOAD_VERSION
        _payload = {"v": PAYLOAD_VERSION, "fallback": False, "sources": []}
        return _payload
    sources = data.get("sources")
    if not isinstance(sources, list):
        sources = []
    _payload = {
        "v": PAYLOAD_VERSION,
        "fallback": data.get("fallback") is True,
        "sources": [s for s in sources if isinstance(s, dict)],
    }
    return _payload


def payload_error():
    return _error


def find(secret_type, secret_id, options, role):
    """The env dict the editor resolved for this spec, or None."""
    p = load()
    if not p:
        return None
    want_options = normalise(options if options is not None else {})
    for s in p["sources"]:
        if (
            s.get("type") == secret_type
            and s.get("id") == secret_id
            and normalise(s.get("options") or {}) == want_options
            and s.get("role") == role
        ):
            env = s.get("env")
            return dict(env) if isinstance(env, dict) else None
    return None


def fallback_allowed():
    p = load()
    return bool(p and p["fallback"])
