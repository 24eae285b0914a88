/*
 * Request queue objects: list, get-or-create, GET, PUT (rename), DELETE,
 * also reached as a run's default queue under /v2/actor-runs/:id. The
 * requests in a queue are in queue_requests.c.
 */
#include "api/handlers.h"
#include "api/queues.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

#define RUN_PREFIX "/v2/actor-runs/"
/* The platform documents clientKey as 1 to 32 characters. */
#define MAX_CLIENT_KEY_LEN 32

int queue_find(struct req *r, struct storage *out)
{
	struct run run;
	int rc;

	if (strncmp(r->path, RUN_PREFIX, strlen(RUN_PREFIX)))
		return api_find_storage(r, STORAGE_QUEUE, r->params[0], out);

	rc = store_run_get(r->store, r->params[0], &run);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, "Actor run", r->params[0]);
		return -1;
	}
	rc = api_find_storage(r, STORAGE_QUEUE, run.rq_id, out);
	store_run_release(&run);
	return rc;
}

int queue_client_key(struct req *r, const char **out)
{
	const char *v = req_query(r, "clientKey");

	*out = v ? v : "";
	if (strlen(*out) > MAX_CLIENT_KEY_LEN) {
		resp_error(r, 400, "invalid-input", "Parameter 'clientKey' must"
			   " be at most %d characters, got %zu.",
			   MAX_CLIENT_KEY_LEN, strlen(*out));
		return -1;
	}
	return 0;
}

/* The queue object with its request counts. */
static int queue_to_json(struct req *r, struct buf *b, struct storage *s)
{
	struct queue_counts c;

	if (store_queue_counts(r->store, s->id, &c)) {
		resp_internal(r);
		return -1;
	}
	s->item_count = c.total;
	s->handled_count = c.handled;
	s->had_multiple_clients = c.had_multiple_clients;
	storage_to_json_user(b, STORAGE_QUEUE, s, r->user.username);
	return 0;
}

static void respond_queue(struct req *r, unsigned status, struct storage *s)
{
	struct buf b = BUF_INIT;

	if (queue_to_json(r, &b, s) == 0)
		resp_data(r, status, b.data, b.len);
	buf_release(&b);
}

void api_get_queue(struct req *r)
{
	struct storage s;

	if (queue_find(r, &s) == 0)
		respond_queue(r, 200, &s);
}

struct list_ctx {
	struct req *r;
	struct list_page *page;
};

static int list_one(void *ctx, const struct storage *s)
{
	struct list_ctx *l = ctx;
	struct storage copy = *s;

	if (l->page->count)
		buf_putc(&l->page->items, ',');
	l->page->count++;
	return queue_to_json(l->r, &l->page->items, &copy);
}

/* GET /v2/request-queues: offset, limit, desc, unnamed (default false:
 * only named queues, as on the platform). */
void api_list_queues(struct req *r)
{
	struct list_page l;
	struct list_ctx ctx = { r, &l };
	int unnamed;

	if (api_list_begin(r, &l) || api_query_bool(r, "unnamed", 0, &unnamed))
		return;
	buf_putc(&l.items, '[');
	if (store_storage_list(r->store, STORAGE_QUEUE, r->user.id, unnamed,
			       l.offset, l.limit,
			     l.desc, list_one, &ctx, &l.total)) {
		resp_internal(r);
		goto out;
	}
	/* list_one() stopped the list with a 500 made. */
	if (r->response)
		goto out;
	buf_putc(&l.items, ']');
	api_list_respond(r, &l);
out:
	api_list_release(&l);
}

/* POST /v2/request-queues?name=: the user's queue of that name (200), or a
 * new one (201); without a name always a new unnamed queue. */
void api_create_queue(struct req *r)
{
	const char *name = req_query(r, "name");
	struct json node = { .type = JSON_STRING };
	struct storage s;
	int rc;

	if (name && *name) {
		node.str = node.raw = name;
		node.len = node.raw_len = strlen(name);
		if (api_check_name(r, &node))
			return;
		rc = store_storage_find(r->store, STORAGE_QUEUE, r->user.id,
					name, &s);
		if (rc < 0) {
			resp_internal(r);
			return;
		}
		if (rc == 0) {
			respond_queue(r, 200, &s);
			return;
		}
	}

	memset(&s, 0, sizeof(s));
	id_new(s.id);
	snprintf(s.user_id, sizeof(s.user_id), "%s", r->user.id);
	snprintf(s.name, sizeof(s.name), "%s", name ? name : "");
	s.created_at = s.modified_at = s.accessed_at = time_now_ms();
	rc = store_storage_create(r->store, STORAGE_QUEUE, &s);
	if (rc == STORE_CONFLICT && name)
		/* Created by a concurrent request between find and insert. */
		rc = store_storage_find(r->store, STORAGE_QUEUE, r->user.id,
					name, &s) ? -1 : 0;
	if (rc) {
		resp_internal(r);
		return;
	}
	log_debug("api", "request queue %s created", s.id);
	respond_queue(r, 201, &s);
}

/* PUT /v2/request-queues/:id with {"name": ...}: rename. */
void api_update_queue(struct req *r)
{
	struct json_doc *doc = NULL;
	const struct json *name;
	struct storage s;
	int rc;

	if (queue_find(r, &s) || api_body_object(r, 0, &doc))
		return;
	name = json_get(json_root(doc), "name");
	if (name && name->type == JSON_NULL) {
		rc = store_queue_rename(r->store, s.id, NULL);
	} else {
		if (api_check_name(r, name))
			goto out;
		rc = store_queue_rename(r->store, s.id, name->str);
	}
	if (rc == STORE_CONFLICT) {
		resp_error(r, 409, "record-duplicate", "You already have a"
			   " request queue named '%s'.", name->str);
		goto out;
	}
	if (rc || store_storage_get(r->store, STORAGE_QUEUE, s.id, &s)) {
		resp_internal(r);
		goto out;
	}
	respond_queue(r, 200, &s);
out:
	json_doc_free(doc);
}

void api_delete_queue(struct req *r)
{
	struct storage s;

	if (queue_find(r, &s))
		return;
	if (store_queue_delete(r->store, s.id)) {
		resp_internal(r);
		return;
	}
	log_debug("api", "request queue %s deleted", s.id);
	resp_empty(r, 204);
}
