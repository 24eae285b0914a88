/*
 * The webhook routes: /v2/webhooks (persistent webhooks, and the ad-hoc
 * ones runs made, which are listed too), their dispatches, and the
 * webhooks of a task or an actor. Another user's webhook or dispatch is
 * 404, as if it did not exist. webhook_object.c writes the objects.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <string.h>

#include "api/webhook_object.h"
#include "util/timeutil.h"

/* Fields of a webhook object a PUT may change. */
static const char *const updatable[] = {
	"eventTypes", "condition", "requestUrl", "payloadTemplate",
	"headersTemplate", "idempotencyKey", "description",
	"shouldInterpolateStrings", "doNotRetry", "ignoreSslErrors", NULL,
};

static void respond_webhook(struct req *r, unsigned status,
			    const struct webhook *w)
{
	struct buf b = BUF_INIT;

	webhook_write_json(&b, w);
	resp_data(r, status, b.data, b.len);
	buf_release(&b);
}

/* Load the user's webhook id; -1 with a 404 or 500 made. */
static int load_webhook(struct req *r, const char *id, struct webhook *w)
{
	int rc = store_webhook_get(r->store, r->user.id, id, w);

	if (rc < 0)
		resp_internal(r);
	else if (rc)
		api_not_found(r, "Webhook", id);
	return rc ? -1 : 0;
}

/* Reload w->id and respond with it. */
static void respond_stored(struct req *r, unsigned status, const char *id)
{
	struct webhook w;

	if (load_webhook(r, id, &w))
		return;
	respond_webhook(r, status, &w);
	store_webhook_release(&w);
}

/*
 * Resolve the condition's actor or task ("ID" or "username~name") to its
 * id in w; -1 with a 403 or 404 made.
 */
static int resolve_condition(struct req *r, const struct webhook_spec *s,
			     struct webhook *w)
{
	enum store_kind kind = s->condition_actor_id ? STORE_ACTOR : STORE_TASK;
	const char *ref = s->condition_actor_id ? s->condition_actor_id :
			  s->condition_actor_task_id;
	struct store_doc d;

	if (!ref)
		return 0;
	if (api_find_doc(r, kind, ref, &d))
		return -1;
	snprintf(kind == STORE_ACTOR ? w->condition_actor_id :
		 w->condition_task_id, ID_SIZE, "%s", d.id);
	store_doc_release(&d);
	return 0;
}

static void idempotency_conflict(struct req *r, const struct webhook *w)
{
	resp_error(r, 409, "webhook-idempotency-key-not-unique", "Another"
		   " webhook of yours has the idempotencyKey '%s'.",
		   w->idempotency_key);
}

/*
 * POST /v2/webhooks. A webhook with an idempotencyKey the user already
 * has is not created again: the existing one is returned with 200.
 */
void api_create_webhook(struct req *r)
{
	struct webhook_spec s = WEBHOOK_SPEC_INIT;
	struct json_doc *body = NULL;
	struct webhook w, existing;
	char err[512];
	int rc;

	memset(&w, 0, sizeof(w));
	if (api_body_object(r, 0, &body))
		return;
	if (webhook_spec_from_json(json_root(body), 1, &s, err, sizeof(err))) {
		resp_error(r, 400, "invalid-input", "%s", err);
		goto out;
	}
	if (s.idempotency_key &&
	    store_webhook_find_key(r->store, r->user.id, s.idempotency_key,
				   &existing) == 0) {
		respond_webhook(r, 200, &existing);
		store_webhook_release(&existing);
		goto out;
	}
	webhook_from_spec(&w, &s);
	if (resolve_condition(r, &s, &w))
		goto out;
	id_new(w.id);
	snprintf(w.user_id, sizeof(w.user_id), "%s", r->user.id);
	w.created_at = w.modified_at = time_now_ms();
	rc = store_webhook_insert(r->store, &w);
	if (rc == STORE_CONFLICT)
		idempotency_conflict(r, &w);
	else if (rc)
		resp_internal(r);
	else
		respond_stored(r, 201, w.id);
out:
	webhook_spec_release(&s);
	json_doc_free(body);
}

void api_get_webhook(struct req *r)
{
	respond_stored(r, 200, r->params[0]);
}

/*
 * PUT /v2/webhooks/:id: the fields in the body replace the webhook's, the
 * others stay. The merged object is checked like a new webhook.
 */
