#!/bin/sh
# Run the whole test suite. It installs missing dependencies, builds, and
# runs the cmocka unit tests, the API tests against a real actord, the
# compatibility tests with the official Apify client, the apify SDK and
# Crawlee actors (whose pinned npm packages it installs first) and the
# stock Apify CLI, and the example actor tests. Then it runs the unit, API
# and compatibility tests again with AddressSanitizer and
# UndefinedBehaviorSanitizer.
#
# Usage: scripts/test.sh [--quick]
#   --quick  skip the sanitizer pass
# Environment: ACTORD_CONCURRENT_SYNC_REQUESTS sets the size of the
# concurrency test (default 1000). Exits non-zero when any step fails.
set -u

cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
	case "$arg" in
	--quick) quick=1 ;;
	-h | --help)
		sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "test.sh: unknown argument: $arg (expected --quick)" >&2
		exit 2
		;;
	esac
done

failed=""

# step NAME COMMAND...: run a step, remember its name when it fails.
step() {
	name=$1
	shift
	echo "== $name"
	if "$@"; then
		echo "== $name: passed"
	else
		echo "== $name: FAILED (exit $?)"
		failed="$failed
  $name"
	fi
}

api_tests() {
	ACTORD_BIN=$1 node --test tests/api/
}

compat_tests() {
	ACTORD_BIN=$1 node --test tests/compat/client.test.mjs
}

# The SDK compatibility test's packages come from the lock file in
# tests/compat/actors. Installing them also fills npm's cache, and the
# test's actor builds install from that cache offline.
compat_sdk_packages() {
	npm ci --prefix tests/compat/actors --no-audit --no-fund
}

compat_sdk_tests() {
	ACTORD_BIN=$1 node --test tests/compat/sdk.test.mjs
}

# cli_tests BIN: run the pinned apify-cli against a real actord. npm ci
# installs it first when it is missing or older than its lock file.
cli_tests() {
	cli_dir=tests/compat/cli
	if ! [ "$cli_dir/node_modules/.package-lock.json" -nt "$cli_dir/package-lock.json" ]; then
		npm ci --prefix "$cli_dir" --no-audit --no-fund >/dev/null || return 1
	fi
	ACTORD_BIN=$1 node --test tests/compat/cli.test.mjs
}

example_tests() {
	status=0
	for test_file in tests/examples/test_*.py; do
		[ -e "$test_file" ] || continue
		python3 "$test_file" || status=1
	done
	return $status
}

step "install dependencies" scripts/install-deps.sh
step "install compatibility test packages" scripts/compat-deps.sh
step "SDK compatibility packages" compat_sdk_packages
step "build" make
step "unit tests" make unit
if [ -x build/actord ]; then
	step "API tests" api_tests build/actord
	step "compatibility tests" compat_tests build/actord
	step "SDK compatibility tests" compat_sdk_tests build/actord
	step "Apify CLI tests" cli_tests build/actord
else
	failed="$failed
  API tests (build/actord missing)"
fi
step "example actor tests" example_tests

if [ "$quick" -eq 0 ]; then
	step "sanitizer build" make SANITIZE=address,undefined
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	step "sanitizer unit tests" make SANITIZE=address,undefined unit
	if [ -x build-san/actord ]; then
		step "sanitizer API tests" api_tests build-san/actord
		step "sanitizer compatibility tests" compat_tests build-san/actord
		step "sanitizer SDK compatibility tests" \
			compat_sdk_tests build-san/actord
		step "sanitizer Apify CLI tests" cli_tests build-san/actord
	else
		failed="$failed
  sanitizer API tests (build-san/actord missing)"
	fi
	unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if [ -n "$failed" ]; then
	echo "test.sh: failed steps:$failed"
	exit 1
fi
echo "test.sh: all steps passed"
