#!/bin/sh
# Benchmark the time from request to items of a trivial apify SDK actor
# (bench/sdk/actor) run through actord's run-sync-get-dataset-items,
# against the same actor run by the Apify CLI's local `apify run` in the
# same run. docs/BENCHMARKS.md explains the method and records results.
#
# Usage: bench/sdk/run.sh [--runs N] [--warmup N] [--items N] [--port PORT]
#                         [--work-dir DIR] [--results FILE] [--skip SIDE]
#   --runs N        measured rounds; each runs every side once (default 20)
#   --warmup N      rounds before them that are not counted (default 2)
#   --items N       items the actor pushes, at least 1 (default 3)
#   --port PORT     actord's port on 127.0.0.1 (default 0: any free port)
#   --work-dir DIR  actord's data dir, the actor's copies, HOME and logs
#                   (default /tmp/actord-bench-sdk, replaced on each run)
#   --results FILE  results as JSON (default WORK_DIR/results.json); the
#                   printed table also goes to FILE with .txt for .json
#   --skip SIDE     bare-npm, bare-node, local-npm or cli-start, the sides
#                   beside the sync call and `apify run`; may be repeated
#
# It checks the arguments first, then builds build/actord with the normal
# `make` and installs, with `npm ci --offline`, the pinned apify-cli
# (tests/compat/cli) when it is missing or not the pinned version. The
# actor's packages (apify 3.7.2) come from npm's cache, offline, both in
# actord's build and in the CLI's copy of the actor. `npm ci --prefix
# tests/compat/actors` fills the cache (scripts/test.sh runs it), the only
# step that needs the npm registry. actord listens on 127.0.0.1 only.
# Every Node.js process loads net-guard.mjs, which rejects and records
# connections to any other host, so the benchmark fails when one was
# tried. A default run takes 2.5 to 3 minutes on 2 cores.
set -eu

bench_dir=$(cd "$(dirname "$0")" && pwd)
repo_dir=$(cd "$bench_dir/../.." && pwd)
for arg in "$@"; do
	case "$arg" in
	-h | --help)
		# The comment block at the top of this file, without the '#'.
		awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
		exit 0
		;;
	esac
done

for tool in node npm python3 make git; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is missing; install it (scripts/install-deps.sh installs it)" >&2
		exit 1
	fi
done

# -B: no __pycache__ beside the sources. Exits 2 with argparse's message.
python3 -B "$bench_dir/bench.py" --check-args "$@"

make -C "$repo_dir" --no-print-directory >&2

# The pinned CLI, installed when missing or of another version.
cli_dir=$repo_dir/tests/compat/cli
want=$(node -p 'require(process.argv[1]).dependencies["apify-cli"]' "$cli_dir/package.json")
have=$(node -p 'require(process.argv[1]).version' "$cli_dir/node_modules/apify-cli/package.json" 2>/dev/null || true)
if [ "$have" != "$want" ]; then
	echo "run.sh: npm ci --offline in tests/compat/cli" >&2
	if ! npm ci --prefix "$cli_dir" --offline --no-audit --no-fund --loglevel=error >&2; then
		echo "run.sh: apify-cli is not in npm's cache; run npm ci --prefix tests/compat/cli once with the registry" >&2
		exit 1
	fi
fi

exec python3 -B "$bench_dir/bench.py" "$@"
