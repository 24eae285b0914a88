/*
 * The run lists: GET /v2/actor-runs (the user's runs), and the runs of a
 * task or an actor. All take offset, limit (at most 1000), desc and
 * status, and return a list page of run objects, oldest first unless
 * desc is set.
 */
#include "api/handlers.h"

#include <string.h>

static const char *const statuses[] = {
	"READY", "RUNNING", "SUCCEEDED", "FAILED", "TIMING-OUT", "TIMED-OUT",
	"ABORTING", "ABORTED",
};

int api_valid_run_status(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (!strcmp(s, statuses[i]))
			return 1;
	return 0;
}

static int add_run(void *ctx, const struct run *run)
{
	struct list_page *l = ctx;

	if (l->count)
		buf_putc(&l->items, ',');
	run_to_json(&l->items, run);
	l->count++;
	return 0;
}

/* List the user's runs of actor_id and task_id ("" for any). */
static void list_runs(struct req *r, const char *actor_id,
		      const char *task_id)
{
	const char *status = req_query(r, "status");
	struct run_filter f;
	struct list_page l;

	if (api_list_begin(r, &l))
		return;
	if (status && *status && !api_valid_run_status(status)) {
		resp_error(r, 400, "invalid-input", "Parameter 'status' must be"
			   " one of READY, RUNNING, SUCCEEDED, FAILED,"
			   " TIMING-OUT, TIMED-OUT, ABORTING or ABORTED, got"
			   " '%s'.", status);
		api_list_release(&l);
		return;
	}
	f.user_id = r->user.id;
	f.actor_id = actor_id;
	f.task_id = task_id;
	f.status = status ? status : "";
	buf_putc(&l.items, '[');
	if (store_run_list(r->store, &f, l.offset, l.limit, l.desc, add_run,
			   &l, &l.total)) {
		resp_internal(r);
	} else {
		buf_putc(&l.items, ']');
		api_list_respond(r, &l);
	}
	api_list_release(&l);
}

void api_list_runs(struct req *r)
{
	list_runs(r, "", "");
}

void api_list_task_runs(struct req *r)
{
	struct store_doc d;

	if (api_find_doc(r, STORE_TASK, r->params[0], &d))
		return;
	list_runs(r, "", d.id);
	store_doc_release(&d);
}

void api_list_actor_runs(struct req *r)
{
	struct store_doc d;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	list_runs(r, d.id, "");
	store_doc_release(&d);
}
