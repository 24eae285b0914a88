/*
 * The requests of a request queue, as Crawlee and apify-client use them:
 * add (one or a batch of up to 25), get, update and delete. The head and
 * locks are in queue_head.c; store.h describes how requests are stored.
 */
#include "api/handlers.h"
#include "api/queues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

/* Per batch operation, as on the platform
 * (REQUEST_QUEUE_MAX_REQUESTS_PER_BATCH_OPERATION). */
#define MAX_BATCH 25

/* A request object with "id" first, then the stored members. */
static void put_request(struct buf *b, const char *id, const char *doc,
			size_t len)
{
	buf_puts(b, "{\"id\":");
	buf_put_json_string(b, id, strlen(id));
	if (len > 2) {
		buf_putc(b, ',');
		buf_append(b, doc + 1, len - 2);
	}
	buf_putc(b, '}');
}

static int check_string(struct req *r, const struct json *obj,
			const char *where, const char *key, int required)
{
	const struct json *v = json_get(obj, key);

	if (!v && !required)
		return 0;
	if (v && v->type == JSON_STRING && v->len > 0 &&
	    strlen(v->str) == v->len)
		return 0;
	resp_error(r, 400, "invalid-input", "%sField '%s' %s be a non-empty"
		   " string without U+0000.", where, key,
		   required ? "is required and must" : "must");
	return -1;
}

/*
 * Check a request object and append it, without "id", to docs. Fills the
 * unique key, handled flag and doc_len of in, and stores the offset of the
 * text in docs in *start, because docs may still move as it grows.
 */
static int parse_request(struct req *r, const struct json *obj, long index,
			 struct buf *docs, struct queue_request_in *in,
			 size_t *start)
{
	const struct json *m, *handled_at;
	char where[48] = "";
	int first = 1;

	if (index >= 0)
		snprintf(where, sizeof(where), "Request at index %ld: ", index);
	if (obj->type != JSON_OBJECT) {
		resp_error(r, 400, "invalid-input", "%sA request must be a JSON"
			   " object, got %s.", where,
			   json_type_name(obj->type));
		return -1;
	}
	if (check_string(r, obj, where, "url", 1) ||
	    check_string(r, obj, where, "uniqueKey", 1) ||
	    check_string(r, obj, where, "method", 0))
		return -1;

	in->unique_key = json_get(obj, "uniqueKey")->str;
	handled_at = json_get(obj, "handledAt");
	in->handled = handled_at && handled_at->type != JSON_NULL;
	*start = docs->len;
	buf_putc(docs, '{');
	for (m = obj->child; m; m = m->next) {
		if (!strcmp(m->key, "id"))
			continue;
		if (!first)
			buf_putc(docs, ',');
		first = 0;
		buf_append(docs, m->key_raw, m->key_raw_len);
		buf_putc(docs, ':');
		json_write(docs, m);
	}
	buf_putc(docs, '}');
	in->doc_len = docs->len - *start;
	return 0;
}

static int parse_requests(struct req *r, const struct json *arr,
			  struct buf *docs, struct queue_request_in *in)
{
	size_t starts[MAX_BATCH];
	const struct json *item;
	long i = 0;

	for (item = arr->child; item; item = item->next, i++)
		if (parse_request(r, item, i, docs, &in[i], &starts[i]))
			return -1;
	/* docs no longer grows, so its addresses hold from here on. */
	for (i = 0; i < (long)arr->count; i++)
		in[i].doc = docs->data + starts[i];
	return 0;
}

static void put_add_result(struct buf *b, const struct queue_request_out *o)
{
	buf_printf(b, "\"requestId\":\"%s\",\"wasAlreadyPresent\":%s,"
		   "\"wasAlreadyHandled\":%s", o->id,
		   o->was_present ? "true" : "false",
		   o->was_handled ? "true" : "false");
}

