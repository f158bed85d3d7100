#!/usr/bin/env bash
# Refreshes the web console's vendored assets from the npm registry at pinned versions.
# Usage: packaging/vendor_web_assets.sh   (then update static/vendor/README.md and review)
set -euo pipefail
HTMX_VERSION=${HTMX_VERSION:-2.0.11}
LEAFLET_VERSION=${LEAFLET_VERSION:-1.9.4}
ECHARTS_VERSION=${ECHARTS_VERSION:-6.1.0}
GEOMAN_VERSION=${GEOMAN_VERSION:-2.20.2}
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/sync_server/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unpack() {  # unpack NAME@VERSION into $work/$2
    mkdir -p "$work/$2"
    (cd "$work/$2" && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz)
}
unpack "htmx.org@$HTMX_VERSION" htmx
mkdir -p "$dest/htmx"
cp "$work/htmx/package/dist/htmx.min.js" "$work/htmx/package/LICENSE" "$dest/htmx/"
# Leaflet: the map (script, stylesheet and the marker/layer images the stylesheet names).
unpack "leaflet@$LEAFLET_VERSION" leaflet
mkdir -p "$dest/leaflet/images"
cp "$work/leaflet/package/dist/leaflet.js" "$work/leaflet/package/dist/leaflet.css" \
   "$work/leaflet/package/LICENSE" "$dest/leaflet/"
cp "$work/leaflet/package/dist/images/"*.png "$dest/leaflet/images/"
# Apache ECharts: the charts (the minified full build, its licence and NOTICE).
unpack "echarts@$ECHARTS_VERSION" echarts
mkdir -p "$dest/echarts"
cp "$work/echarts/package/dist/echarts.min.js" "$work/echarts/package/LICENSE" \
   "$work/echarts/package/NOTICE" "$dest/echarts/"
# Leaflet-Geoman: drawing and editing a boundary on the map (the boundary editor).
unpack "@geoman-io/leaflet-geoman-free@$GEOMAN_VERSION" geoman
mkdir -p "$dest/leaflet-geoman"
cp "$work/geoman/package/dist/leaflet-geoman.min.js" "$work/geoman/package/dist/leaflet-geoman.css" \
   "$work/geoman/package/LICENSE" "$dest/leaflet-geoman/"
sha256sum "$dest/leaflet-geoman/leaflet-geoman.min.js"
sha256sum "$dest/htmx/htmx.min.js" "$dest/leaflet/leaflet.js" "$dest/leaflet/leaflet.css" \
    "$dest/echarts/echarts.min.js"
