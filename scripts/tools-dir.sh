# Sourced by the top-level scripts: .tools/ (code-server, Node 24, emulator certificates) lives in
# a per-user cache so another clone on the same machine reuses the ~3-minute code-server build;
# a new machine builds it as before. METAFLOW_SECRETS_FRESH_TOOLS=1 (set by .ci/run) uses an
# empty directory instead, so CI proves every install step works on a new machine rather than
# passing on what an earlier run left in the cache.
if [ ! -e .tools ]; then
  if [ "${METAFLOW_SECRETS_FRESH_TOOLS:-}" = 1 ]; then
    cache=$(mktemp -d "${TMPDIR:-/tmp}/metaflow-secrets-tools.XXXXXX")
  else
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/metaflow-secrets/tools"
  fi
  mkdir -p "$cache"
  ln -s "$cache" .tools
fi
