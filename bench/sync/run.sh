#!/bin/sh
# Benchmark actord's run-sync-get-dataset-items: the overhead of a sync call
# of a trivial actor against starting the same process bare, and actord's
# memory per waiting sync request with 10,000 waiting; docs/BENCHMARKS.md
# explains the method and records results.
#
# Usage: bench/sync/run.sh [--requests N] [--warmup N] [--waiting N]
#                          [--sleep-secs S] [--work-dir DIR]
#                          [--results FILE] [--skip PART]
#   --requests N    sequential sync calls in part A (default 500)
#   --warmup N      sync calls before part A records times (default 20)
#   --waiting N     concurrent sync calls in part B (default 10000)
#   --sleep-secs S  seconds from the start of part B until its first runs
#                   end; it must exceed the time to start them (default 90)
#   --work-dir DIR  actord's data dir, logs and results
#                   (default /tmp/actord-bench-sync, data dir replaced)
#   --results FILE  results as JSON (default WORK_DIR/results.json); the
#                   printed table also goes to FILE with .txt for .json
#   --skip PART     overhead, waiting or peer; may be repeated
#
# It builds build/actord with the normal `make` and the client with cc and
# libcurl, and raises the open-file limit to 65536 (as root it raises the
# hard limit too): part B's actord holds about three descriptors per
# waiting request (its socket, its run's output pipe and its log file).
# Part B starts --waiting processes at once, each a `sleep` of about 1 MiB.
# actord and the Node.js peer listen on 127.0.0.1 only, and nothing else is
# contacted. A default run takes about 4 minutes on 2 cores.
set -eu

bench_dir=$(cd "$(dirname "$0")" && pwd)
repo_dir=$(cd "$bench_dir/../.." && pwd)
work_dir=/tmp/actord-bench-sync
prev=
for arg in "$@"; do
	case "$arg" in
	-h | --help)
		# The comment block at the top of this file, without the '#'.
		awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
		exit 0
		;;
	esac
	[ "$prev" = --work-dir ] && work_dir=$arg
	prev=$arg
done

for tool in node python3 make cc pkg-config bash git; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is missing; install it (scripts/install-deps.sh installs most of them)" >&2
		exit 1
	fi
done

want_files=65536
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want_files" ]; then
	ulimit -Hn "$want_files" 2>/dev/null ||
		echo "run.sh: cannot raise the hard open-file limit to $want_files (needs CAP_SYS_RESOURCE); part B runs fewer runs at once" >&2
fi
ulimit -Sn "$(ulimit -Hn)"

make -C "$repo_dir" --no-print-directory >&2
mkdir -p "$work_dir"
# shellcheck disable=SC2046
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(pkg-config --cflags libcurl) \
	-o "$work_dir/sync_client" "$bench_dir/sync_client.c" $(pkg-config --libs libcurl)

# -B: no __pycache__ beside the sources.
exec python3 -B "$bench_dir/bench.py" --client "$work_dir/sync_client" "$@"
