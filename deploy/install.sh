#!/usr/bin/env bash
# Install or update hantei on a Debian 12 / Ubuntu 22.04+ VPS, from this checkout, with HTTPS by certbot.
# Run it again after `git pull` to update; it changes only what is out of date.
#
#   sudo deploy/install.sh hantei.example.com you@example.com
set -euo pipefail

DOMAIN=${1:?usage: deploy/install.sh DOMAIN [EMAIL]}
EMAIL=${2:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
HOME_DIR=/opt/hantei
APP=$HOME_DIR/app
SITE=/etc/nginx/sites-available/hantei
WEBROOT=/var/www/letsencrypt
CERT=/etc/letsencrypt/live/$DOMAIN/fullchain.pem

[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 1; }

echo "== packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  python3 python3-venv python3-pip make rsync curl nginx certbot sqlite3 ca-certificates

echo "== user and code"
id hantei >/dev/null 2>&1 || useradd --system --home-dir "$HOME_DIR" --shell /usr/sbin/nologin hantei
install -d -o root -g root -m 0755 "$HOME_DIR" "$APP"
if [ "$SRC" != "$APP" ]; then
  rsync -a --delete --exclude .git --exclude .venv --exclude instance "$SRC"/ "$APP"/
fi
[ -x "$APP/.venv/bin/python" ] || python3 -m venv "$APP/.venv"
"$APP/.venv/bin/python" -m pip install -q --disable-pip-version-check -r "$APP/requirements.txt"

echo "== settings"
install -d -o root -g hantei -m 0750 /etc/hantei
if [ ! -f /etc/hantei/hantei.env ]; then
  cat > /etc/hantei/hantei.env <<ENV
# hantei settings (see README, "Configuration"); systemctl restart hantei after a change.
HANTEI_PUBLIC_URL=https://$DOMAIN
ENV
  chmod 0640 /etc/hantei/hantei.env
  chgrp hantei /etc/hantei/hantei.env
fi

echo "== service"
install -m 0644 "$APP/deploy/hantei.service" /etc/systemd/system/hantei.service
systemctl daemon-reload
systemctl enable hantei >/dev/null
systemctl restart hantei

echo "== nginx and HTTPS"
install -d -m 0755 "$WEBROOT"
rm -f /etc/nginx/sites-enabled/default
if [ ! -f "$CERT" ]; then
  # First run: a plain-HTTP site that only answers certbot's challenge, until the certificate exists.
  cat > "$SITE" <<NGINX
server {
    listen 80;
    listen [::]:80;
    server_name $DOMAIN;
    location /.well-known/acme-challenge/ { root $WEBROOT; }
    location / { return 503; }
}
NGINX
  ln -sf "$SITE" /etc/nginx/sites-enabled/hantei
  nginx -t && systemctl reload nginx
  if [ -n "$EMAIL" ]; then account=(-m "$EMAIL"); else account=(--register-unsafely-without-email); fi
  certbot certonly --webroot -w "$WEBROOT" -d "$DOMAIN" --non-interactive --agree-tos "${account[@]}" \
    --deploy-hook "systemctl reload nginx"
fi
sed -e "s/hantei.example/$DOMAIN/g" "$APP/deploy/nginx/hantei.conf" > "$SITE"
ln -sf "$SITE" /etc/nginx/sites-enabled/hantei
nginx -t
systemctl reload nginx

echo "== check"
for _ in $(seq 30); do
  curl -fsS http://127.0.0.1:8000/healthz/ready >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS http://127.0.0.1:8000/healthz/ready && echo
echo "hantei is up at https://$DOMAIN/"
