#!/usr/bin/env bash
# Vendors a pinned Leaflet from npm into dashboard/static/vendor/leaflet/ (committed), so the
# dashboard's map loads nothing from a CDN and `make run` needs no npm. Re-run to upgrade.
set -euo pipefail
VERSION="${LEAFLET_VERSION:-1.9.4}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/dashboard/static/vendor/leaflet"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "leaflet@$VERSION" >/dev/null
rm -rf "$DEST"
mkdir -p "$DEST/images"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
   node_modules/leaflet/LICENSE "$DEST/"
cp node_modules/leaflet/dist/images/*.png "$DEST/images/"
echo "leaflet@$VERSION" > "$DEST/VERSION"
echo "vendored leaflet@$VERSION into ${DEST#$ROOT/}"