void api_update_webhook(struct req *r)
{
	struct webhook_spec s = WEBHOOK_SPEC_INIT;
	struct json_doc *body = NULL, *merged_doc = NULL;
	struct buf current = BUF_INIT, merged = BUF_INIT;
	struct json_doc *current_doc = NULL;
	struct json_error perr;
	struct webhook w, next;
	char err[512];
	int rc, run_bound;

	if (load_webhook(r, r->params[0], &w))
		return;
	if (api_body_object(r, 0, &body))
		goto out;
	webhook_write_json(&current, &w);
	current_doc = json_parse(current.data, current.len, &perr);
	if (!current_doc) {
		resp_internal(r);
		goto out;
	}
	api_merge_object(&merged, json_root(current_doc), json_root(body),
			 updatable, NULL, NULL);
	merged_doc = json_parse(merged.data, merged.len, &perr);
	/* A webhook of one run (the webhooks run option) keeps that run as
	 * its condition. Any other webhook, even one created with isAdHoc
	 * true, has an actor or task condition that the body may change. */
	run_bound = w.condition_run_id[0] != '\0';
	if (!merged_doc ||
	    webhook_spec_from_json(json_root(merged_doc), !run_bound, &s,
				   err, sizeof(err))) {
		resp_error(r, 400, "invalid-input", "%s",
			   merged_doc ? err : "The webhook is not valid JSON.");
		goto out;
	}
	next = w;
	webhook_from_spec(&next, &s);
	next.is_ad_hoc = w.is_ad_hoc;
	if (run_bound) {
		memcpy(next.condition_actor_id, w.condition_actor_id, ID_SIZE);
		memcpy(next.condition_task_id, w.condition_task_id, ID_SIZE);
		memcpy(next.condition_run_id, w.condition_run_id, ID_SIZE);
	} else if (resolve_condition(r, &s, &next)) {
		goto out;
	}
	next.modified_at = time_now_ms();
	rc = store_webhook_update(r->store, &next);
	if (rc == STORE_CONFLICT)
		idempotency_conflict(r, &next);
	else if (rc)
		resp_internal(r);
	else
		respond_stored(r, 200, w.id);
out:
	webhook_spec_release(&s);
	json_doc_free(merged_doc);
	json_doc_free(current_doc);
	json_doc_free(body);
	buf_release(&merged);
	buf_release(&current);
	store_webhook_release(&w);
}

void api_delete_webhook(struct req *r)
{
	int rc = store_webhook_delete(r->store, r->user.id, r->params[0]);

	if (rc < 0)
		resp_internal(r);
	else if (rc)
		api_not_found(r, "Webhook", r->params[0]);
	else
		resp_empty(r, 204);
}

static int add_webhook(void *ctx, const struct webhook *w)
{
	struct list_page *l = ctx;

	if (l->count)
		buf_putc(&l->items, ',');
	webhook_write_json(&l->items, w);
	l->count++;
	return 0;
}

static void list_webhooks(struct req *r, const char *actor_id,
			  const char *task_id)
{
	struct webhook_filter f = { r->user.id, actor_id, task_id };
	struct list_page l;

	if (api_list_begin(r, &l))
		return;
	buf_putc(&l.items, '[');
	if (store_webhook_list(r->store, &f, l.offset, l.limit, l.desc,
			       add_webhook, &l, &l.total)) {
		resp_internal(r);
	} else {
		buf_putc(&l.items, ']');
		api_list_respond(r, &l);
	}
	api_list_release(&l);
}

void api_list_webhooks(struct req *r)
{
	list_webhooks(r, "", "");
}

void api_list_task_webhooks(struct req *r)
{
	struct store_doc d;

	if (api_find_doc(r, STORE_TASK, r->params[0], &d))
		return;
	list_webhooks(r, "", d.id);
	store_doc_release(&d);
}

void api_list_actor_webhooks(struct req *r)
{
	struct store_doc d;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	list_webhooks(r, d.id, "");
	store_doc_release(&d);
}

static int add_dispatch(void *ctx, const struct webhook_dispatch *d)
{
	struct list_page *l = ctx;

	if (l->count)
		buf_putc(&l->items, ',');
	dispatch_write_json(&l->items, d);
	l->count++;
	return 0;
}

static void list_dispatches(struct req *r, const char *webhook_id)
{
	struct list_page l;

	if (api_list_begin(r, &l))
		return;
	buf_putc(&l.items, '[');
	if (store_dispatch_list(r->store, r->user.id, webhook_id, l.offset,
				l.limit, l.desc, add_dispatch, &l, &l.total)) {
		resp_internal(r);
	} else {
		buf_putc(&l.items, ']');
		api_list_respond(r, &l);
	}
	api_list_release(&l);
}

void api_list_dispatches(struct req *r)
{
	list_dispatches(r, "");
}

void api_list_webhook_dispatches(struct req *r)
{
	struct webhook w;

	if (load_webhook(r, r->params[0], &w))
		return;
	list_dispatches(r, w.id);
	store_webhook_release(&w);
}

void api_get_dispatch(struct req *r)
{
	struct webhook_dispatch d;
	struct buf b = BUF_INIT;
	int rc = store_dispatch_get(r->store, r->user.id, r->params[0], &d);

	if (rc < 0) {
		resp_internal(r);
		return;
	}
	if (rc) {
		api_not_found(r, "Webhook dispatch", r->params[0]);
		return;
	}
	dispatch_write_json(&b, &d);
	resp_data(r, 200, b.data, b.len);
	buf_release(&b);
	store_dispatch_release(&d);
}
