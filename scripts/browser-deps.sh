#!/usr/bin/env bash
# The browser the site's tests drive: Debian's chromium (Playwright's own browser download is
# not reachable from here). Installs it with apt when it is missing; run as root (CI is).
set -euo pipefail
CHROMIUM="${OPENDATA_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "browser-deps: $CHROMIUM is missing; run 'sudo apt-get install chromium' (or set OPENDATA_CHROMIUM)" >&2
  exit 1
fi
echo "browser-deps: installing chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
