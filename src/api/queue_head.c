/*
 * The head of a request queue and request locks: GET head, POST
 * head/lock, PUT and DELETE requests/:id/lock, POST requests/unlock.
 * A client is identified by its clientKey parameter; requests locked
 * without one belong to the client key "". A lock ends when it expires,
 * when its client releases it, or when the request is deleted.
 * TODO: tie locks taken from a run to the run, as the platform does, so
 * that a restarted run with a new clientKey can unlock them.
 */
#include "api/handlers.h"
#include "api/queues.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

#define MAX_HEAD_LIMIT 1000
#define MAX_LIST_LIMIT 10000
#define DEFAULT_HEAD_LIMIT 100
/* At most 25 requests per head/lock, as on the platform. */
#define MAX_LOCK_HEAD_LIMIT 25
/* One year: bounds lockSecs so that the expiry in ms cannot overflow. */
#define MAX_LOCK_SECS 31536000

struct head_ctx {
	struct buf *items;
	int count;
	int with_lock;
};

/* A request object with "id" first, then the stored members. */
static void put_head_item(void *ctx, const char *id, const char *doc,
			  size_t len, int64_t lock_expires_at)
{
	struct head_ctx *h = ctx;

	buf_puts(h->items, h->count++ ? ",{\"id\":" : "{\"id\":");
	buf_put_json_string(h->items, id, strlen(id));
	if (len > 2) {
		buf_putc(h->items, ',');
		buf_append(h->items, doc + 1, len - 2);
	}
	if (h->with_lock)
		api_put_time(h->items, 1, "lockExpiresAt", lock_expires_at);
	buf_putc(h->items, '}');
}

/* Read parameter name as an integer in 1..max; def when absent. A def of
 * 0 makes the parameter required. */
static int query_range(struct req *r, const char *name, int64_t def,
		       int64_t max, int64_t *out)
{
	const char *v = req_query(r, name);
	char *end;

	*out = def;
	if (v && *v) {
		errno = 0;
		*out = strtoll(v, &end, 10);
		if (*end || errno || !(*v >= '0' && *v <= '9'))
			*out = 0;	/* not an integer: the range message */
	}
	if (*out >= 1 && *out <= max)
		return 0;
	if (!def && !req_query(r, name))
		resp_error(r, 400, "invalid-input", "Parameter '%s' is"
			   " required: an integer from 1 to %lld.", name,
			   (long long)max);
	else
		resp_error(r, 400, "invalid-input", "Parameter '%s' must be an"
			   " integer from 1 to %lld, got '%s'.", name,
			   (long long)max, req_query(r, name));
	return -1;
}

/* GET /requests?limit=&exclusiveStartId=: all requests, handled ones too,
 * ordered by id. */
void api_list_requests(struct req *r)
{
	const char *start = req_query(r, "exclusiveStartId");
	struct buf b = BUF_INIT;
	struct head_ctx h = { &b, 0, 0 };
	struct storage s;
	int64_t limit;

	if (queue_find(r, &s) ||
	    query_range(r, "limit", MAX_LIST_LIMIT, MAX_LIST_LIMIT, &limit))
		return;
	if (start && !*start)
		start = NULL;
	buf_printf(&b, "{\"limit\":%lld", (long long)limit);
	api_put_str(&b, 1, "exclusiveStartId", start);
	buf_puts(&b, ",\"items\":[");
	if (store_queue_list_requests(r->store, s.id, start, limit,
				      put_head_item, &h)) {
		resp_internal(r);
		goto out;
	}
	buf_puts(&b, "]}");
	resp_data(r, 200, b.data, b.len);
out:
	buf_release(&b);
}

/* GET /head?limit=: the first pending requests that no client locks. */
void api_get_head(struct req *r)
{
	struct buf b = BUF_INIT;
	struct head_ctx h = { &b, 0, 0 };
	struct queue_counts c;
	struct storage s;
	int64_t limit;

	if (queue_find(r, &s) ||
	    query_range(r, "limit", DEFAULT_HEAD_LIMIT, MAX_HEAD_LIMIT, &limit))
		return;
	buf_printf(&b, "{\"limit\":%lld", (long long)limit);
	api_put_time(&b, 1, "queueModifiedAt", s.modified_at);
	buf_puts(&b, ",\"items\":[");
	if (store_queue_head(r->store, s.id, limit, time_now_ms(),
			     put_head_item, &h) ||
	    store_queue_counts(r->store, s.id, &c)) {
		resp_internal(r);
		goto out;
	}
	buf_printf(&b, "],\"hadMultipleClients\":%s}",
		   c.had_multiple_clients ? "true" : "false");
	resp_data(r, 200, b.data, b.len);
out:
	buf_release(&b);
}

