#!/usr/bin/env bash
# Installs Debian's headless Chromium (for scripts/check-html.sh) when it is not
# there: /usr/bin/chromium. Needs root and Debian's package archive.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-wqy-zenhei >/dev/null
/usr/bin/chromium --version
