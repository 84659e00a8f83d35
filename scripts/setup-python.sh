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
  # pip is quiet but the step is long: say so, and how long it took.
  echo "[setup-python] pip install $want (~2-3 min on 2 cores with an empty pip cache)"
  started=$(date +%s)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check $want
  echo "[setup-python]   done in $(( $(date +%s) - started ))s"
  echo "$want" > "$stamp"
fi
