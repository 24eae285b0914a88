#!/bin/sh
# Install the npm packages of the compatibility tests (tests/compat) with
# `npm ci`, as pinned in tests/compat/package-lock.json, when node_modules is
# missing or was installed from another lock file. The lock file's SHA-256
# is kept in node_modules/.actord-lock-sha256 after a successful install, so
# a second run needs no network.
set -eu

cd "$(dirname "$0")/../tests/compat"

stamp=node_modules/.actord-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
echo "compat-deps: npm ci in tests/compat"
npm ci --no-audit --no-fund
echo "$want" >"$stamp"
