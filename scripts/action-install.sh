#!/usr/bin/env bash
# The composite action's install step (action.yml), run in the action's own folder
# (github.action_path), never in the consumer's checkout. A release tag carries a prebuilt dist/
# (docs/ADOPTING.md "What a release contains"): then only the production dependencies are installed,
# with install scripts off except kuzu's, which copies its prebuilt native addon for this platform.
# Any other ref (a branch, a commit without dist/) installs everything and builds dist/ (`prepare`).
# A marker holding the lock file's digest skips the install when the folder is already set up
# (a restored cache, or a second pcq step in the same job).
set -euo pipefail
marker=.pcq-installed
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ -d node_modules ]; then
  echo "pcq: dependencies already installed in $(pwd)"
  exit 0
fi
if [ -f dist/action.mjs ] && [ -f dist/pcq.mjs ]; then
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund
  npm rebuild kuzu
else
  echo "pcq: no prebuilt dist/ at this ref; installing all dependencies and building"
  npm ci --no-audit --no-fund
fi
echo "$want" > "$marker"
