#!/usr/bin/env bash
# Creates .venv with the Python packages the tests and the demo need (real Metaflow, debugpy,
# the moto server that emulates AWS Secrets Manager). Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
want="metaflow==2.19.39 debugpy==1.8.22 moto[server]==5.2.1 boto3 google-cloud-secret-manager"
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check $want
  echo "$want" > "$stamp"
fi
