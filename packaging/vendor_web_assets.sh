#!/usr/bin/env bash
# Refreshes the web console's vendored assets from the npm registry at pinned versions.
# Usage: packaging/vendor_web_assets.sh   (then update static/vendor/README.md and review)
set -euo pipefail
HTMX_VERSION=${HTMX_VERSION:-2.0.11}
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/sync_server/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX_VERSION" >/dev/null && tar xzf htmx.org-*.tgz)
mkdir -p "$dest/htmx"
cp "$work/package/dist/htmx.min.js" "$work/package/LICENSE" "$dest/htmx/"
sha256sum "$dest/htmx/htmx.min.js"
