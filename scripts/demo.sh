#!/usr/bin/env bash
# Build actord, start it on a fresh data dir, upload the site-crawler example
# actor, create a task for it and run that task synchronously against HTML
# documentation installed on this machine, then print the dataset items.
#
# Every server listens on 127.0.0.1 only, and the crawl reaches only the local
# documentation server. The API token is read from the data dir and never
# printed: curl gets it from a header file rather than from its command line.
#
# Usage: scripts/demo.sh
#   KEEP=1 scripts/demo.sh   keeps the data dir and the logs, and prints their path
set -eu

REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO_DIR"

# The server must generate its own token, and the push below sets its own.
unset ACTORD_TOKEN ACTORD_URL

ACTORD_PID=""
DOC_SERVER_PID=""
WORK_DIR=""
TOKEN_FILE=""

say() {
	printf '==> %s\n' "$*"
}

# Print text from stdin with the token replaced, in case a server message contains it.
redact() {
	if [ -n "$TOKEN_FILE" ] && [ -s "$TOKEN_FILE" ]; then
		python3 -c '
import sys
token = open(sys.argv[1]).read().strip()
text = sys.stdin.read()
sys.stdout.write(text.replace(token, "<token>") if token else text)
' "$TOKEN_FILE"
	else
		cat
	fi
}

print_actord_log() {
	if [ -n "$WORK_DIR" ] && [ -s "$WORK_DIR/actord.log" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "--- last 40 lines of the actord log ($WORK_DIR/actord.log):" >&2
		else
			echo "--- last 40 lines of the actord log (deleted on exit; run with KEEP=1 to keep it):" >&2
		fi
		tail -n 40 "$WORK_DIR/actord.log" | redact >&2
		echo "---" >&2
	fi
}

die() {
	echo "demo: $*" >&2
	exit 1
}

# Like die, for failures where the server log likely shows the cause.
die_with_log() {
	echo "demo: $*" >&2
	print_actord_log
	exit 1
}

# Send SIGTERM to a process that this script started and wait up to 10 s for it.
stop_process() {
	local pid=$1 name=$2
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "demo: $name (pid $pid) did not stop within 10 s of SIGTERM; sending SIGKILL" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
	local status=$?
	stop_process "$DOC_SERVER_PID" "the documentation server"
	stop_process "$ACTORD_PID" "actord"
	if [ -n "$WORK_DIR" ] && [ -d "$WORK_DIR" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "demo: kept the data dir $WORK_DIR/data and the logs in $WORK_DIR" >&2
			rm -f "$WORK_DIR/auth-header"
		else
			rm -rf "$WORK_DIR"
		fi
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Write the curl header file. The token goes from file to file, so not even a
# "bash -x" trace shows it.
write_auth_header() {
	{
		printf 'Authorization: Bearer '
		tr -d '\r\n' <"$TOKEN_FILE"
		printf '\n'
	} >"$WORK_DIR/auth-header"
}

free_port() {
	python3 -c '
import socket
with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1])
'
}

# Send an API request. Usage: api METHOD PATH [JSON_BODY]
# Writes the response body to $WORK_DIR/response.json and fails with the
# status and the body unless the status is 2xx.
api() {
	local method=$1 path=$2 status
	local args=(-sS -o "$WORK_DIR/response.json" -w '%{http_code}' --max-time 30
		-X "$method" -H "@$WORK_DIR/auth-header")
	if [ $# -ge 3 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$3")
	fi
	status=$(curl "${args[@]}" "$API_URL$path") ||
		die_with_log "$method $path failed: no response from actord"
	case "$status" in
	2??) ;;
	*)
		echo "demo: $method $path returned HTTP $status:" >&2
		redact <"$WORK_DIR/response.json" >&2
		echo >&2
		die_with_log "the API request above failed"
		;;
	esac
}

# Print one field of the JSON object in $WORK_DIR/response.json, e.g. json_field data id.
json_field() {
	python3 -c '
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    value = value[key]
print(value)
' "$WORK_DIR/response.json" "$@"
}

# --- Build -----------------------------------------------------------------

say "Installing build dependencies (scripts/install-deps.sh)"
scripts/install-deps.sh || die "scripts/install-deps.sh failed; see its message above"
command -v python3 >/dev/null || die "python3 is missing; install the python3 package"
command -v curl >/dev/null || die "curl is missing; install the curl package"

say "Building actord (make)"
make || die "make failed; see the compiler output above"
[ -x build/actord ] || die "make succeeded but build/actord does not exist"

# --- Documentation to crawl ------------------------------------------------

DOC_DIR=""
for candidate in /usr/share/doc/valgrind/html /usr/share/doc/cmocka-doc/html \
	/usr/share/doc/nodejs/api /usr/share/doc/libxslt1-dev/html; do
	if [ -f "$candidate/index.html" ]; then
		DOC_DIR=$candidate
		break
	fi
done
[ -n "$DOC_DIR" ] || die "no HTML documentation to crawl: none of /usr/share/doc/valgrind/html,\
 /usr/share/doc/cmocka-doc/html, /usr/share/doc/nodejs/api or /usr/share/doc/libxslt1-dev/html\
 contains index.html. Install one of them, for example: apt-get install nodejs-doc"

# --- Start actord ----------------------------------------------------------

umask 077
WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/actord-demo.XXXXXX")
DATA_DIR=$WORK_DIR/data
mkdir "$DATA_DIR"
TOKEN_FILE=$DATA_DIR/token
PORT=$(free_port)
DOC_PORT=$(free_port)
API_URL=http://127.0.0.1:$PORT

