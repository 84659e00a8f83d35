#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs everything (npm, PyPI, Debian packages,
# emulators, the real editor), builds, and runs every test file with node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/tools-dir.sh
started=$(date +%s)
# The AWS SDK's notice about its own future Node support, printed by every process that loads it.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
for setup in scripts/setup-*.sh; do
  echo "== $setup"
  bash "$setup"
done

rm -rf out
npx tsc -b
node scripts/build.mjs

# Lint and format are part of the suite (CI runs exactly this script): one more test, pass or fail.
echo "== npm run check (eslint, prettier)"
check=0
npm run --silent check || check=1

mkdir -p test-results
mapfile -t files < <(find out/test -name '*.test.js' | sort)
echo "== running ${#files[@]} test files"
status=0
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=test-results/results.tap \
  "${files[@]}" || status=$?

pass=$(grep -E '^# pass ' test-results/results.tap | awk '{print $3}')
fail=$(grep -E '^# fail ' test-results/results.tap | awk '{print $3}')
# The robustness suite's figures (crashes, latencies, peak memory, requests from untrusted servers),
# which its test files print as comments, gathered at the end for the closing note.
if grep -qE '^# \\# robustness figures' test-results/results.tap; then
  echo "== robustness figures"
  grep -E '^# \\# ' test-results/results.tap | sed -E 's/^# \\# //' |
    awk '/^robustness figures/ { on = 1; print; next } /^  / { if (on) print; next } { on = 0 }'
fi
if [ "$check" -eq 0 ]; then pass=$(( ${pass:-0} + 1 )); else fail=$(( ${fail:-0} + 1 )); echo "npm run check failed (run: npm run format, then fix what eslint reports)"; status=1; fi
echo "suite took $(( $(date +%s) - started )) s"
echo "${pass:-0} passed, ${fail:-0} failed"
exit $status
