#!/usr/bin/env bash
# Re-makes the screenshots in docs/screenshots (shown in README.md and docs/web.md) by running
# the browser tests with RUMOR_SCREENSHOT_DIR set: the dashboard of a real 3-agent cluster
# (dashboard.png, dashboard-failed.png) and the viewer on simulated traces (viewer*.png).
#
#   tools/screenshots.sh [RUMOR_BINARY]     (default: build/src/cli/rumor)
#
# Needs what the browser tests need: node, /usr/bin/chromium, npm ci in tests/browser
# (tools/bootstrap.sh test installs all three).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$(realpath "${1:-$root/build/src/cli/rumor}")"
[[ -x "$bin" ]] || { echo "screenshots: no rumor binary at $bin" >&2; exit 2; }
export RUMOR_BIN="$bin" RUMOR_SCREENSHOT_DIR="$root/docs/screenshots"
node --test "$root/tests/browser/dashboard.test.mjs" "$root/tests/browser/viewer.test.mjs"
ls -l "$RUMOR_SCREENSHOT_DIR"
