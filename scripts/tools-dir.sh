# Sourced by the top-level scripts: .tools/ (code-server, Node 24, emulator certificates) lives in
# a per-user cache so another clone on the same machine reuses the ~3-minute code-server build;
# a new machine builds it as before. METAFLOW_SECRETS_TOOLS_DIR names another (empty) directory:
# .ci/run uses it so CI proves every install step works on a new machine.
if [ ! -e .tools ]; then
  cache="${METAFLOW_SECRETS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/metaflow-secrets/tools}"
  mkdir -p "$cache"
  ln -s "$cache" .tools
fi
