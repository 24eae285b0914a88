/*
 * Actor tasks: saved input and run options for an actor, stored as their
 * API object. /v2/actor-tasks and /v2/actor-tasks/:id[/input].
 */
#include "api/handlers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

static const char *const task_fields[] = {
	"name", "title", "description", "input", "options", NULL,
};
static const char *const task_fixed[] = {
	"id", "userId", "username", "actId", "modifiedAt", NULL,
};

static int check_task_body(struct req *r, const struct json *body, int create)
{
	const struct json *input = json_get(body, "input");

	if ((create || json_get(body, "name")) &&
	    api_check_name(r, json_get(body, "name")))
		return -1;
	if (input && input->type != JSON_OBJECT && input->type != JSON_NULL) {
		resp_error(r, 400, "invalid-input", "Field 'input' must be a"
			   " JSON object, got %s.", json_type_name(input->type));
		return -1;
	}
	return api_check_run_options(r, json_get(body, "options"), "options");
}

/* Store the task made from base and body; makes the response. */
static void save_task(struct req *r, const struct json *base,
		      const struct json *body, const char *id,
		      const char *actor_id, unsigned status)
{
	struct buf extra = BUF_INIT, doc = BUF_INIT;
	char now[TIME_ISO_LEN];
	const struct json *name = json_get(body, "name");

	time_format_iso(time_now_ms(), now);
	buf_printf(&extra, "\"id\":\"%s\",\"userId\":\"%s\",\"actId\":\"%s\","
		   "\"modifiedAt\":\"%s\",\"username\":", id, r->user.id,
		   actor_id, now);
	buf_put_json_cstr(&extra, r->user.username);
	if (!base) {
		buf_printf(&extra, ",\"createdAt\":\"%s\",\"stats\":"
			   "{\"totalRuns\":0}", now);
		if (!json_get(body, "input"))
			buf_puts(&extra, ",\"input\":{}");
		if (!json_get(body, "options"))
			buf_puts(&extra, ",\"options\":{\"build\":\"latest\"}");
	}
	api_merge_object(&doc, base, body, task_fields, task_fixed, extra.data);
	api_store_doc(r, STORE_TASK, id, actor_id,
		      name ? name->str : json_get(base, "name")->str, &doc, status);
	buf_release(&extra);
	buf_release(&doc);
}

void api_create_task(struct req *r)
{
	struct json_doc *body;
	const struct json *act;
	struct store_doc actor;
	char id[ID_SIZE];

	if (api_body_object(r, 0, &body))
		return;
	act = json_get(json_root(body), "actId");
	if (!act || act->type != JSON_STRING) {
		struct buf shown = BUF_INIT;

		if (act)
			json_write(&shown, act);
		resp_error(r, 400, "invalid-input", "Field 'actId' is required:"
			   " a string, the ID or username~name of the task's"
			   " actor%s%s.", act ? ", got " : "",
			   act ? shown.data : "");
		buf_release(&shown);
		goto out;
	}
	if (check_task_body(r, json_root(body), 1) ||
	    api_find_doc(r, STORE_ACTOR, act->str, &actor))
		goto out;
	id_new(id);
	save_task(r, NULL, json_root(body), id, actor.id, 201);
	store_doc_release(&actor);
out:
	json_doc_free(body);
}

void api_get_task(struct req *r)
{
	struct store_doc d;

	if (api_find_doc(r, STORE_TASK, r->params[0], &d))
		return;
	resp_data(r, 200, d.doc, d.doc_len);
	store_doc_release(&d);
}

void api_delete_task(struct req *r)
{
	struct store_doc d;

	if (api_find_doc(r, STORE_TASK, r->params[0], &d))
		return;
	if (store_doc_delete(r->store, STORE_TASK, d.id))
		resp_internal(r);
	else
		resp_empty(r, 204);
	store_doc_release(&d);
}

/* Load a task and parse its document; -1 with a response made. */
int api_load_task(struct req *r, struct store_doc *d, struct json_doc **doc)
{
	struct json_error err;

	if (api_find_doc(r, STORE_TASK, r->params[0], d))
		return -1;
	*doc = json_parse(d->doc, d->doc_len, &err);
	if (!*doc) {
		log_error("api", "task %s has a corrupt document: %s", d->id,
			  err.message);
		resp_internal(r);
		store_doc_release(d);
		return -1;
	}
	return 0;
}

void api_update_task(struct req *r)
{
	struct json_doc *body = NULL, *base = NULL;
	struct store_doc d;

	if (api_load_task(r, &d, &base))
		return;
	if (api_body_object(r, 0, &body) ||
	    check_task_body(r, json_root(body), 0))
		goto out;
	save_task(r, json_root(base), json_root(body), d.id, d.parent_id, 200);
out:
	json_doc_free(base);
	json_doc_free(body);
	store_doc_release(&d);
}

void api_get_task_input(struct req *r)
{
	struct json_doc *doc;
	struct store_doc d;
	const struct json *input;
	struct buf b = BUF_INIT;

	if (api_load_task(r, &d, &doc))
		return;
	input = json_get(json_root(doc), "input");
	if (input && input->type == JSON_OBJECT)
		json_write(&b, input);
	else
		buf_puts(&b, "{}");
	resp_json(r, 200, &b);
	json_doc_free(doc);
	store_doc_release(&d);
}

/* PUT input merges: keys in the body replace the task's, others stay. */
void api_update_task_input(struct req *r)
{
	struct json_doc *doc = NULL, *body = NULL, *merged_doc = NULL;
	struct buf merged = BUF_INIT, wrapper = BUF_INIT;
	struct json_error err;
	struct store_doc d;
	const struct json *input, *m;
	const char **keys = NULL;
	size_t n = 0;

	if (api_load_task(r, &d, &doc))
		return;
	if (api_body_object(r, 0, &body))
		goto out;
	keys = xcalloc(json_root(body)->count + 1, sizeof(*keys));
	for (m = json_root(body)->child; m; m = m->next)
		keys[n++] = m->key;
	input = json_get(json_root(doc), "input");
	api_merge_object(&merged, input && input->type == JSON_OBJECT ? input :
			 NULL, json_root(body), keys, NULL, NULL);
	buf_puts(&wrapper, "{\"input\":");
	buf_append(&wrapper, merged.data, merged.len);
	buf_putc(&wrapper, '}');
	merged_doc = json_parse(wrapper.data, wrapper.len, &err);
	if (!merged_doc) {
		resp_internal(r);
		goto out;
	}
	save_task(r, json_root(doc), json_root(merged_doc), d.id, d.parent_id,
		  200);
	if (r->status == 200) {
		/* The route returns the new input, not the task. */
		resp_json(r, 200, &merged);
	}
out:
	free(keys);
	json_doc_free(merged_doc);
	json_doc_free(body);
	json_doc_free(doc);
	buf_release(&merged);
	buf_release(&wrapper);
	store_doc_release(&d);
}
