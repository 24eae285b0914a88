#!/bin/sh
# Install what building and testing actord needs, on Debian 12, when it is
# missing. Runs apt-get only as root and only for packages not yet present,
# so a second run is quick and needs no network.
set -eu

# libreoffice-calc-nogui: the tests open exported xlsx files in Calc.
PKGS="build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libcurl4-openssl-dev
libcmocka-dev zlib1g-dev libbrotli-dev libxml2-dev libarchive-dev libpq-dev python3 curl
nodejs npm libxml2-utils zip libreoffice-calc-nogui"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done

# A node and npm installed outside Debian's packages serve as well.
case "$missing" in *nodejs*) command -v node >/dev/null && missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
case "$missing" in *npm*) command -v npm >/dev/null && missing=$(echo "$missing" | sed 's/ npm//') ;; esac
case "$missing" in *python3*) command -v python3 >/dev/null && missing=$(echo "$missing" | sed 's/ python3//') ;; esac

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
