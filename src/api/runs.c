/*
 * Runs: the run object, its status message, its log, and the runs/last
 * aliases of a task. Runs are started in sync.c and by the runner.
 */
#include "api/handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/pipeline.h"
#include "runner/runner.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Load the run r->params[0] names; -1 with a response made. A run id is
 * hard to guess, so it alone grants read access, as on the platform. */
int api_load_run(struct req *r, struct run *run, int must_own)
{
	int rc = store_run_get(r->store, r->params[0], run);

	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, "Actor run", r->params[0]);
		return -1;
	}
	if (must_own && (!r->authenticated || strcmp(run->user_id, r->user.id))) {
		resp_error(r, 403, "permission-denied", "You do not have"
			   " permission to access the run '%s'.", run->id);
		store_run_release(run);
		return -1;
	}
	return 0;
}

static void respond_run(struct req *r, const struct run *run)
{
	struct buf b = BUF_INIT;

	run_to_json(&b, run);
	resp_data(r, 200, b.data, b.len);
	buf_release(&b);
}

/*
 * POST /v2/actor-runs/:id/abort: a READY or RUNNING run becomes ABORTING
 * and then ABORTED once its processes are gone; gracefully=true gives
 * them the grace period after a SIGTERM. A run that has ended is returned
 * as it is.
 */
void api_abort_run(struct req *r)
{
	struct run run;
	int graceful, changed = 0;

	if (api_query_bool(r, "gracefully", 0, &graceful) ||
	    api_load_run(r, &run, 1))
		return;
	if (store_run_set_stopping(r->store, run.id, "ABORTING",
				   &changed)) {
		resp_internal(r);
		goto out;
	}
	if (changed) {
		runner_abort(run.id, graceful);
		store_run_release(&run);
		if (store_run_get(r->store, r->params[0], &run)) {
			resp_internal(r);
			return;
		}
	}
	respond_run(r, &run);
out:
	store_run_release(&run);
}

/* Remove a deleted run's log file; a missing file is no error. */
static void unlink_log(const char *run_id)
{
	char *path = runner_log_path(run_id);

	if (path && unlink(path) && errno != ENOENT)
		log_warn("api", "failed to remove the log %s of the deleted run"
			 " %s: %s", path, run_id, strerror(errno));
	free(path);
}

/*
 * DELETE /v2/actor-runs/:id: deletes a run that has ended, and its log.
 * Its default storages stay, as storages do when their actor is deleted.
 */
void api_delete_run(struct req *r)
{
	struct run run;
	int deleted = 0;

	if (api_load_run(r, &run, 1))
		return;
	if (store_run_delete_finished(r->store, run.id, &deleted)) {
		resp_internal(r);
	} else if (!deleted) {
		resp_error(r, 400, "invalid-input", "The run '%s' has not"
			   " finished (status %s): abort it first, then delete"
			   " it.", run.id, run.status);
	} else {
		unlink_log(run.id);
		resp_empty(r, 204);
	}
	store_run_release(&run);
}

void api_update_run(struct req *r)
{
	const struct json *msg, *terminal;
	struct json_doc *body;
	struct run run;

	if (api_load_run(r, &run, 1))
		return;
	if (api_body_object(r, 0, &body))
		goto out;
	msg = json_get(json_root(body), "statusMessage");
	terminal = json_get(json_root(body), "isStatusMessageTerminal");
	if (msg && msg->type != JSON_STRING && msg->type != JSON_NULL) {
		resp_error(r, 400, "invalid-input", "Field 'statusMessage' must"
			   " be a string.");
		goto out;
	}
	if (msg && store_run_set_message(r->store, run.id,
					 msg->type == JSON_STRING ? msg->str : NULL,
					 terminal && terminal->type == JSON_TRUE)) {
		resp_internal(r);
		goto out;
	}
	store_run_release(&run);
	if (store_run_get(r->store, r->params[0], &run) == 0)
		respond_run(r, &run);
	else
		resp_internal(r);
out:
	json_doc_free(body);
	store_run_release(&run);
}

/*
 * Load the most recent run of the task or actor that r->params[0] names
 * (kind STORE_TASK or STORE_ACTOR). The `status` query parameter, when
 * given, limits it to runs of that status. Returns -1 with a response made.
 */
static int load_last_run(struct req *r, enum store_kind kind,
			 struct run *run)
{
	const char *status = req_query(r, "status");
	struct store_doc doc;
	struct run_filter f;
	int rc;

	if (status && *status && !api_valid_run_status(status)) {
		resp_error(r, 400, "invalid-input", "Parameter 'status' must be"
			   " one of READY, RUNNING, SUCCEEDED, FAILED,"
			   " TIMING-OUT, TIMED-OUT, ABORTING or ABORTED, got"
			   " '%s'.", status);
		return -1;
	}
	if (api_find_doc(r, kind, r->params[0], &doc))
		return -1;
	f.user_id = r->user.id;
	f.actor_id = kind == STORE_ACTOR ? doc.id : "";
	f.task_id = kind == STORE_TASK ? doc.id : "";
	f.status = status ? status : "";
	rc = store_run_last(r->store, &f, run);
	store_doc_release(&doc);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else if (*f.status)
			resp_error(r, 404, "record-not-found", "%s '%s' has no run"
				   " with status %s.", kind == STORE_TASK ?
				   "Task" : "Actor", r->params[0], f.status);
		else
			api_not_found(r, kind == STORE_TASK ? "Last run of task" :
				      "Last run of actor", r->params[0]);
		return -1;
	}
	return 0;
}

void api_get_last_run(struct req *r)
{
	struct run run;

	if (load_last_run(r, STORE_TASK, &run))
		return;
	respond_run(r, &run);
	store_run_release(&run);
}

void api_get_actor_last_run(struct req *r)
{
	struct run run;

	if (load_last_run(r, STORE_ACTOR, &run))
		return;
	respond_run(r, &run);
	store_run_release(&run);
}

/* Respond with the items of a run's default dataset. */
static void respond_run_items(struct req *r, const struct run *run)
{
	struct export_request x;
	struct storage ds;
	int rc;

	if (export_parse(r, &x) == 0) {
		rc = store_storage_get(r->store, STORAGE_DATASET,
				       run->dataset_id, &ds);
		if (rc == STORE_NOT_FOUND)	/* the owner deleted it */
			api_not_found(r, "Dataset", run->dataset_id);
		else if (rc)
			resp_internal(r);
		else
			export_respond(r, 200, &ds, &x);
	}
	export_request_release(&x);
}

void api_get_last_run_items(struct req *r)
{
	struct run run;

	if (load_last_run(r, STORE_TASK, &run))
		return;
	respond_run_items(r, &run);
	store_run_release(&run);
}

void api_get_actor_last_run_items(struct req *r)
{
	struct run run;

	if (load_last_run(r, STORE_ACTOR, &run))
		return;
	respond_run_items(r, &run);
	store_run_release(&run);
}

void api_get_run_items(struct req *r)
{
	struct run run;

	if (api_load_run(r, &run, 1))
		return;
	respond_run_items(r, &run);
	store_run_release(&run);
}

int api_load_last_run(struct req *r, enum store_kind kind, struct run *run)
{
	return load_last_run(r, kind, run);
}
