#!/bin/bash
# Benchmark actor: pushes one item to the run's default dataset over the
# API with bash's /dev/tcp (no curl process), then becomes `sleep`, so each
# run is one small sleeping process. It sleeps until the Unix time $1, or
# at least $2 seconds.
set -eu
hostport=${APIFY_API_BASE_URL#http://}
hostport=${hostport%%/*}
item="{\"runId\":\"$ACTOR_RUN_ID\",\"bench\":\"sync-wait\"}"
exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
printf 'POST /v2/datasets/%s/items HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
	"$ACTOR_DEFAULT_DATASET_ID" "$hostport" "$APIFY_TOKEN" "${#item}" "$item" >&3
read -r status_line <&3
exec 3<&-
case $status_line in
"HTTP/1.1 201"*) ;;
*) echo "pushing the item failed: $status_line" >&2; exit 1 ;;
esac
seconds=$(($1 - EPOCHSECONDS))
if [ "$seconds" -lt "$2" ]; then
	seconds=$2
fi
exec sleep "$seconds"