/* POST /requests?forefront=&clientKey=: add one request. */
void api_add_request(struct req *r)
{
	struct json_doc *doc = NULL;
	struct buf docs = BUF_INIT, b = BUF_INIT;
	struct queue_request_in in;
	struct queue_request_out out;
	const char *client_key;
	struct storage s;
	size_t start;
	int forefront;

	if (queue_find(r, &s) || queue_client_key(r, &client_key) ||
	    api_query_bool(r, "forefront", 0, &forefront) ||
	    api_body_object(r, 0, &doc))
		return;
	if (parse_request(r, json_root(doc), -1, &docs, &in, &start))
		goto out;
	in.doc = docs.data + start;
	if (store_queue_add(r->store, s.id, client_key, &in, 1, forefront,
			    &out)) {
		resp_internal(r);
		goto out;
	}
	buf_putc(&b, '{');
	put_add_result(&b, &out);
	buf_putc(&b, '}');
	resp_data(r, 201, b.data, b.len);
out:
	buf_release(&b);
	buf_release(&docs);
	json_doc_free(doc);
}

/* Parse the body as a JSON array of 0 to MAX_BATCH entries; -1 with 400. */
static int batch_body(struct req *r, struct json_doc **doc)
{
	struct json_error err;
	const struct json *root;

	*doc = json_parse(r->body.data ? r->body.data : "", r->body.len, &err);
	if (!*doc) {
		resp_error(r, 400, "invalid-input", "The request body is not"
			   " valid JSON: %s at byte %zu. Send an array of"
			   " requests.", err.message, err.offset);
		return -1;
	}
	root = json_root(*doc);
	if (root->type != JSON_ARRAY) {
		resp_error(r, 400, "invalid-input", "The request body must be"
			   " a JSON array of requests, got %s.",
			   json_type_name(root->type));
		return -1;
	}
	if (root->count > MAX_BATCH) {
		resp_error(r, 400, "invalid-input", "A batch may contain at"
			   " most %d requests, got %zu.", MAX_BATCH,
			   root->count);
		return -1;
	}
	return 0;
}

/* POST /requests/batch: add up to MAX_BATCH requests in one transaction. */
void api_batch_add_requests(struct req *r)
{
	struct queue_request_in in[MAX_BATCH];
	struct queue_request_out out[MAX_BATCH];
	struct json_doc *doc = NULL;
	struct buf docs = BUF_INIT, b = BUF_INIT;
	const char *client_key;
	struct storage s;
	size_t i, n;
	int forefront;

	if (queue_find(r, &s) || queue_client_key(r, &client_key) ||
	    api_query_bool(r, "forefront", 0, &forefront))
		return;
	if (batch_body(r, &doc) ||
	    parse_requests(r, json_root(doc), &docs, in))
		goto out;
	n = json_root(doc)->count;
	if (n && store_queue_add(r->store, s.id, client_key, in, n, forefront,
				 out)) {
		resp_internal(r);
		goto out;
	}

	buf_puts(&b, "{\"processedRequests\":[");
	for (i = 0; i < n; i++) {
		buf_puts(&b, i ? ",{\"uniqueKey\":" : "{\"uniqueKey\":");
		buf_put_json_string(&b, in[i].unique_key,
				    strlen(in[i].unique_key));
		buf_putc(&b, ',');
		put_add_result(&b, &out[i]);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "],\"unprocessedRequests\":[]}");
	resp_data(r, 201, b.data, b.len);
out:
	buf_release(&b);
	buf_release(&docs);
	json_doc_free(doc);
}

/*
 * DELETE /requests/batch: the body is an array of {id} or {uniqueKey}.
 * A request that is not in the queue counts as processed, since deleting
 * it again would change nothing.
 */
