#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver for the browser tests, and a CJK font
# (fonts-wqy-microhei) so screenshots and the bulletin's chart show Chinese instead of boxes.
set -euo pipefail
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
    && [ -f "$FONT" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium or the CJK font missing and not root: browser tests may be skipped," \
       "charts may show boxes for Chinese" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null