/* POST /head/lock?lockSecs=&limit=&clientKey=: lock and return the first
 * pending requests that no client locks. */
void api_lock_head(struct req *r)
{
	struct buf b = BUF_INIT;
	struct head_ctx h = { &b, 0, 1 };
	struct queue_counts c;
	const char *client_key;
	struct storage s;
	int64_t limit, lock_secs;
	int still_locked;

	if (queue_find(r, &s) || queue_client_key(r, &client_key) ||
	    query_range(r, "lockSecs", 0, MAX_LOCK_SECS, &lock_secs) ||
	    query_range(r, "limit", MAX_LOCK_HEAD_LIMIT, MAX_LOCK_HEAD_LIMIT,
			&limit))
		return;
	buf_printf(&b, "{\"limit\":%lld,\"lockSecs\":%lld", (long long)limit,
		   (long long)lock_secs);
	api_put_str(&b, 1, "clientKey", client_key[0] ? client_key : NULL);
	api_put_time(&b, 1, "queueModifiedAt", s.modified_at);
	buf_puts(&b, ",\"items\":[");
	if (store_queue_lock_head(r->store, s.id, client_key, limit,
				  time_now_ms(), lock_secs * 1000,
				  put_head_item, &h, &still_locked) ||
	    store_queue_counts(r->store, s.id, &c)) {
		resp_internal(r);
		goto out;
	}
	buf_printf(&b, "],\"queueHasLockedRequests\":%s,"
		   "\"hadMultipleClients\":%s}",
		   still_locked ? "true" : "false",
		   c.had_multiple_clients ? "true" : "false");
	resp_data(r, 201, b.data, b.len);
out:
	buf_release(&b);
}

/* Prolong (lock_secs > 0) or release (lock_secs < 0) the client's lock on
 * request params[1]; respond with status. */
static void change_lock(struct req *r, int64_t lock_secs)
{
	const char *client_key;
	struct storage s;
	struct buf b = BUF_INIT;
	int64_t expires_at;
	int forefront, rc;

	if (queue_find(r, &s) || queue_client_key(r, &client_key) ||
	    api_query_bool(r, "forefront", 0, &forefront))
		return;
	if (!lock_secs &&
	    query_range(r, "lockSecs", 0, MAX_LOCK_SECS, &lock_secs))
		return;
	rc = store_queue_lock_change(r->store, s.id, client_key, r->params[1],
				     time_now_ms(),
				     lock_secs < 0 ? -1 : lock_secs * 1000,
				     forefront, &expires_at);
	if (rc == STORE_NOT_FOUND) {
		resp_error(r, 404, "record-not-found", "Request '%s' was not"
			   " found in request queue %s.", r->params[1], s.id);
	} else if (rc == STORE_LOCK_NOT_HELD) {
		resp_error(r, 409, "request-not-locked", "Request '%s' is not"
			   " locked by client key '%s': it was never locked,"
			   " its lock expired, or another client holds it.",
			   r->params[1], client_key);
	} else if (rc) {
		resp_internal(r);
	} else if (lock_secs < 0) {
		resp_empty(r, 204);
	} else {
		buf_putc(&b, '{');
		api_put_time(&b, 0, "lockExpiresAt", expires_at);
		buf_putc(&b, '}');
		resp_data(r, 200, b.data, b.len);
	}
	buf_release(&b);
}

/* PUT /requests/:requestId/lock?lockSecs=&forefront=&clientKey= */
void api_prolong_request_lock(struct req *r)
{
	change_lock(r, 0);
}

/* DELETE /requests/:requestId/lock?forefront=&clientKey= */
void api_delete_request_lock(struct req *r)
{
	change_lock(r, -1);
}

/* POST /requests/unlock?clientKey=: release all of the client's locks. */
void api_unlock_requests(struct req *r)
{
	const char *client_key;
	struct storage s;
	char body[64];
	int64_t count;

	if (queue_find(r, &s) || queue_client_key(r, &client_key))
		return;
	if (store_queue_unlock(r->store, s.id, client_key, time_now_ms(),
			       &count)) {
		resp_internal(r);
		return;
	}
	snprintf(body, sizeof(body), "{\"unlockedCount\":%lld}",
		 (long long)count);
	resp_data(r, 200, body, strlen(body));
}
