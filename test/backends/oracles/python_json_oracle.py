"""Reads a JSON request on stdin and answers what CPython does, for the TypeScript re-implementations:
texts -> json.loads then str() (or the JSONDecodeError text); byte lists -> bytes.decode("UTF-8") errors."""
import json
import sys

req = json.loads(sys.stdin.read())
out = {"texts": [], "bytes": []}
for text in req["texts"]:
    try:
        obj = json.loads(text)
        item = {"ok": True, "str": str(obj), "type": str(type(obj))}
        if isinstance(obj, dict):
            item["values"] = [[k, str(v)] for k, v in obj.items()]
        out["texts"].append(item)
    except json.JSONDecodeError as e:
        out["texts"].append({"ok": False, "msg": str(e)})
    except RecursionError as e:
        out["texts"].append({"ok": False, "msg": str(e)})
for b in req["bytes"]:
    try:
        bytes(b).decode("UTF-8")
        out["bytes"].append({"ok": True})
    except UnicodeDecodeError as e:
        out["bytes"].append({"ok": False, "msg": str(e)})
sys.stdout.write(json.dumps(out))
