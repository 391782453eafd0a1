#!/usr/bin/env bash
# Installs the load generator for `make bench`: Debian's wrk (no downloads outside apt).
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "wrk missing and not root: install it with 'apt-get install wrk'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq wrk >/dev/null