say "Starting actord on 127.0.0.1:$PORT with data dir $DATA_DIR"
build/actord serve --listen "127.0.0.1:$PORT" --data-dir "$DATA_DIR" >"$WORK_DIR/actord.log" 2>&1 &
ACTORD_PID=$!

# Wait up to 30 s for the token file and for GET /v2/users/me to return 200.
ready=0
for _ in $(seq 1 150); do
	kill -0 "$ACTORD_PID" 2>/dev/null || die_with_log "actord exited during startup"
	if [ -s "$TOKEN_FILE" ]; then
		write_auth_header
		status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			-H "@$WORK_DIR/auth-header" "$API_URL/v2/users/me" || true)
		if [ "$status" = 200 ]; then
			ready=1
			break
		fi
	fi
	sleep 0.2
done
if [ "$ready" != 1 ]; then
	if [ ! -s "$TOKEN_FILE" ]; then
		die_with_log "actord did not write a token to $TOKEN_FILE within 30 s"
	fi
	die_with_log "GET /v2/users/me did not return 200 within 30 s (last status: ${status:-none})"
fi
token_mode=$(stat -c %a "$TOKEN_FILE")
if [ "$token_mode" != 600 ]; then
	echo "demo: warning: $TOKEN_FILE has mode $token_mode, expected 600" >&2
fi
say "actord is ready"

# --- Upload the actor and create a task ------------------------------------

say "Uploading examples/actors/site-crawler (actord push)"
# read, unlike a command substitution, does not show the token in a "bash -x"
# trace. It returns 1 when the file does not end with a newline, which is fine
# as long as it read a token.
if ! (
	read -r ACTORD_TOKEN <"$TOKEN_FILE" || [ -n "${ACTORD_TOKEN:-}" ]
	export ACTORD_TOKEN
	ACTORD_URL=$API_URL build/actord push examples/actors/site-crawler
) >"$WORK_DIR/push.log" 2>&1; then
	redact <"$WORK_DIR/push.log" >&2
	die_with_log "actord push failed"
fi
redact <"$WORK_DIR/push.log"

api GET /v2/acts/~site-crawler
ACTOR_ID=$(json_field data id) || die "GET /v2/acts/~site-crawler returned no data.id"
say "Actor id: $ACTOR_ID"

DOC_START_URL=http://127.0.0.1:$DOC_PORT/index.html
task_body=$(python3 -c '
import json, sys
print(json.dumps({
    "actId": sys.argv[1],
    "name": "crawl-docs",
    "input": {"startUrls": [{"url": sys.argv[2]}], "maxPagesPerCrawl": 5},
}))
' "$ACTOR_ID" "$DOC_START_URL")
api POST /v2/actor-tasks "$task_body"
say "Created task crawl-docs ($(json_field data id))"

# --- Serve the documentation and run the task --------------------------------

say "Serving $DOC_DIR on 127.0.0.1:$DOC_PORT"
python3 -m http.server --bind 127.0.0.1 --directory "$DOC_DIR" "$DOC_PORT" \
	>"$WORK_DIR/doc-server.log" 2>&1 &
DOC_SERVER_PID=$!
for _ in $(seq 1 50); do
	curl -s -o /dev/null --max-time 1 "$DOC_START_URL" && break
	kill -0 "$DOC_SERVER_PID" 2>/dev/null ||
		die "the documentation server exited: $(tail -n 5 "$WORK_DIR/doc-server.log")"
	sleep 0.1
done
curl -s -o /dev/null --max-time 1 "$DOC_START_URL" ||
	die "the documentation server on 127.0.0.1:$DOC_PORT did not respond within 5 s"

say "Running task crawl-docs with maxPagesPerCrawl 15 and waiting for its dataset items"
run_input=$(python3 -c '
import json, sys
print(json.dumps({"startUrls": [{"url": sys.argv[1]}], "maxPagesPerCrawl": 15}))
' "$DOC_START_URL")
status=$(curl -sS -o "$WORK_DIR/items.json" -w '%{http_code}' --max-time 300 -X POST \
	"$API_URL/v2/actor-tasks/~crawl-docs/run-sync-get-dataset-items?format=json" \
	-H "@$WORK_DIR/auth-header" -H 'Content-Type: application/json' -d "$run_input") ||
	die_with_log "the run-sync-get-dataset-items request failed"
case "$status" in
2??) ;;
*)
	echo "demo: run-sync-get-dataset-items returned HTTP $status:" >&2
	redact <"$WORK_DIR/items.json" >&2
	echo >&2
	die_with_log "the task run failed"
	;;
esac

python3 -m json.tool <"$WORK_DIR/items.json" ||
	die_with_log "run-sync-get-dataset-items returned a body that is not JSON"
python3 -c '
import json, sys
items = json.load(open(sys.argv[1]))
if not isinstance(items, list):
    sys.exit("demo: expected a JSON array of items, got " + type(items).__name__)
loaded = sum(1 for item in items if isinstance(item.get("httpStatus"), int) and 200 <= item["httpStatus"] < 300)
links = sum(item.get("linkCount") or 0 for item in items)
print(f"Summary: {len(items)} items from {sys.argv[2]}: {loaded} pages loaded, "
      f"{len(items) - loaded} failed, {links} links found")
' "$WORK_DIR/items.json" "$DOC_DIR"
