#!/usr/bin/env bash
# Debian packages the tests start for real: PostgreSQL, Redis, nginx, Chromium (and a Japanese font for
# its screenshots). Installs only what is missing; needs root (CI runs as root).
set -euo pipefail
wanted=(postgresql redis-server nginx chromium fonts-ipafont-gothic shellcheck openssl)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
