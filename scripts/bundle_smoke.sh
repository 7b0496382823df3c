#!/usr/bin/env bash
# Build the PyInstaller bundle, then check that it runs: the bundled CLI makes a demo profile and
# the bundled desktop app opens its main window offscreen on it and exits with status 0.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
make bundle
echo "bundle-smoke: built dist/eqvisit in $(( $(date +%s) - started )) s ($(du -sh dist/eqvisit | cut -f1))"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
export QT_QPA_PLATFORM=offscreen

dist/eqvisit/eqvisit-cli --version
dist/eqvisit/eqvisit-cli demo --profile "$profile"
dist/eqvisit/eqvisit-cli template validate resources/templates/*.yaml >/dev/null

status=0
timeout 300 dist/eqvisit/eqvisit gui --smoke-test --profile "$profile" || status=$?
if [ "$status" -ne 0 ]; then
    echo "bundle-smoke: the bundled app exited with status $status; its log:" >&2
    tail -n 40 "$profile/logs/eqvisit.log" >&2 || true
    exit 1
fi
grep -q "smoke test: main window shown" "$profile/logs/eqvisit.log"
echo "bundle-smoke: the bundled app opened its main window on a demo profile and exited 0"
