#!/usr/bin/env bash
# The web pages' checks (bootstrap.sh test runs this; so can you, from anywhere in a clone):
#   1. the npm packages of web/ and tests/browser/ at their package-lock.json versions (from the
#      registry, or npm's cache when offline);
#   2. vitest: the pages' unit tests (web/src/**/*.test.js);
#   3. web/dist, which is committed and embedded into the binary by src/webui, must be exactly
#      what `npm run build` makes from the committed sources: a page changed without rebuilding
#      dist/ fails here, naming the files that differ.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# `npm install --no-save` rather than `npm ci`: npm 11's ci refuses a lock file without an entry
# for every platform's optional rollup binary, and npm install does not write those entries
# (npm/cli#4828, #8320). install --no-save keeps to the lock file's versions and leaves it as is.
npm_ci() {
  (cd "$1" && npm install --no-save --prefer-offline --no-audit --no-fund --loglevel=error)
}
npm_ci web
npm_ci tests/browser

(cd web && npx vitest run)

fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
(cd web && npx vite build --logLevel warn --outDir "$fresh" --emptyOutDir)
if ! diff -r -q "$fresh" web/dist; then
  echo "web_check: web/dist is not the build of web/src; run (cd web && npm run build) and" \
    "commit web/dist" >&2
  exit 1
fi
echo "web_check: web/dist is up to date"
