#!/usr/bin/env bash
# Creates the Python environments the tests and the demo need. Idempotent: a second run is quick.
# - .venv: real open-source Metaflow, debugpy, the moto server that emulates AWS Secrets Manager.
# - .venv-ob: the Outerbounds distribution (ob-metaflow replaces the `metaflow` package, so it
#   needs its own environment); the interpreter probe's tests check against both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# install_venv DIR "PACKAGES" "HOW LONG": creates DIR if needed, installs PACKAGES unless its stamp matches.
install_venv() {
  local dir=$1 want=$2 eta=$3
  if [ ! -x "$dir/bin/python" ]; then
    "$PY" -m venv "$dir"
  fi
  local stamp=$dir/.installed
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    # pip is quiet but the step is long: say so, and how long it took.
    echo "[setup-python] $dir: pip install $want ($eta)"
    local started
    started=$(date +%s)
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check $want
    echo "[setup-python]   done in $(( $(date +%s) - started ))s"
    echo "$want" > "$stamp"
  fi
}

install_venv .venv "metaflow==2.19.39 debugpy==1.8.22 moto[server]==5.2.1 boto3 google-cloud-secret-manager" \
  "~2-3 min on 2 cores with an empty pip cache"
install_venv .venv-ob "ob-metaflow==2.19.39.1 ob-metaflow-extensions==1.6.35" \
  "~1 min with an empty pip cache"
