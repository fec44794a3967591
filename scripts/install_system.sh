#!/usr/bin/env bash
# Installs the Debian packages a command needs, only when something is missing.
#   scripts/install_system.sh run    -> python3-venv, nodejs, npm, and for the PDF documents (WeasyPrint)
#                                       Pango (libpango-1.0-0, libpangoft2-1.0-0) and the fonts fonts-noto-core
#                                       (Noto Sans, Noto Sans Arabic) and fonts-dejavu-core
#   scripts/install_system.sh test   -> the above plus chromium (browser tests), gdal-bin (ogrinfo reads exports)
#                                       postgresql + postgresql-postgis (= postgresql-15-postgis-3; the tests start their own server)
#                                       and fonts-noto-color-emoji (journey screenshots), poppler-utils (pdfinfo/pdftotext read the PDFs)
set -euo pipefail
profile="${1:-run}"
need=()
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
# geo/documents.py: WeasyPrint lays text out with Pango; fonts come from Debian, never fetched
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf ] || need+=(fonts-noto-core)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "$profile" = "test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
  # initdb/pg_ctl live in /usr/lib/postgresql/<version>/bin; PostGIS is an extension of that version.
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
  compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null || need+=(postgresql-postgis)
  # screenshots of the journeys show what a phone shows: emoji (category icons) drawn, not empty boxes
  [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fi
[ "${#need[@]}" -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
