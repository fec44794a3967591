#!/usr/bin/env bash
# Installs the Debian packages a command needs, only when something is missing.
#   scripts/install_system.sh run    -> python3-venv, nodejs, npm
#   scripts/install_system.sh test   -> the above plus chromium (browser tests), gdal-bin (ogrinfo reads exports)
#                                       postgresql + postgresql-postgis (= postgresql-15-postgis-3; the tests start their own server)
#                                       and fonts-noto-color-emoji (journey screenshots)
set -euo pipefail
profile="${1:-run}"
need=()
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ "$profile" = "test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
  # initdb/pg_ctl live in /usr/lib/postgresql/<version>/bin; PostGIS is an extension of that version.
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
  compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null || need+=(postgresql-postgis)
  # screenshots of the journeys show what a phone shows: emoji (category icons) drawn, not empty boxes
  [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
fi
[ "${#need[@]}" -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
