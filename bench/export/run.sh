#!/bin/sh
# Benchmark actord's dataset export against peer tools; docs/BENCHMARKS.md
# explains the method and records results.
#
# Usage: bench/export/run.sh [--items N] [--seed S] [--repeat R]
#                            [--work-dir DIR] [--results FILE]
#                            [--formats LIST] [--no-peers] [--keep-outputs]
#   --items N       items in the dataset (default 1000000; at least 100)
#   --seed S        seed of the item generator (default 1)
#   --repeat R      runs of each export and each peer; the tables show the
#                   run with the median time (default 3)
#   --work-dir DIR  items file, actord data dir and exported files
#                   (default /tmp/actord-bench-export; the data dir and the
#                   exported files are replaced on every run)
#   --results FILE  results as JSON (default WORK_DIR/results.json); the
#                   printed table also goes to FILE with .txt for .json
#   --formats LIST  comma-separated, of json,jsonl,csv,html,xml,rss,xlsx
#   --no-peers      skip JSON.stringify, the csv module and exceljs
#   --keep-outputs  keep the exported files in WORK_DIR/out
#
# It builds build/actord with the normal `make`, installs the npm packages
# of package-lock.json with `npm ci` when node_modules is missing, and, as
# root, installs the Debian package `time` when /usr/bin/time is missing.
# actord listens on 127.0.0.1 only. A run with the default 1,000,000 items
# takes about 10 minutes on 2 cores and needs about 4 GB free under the
# work dir.
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

for tool in node npm python3 make cc readelf pkg-config; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is missing; install it (scripts/install-deps.sh installs most of them)" >&2
		exit 1
	fi
done

if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "run.sh: /usr/bin/time is missing; install the Debian package 'time' as root" >&2
		exit 1
	fi
	echo "run.sh: installing the Debian package 'time' for /usr/bin/time" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

if [ ! -d "$bench_dir/node_modules" ]; then
	echo "run.sh: installing the peers' npm packages with npm ci" >&2
	(cd "$bench_dir" && npm ci --no-audit --no-fund)
fi

make -C "$repo_dir" --no-print-directory >&2

# -B: no __pycache__ beside the sources.
exec python3 -B "$bench_dir/bench.py" "$@"
