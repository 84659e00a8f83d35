#!/usr/bin/env bash
# One command for a newcomer: install everything, package the extension, start the demo editor.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/tools-dir.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
for setup in scripts/setup-*.sh; do bash "$setup"; done
npx tsc -b
npm run --silent package >/dev/null
# The AWS SDK's notice about its own future Node support, printed by every process that loads it.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node out/scripts/demo/main.js "$@"