void api_batch_delete_requests(struct req *r)
{
	struct json_doc *doc = NULL;
	struct buf b = BUF_INIT;
	const struct json *item, *id, *key;
	struct storage s;
	long i = 0;

	if (queue_find(r, &s) || batch_body(r, &doc))
		goto out;
	for (item = json_root(doc)->child; item; item = item->next, i++) {
		id = item->type == JSON_OBJECT ? json_get(item, "id") : NULL;
		key = item->type == JSON_OBJECT ?
		      json_get(item, "uniqueKey") : NULL;
		if ((!id || id->type != JSON_STRING) &&
		    (!key || key->type != JSON_STRING)) {
			resp_error(r, 400, "invalid-input", "Request at index"
				   " %ld: an object with a string 'id' or"
				   " 'uniqueKey' is required.", i);
			goto out;
		}
	}

	buf_puts(&b, "{\"processedRequests\":[");
	for (item = json_root(doc)->child; item; item = item->next) {
		id = json_get(item, "id");
		key = json_get(item, "uniqueKey");
		if (id && id->type != JSON_STRING)
			id = NULL;
		if (store_queue_request_delete(r->store, s.id,
					       id ? id->str : NULL,
					       key ? key->str : NULL) < 0) {
			resp_internal(r);
			goto out;
		}
		if (item != json_root(doc)->child)
			buf_putc(&b, ',');
		json_write(&b, item);
	}
	buf_puts(&b, "],\"unprocessedRequests\":[]}");
	resp_data(r, 200, b.data, b.len);
out:
	buf_release(&b);
	json_doc_free(doc);
}

static void request_not_found(struct req *r, const struct storage *s)
{
	resp_error(r, 404, "record-not-found", "Request '%s' was not found"
		   " in request queue %s.", r->params[1], s->id);
}

/* GET /requests/:requestId */
void api_get_request(struct req *r)
{
	struct buf b = BUF_INIT;
	struct storage s;
	char *doc = NULL;
	size_t len;
	int rc;

	if (queue_find(r, &s))
		return;
	rc = store_queue_request_get(r->store, s.id, r->params[1], &doc, &len);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			request_not_found(r, &s);
		return;
	}
	put_request(&b, r->params[1], doc, len);
	resp_data(r, 200, b.data, b.len);
	buf_release(&b);
	free(doc);
}

/* PUT /requests/:requestId?forefront=&clientKey=: replace the request. Its
 * uniqueKey cannot change, because the id is derived from it. */
void api_update_request(struct req *r)
{
	struct json_doc *doc = NULL;
	struct buf docs = BUF_INIT, b = BUF_INIT;
	struct queue_request_in in;
	struct queue_request_out out;
	const struct json *id;
	const char *client_key;
	struct storage s;
	size_t start;
	int forefront, rc;

	if (queue_find(r, &s) || queue_client_key(r, &client_key) ||
	    api_query_bool(r, "forefront", 0, &forefront) ||
	    api_body_object(r, 0, &doc))
		return;
	id = json_get(json_root(doc), "id");
	if (id && !json_is_string(id, r->params[1])) {
		resp_error(r, 400, "invalid-input", "Field 'id' must be the id"
			   " in the path, '%s'.", r->params[1]);
		goto out;
	}
	if (parse_request(r, json_root(doc), -1, &docs, &in, &start))
		goto out;
	in.doc = docs.data + start;
	rc = store_queue_request_update(r->store, s.id, client_key,
					r->params[1], &in, forefront,
					&out.was_handled);
	if (rc) {
		if (rc == STORE_NOT_FOUND)
			request_not_found(r, &s);
		else if (rc == STORE_CONFLICT)
			resp_error(r, 400, "invalid-input", "Field 'uniqueKey'"
				   " of request '%s' cannot change.",
				   r->params[1]);
		else
			resp_internal(r);
		goto out;
	}
	snprintf(out.id, sizeof(out.id), "%s", r->params[1]);
	out.was_present = 1;
	buf_putc(&b, '{');
	put_add_result(&b, &out);
	buf_putc(&b, '}');
	resp_data(r, 200, b.data, b.len);
out:
	buf_release(&b);
	buf_release(&docs);
	json_doc_free(doc);
}

/* DELETE /requests/:requestId. TODO: a lock does not protect a request
 * from update or delete by other clients; decide whether the platform
 * rejects them. */
void api_delete_request(struct req *r)
{
	struct storage s;
	int rc;

	if (queue_find(r, &s))
		return;
	rc = store_queue_request_delete(r->store, s.id, r->params[1], NULL);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			request_not_found(r, &s);
		return;
	}
	resp_empty(r, 204);
}
