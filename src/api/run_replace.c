/*
 * POST /v2/actor-runs/:runId/reboot, /metamorph and /resurrect: start a
 * run's process again in place, with the same id, storages and log. A
 * reboot runs the same build again. A metamorph runs a build of another
 * actor (targetActorId, optional build) with a new input. The input is
 * stored under INPUT-METAMORPH-N in the run's default key-value store,
 * and the run's `metamorphs` lists the change. A resurrect starts a run
 * that has ended. Each responds 200 with the run. The SDKs'
 * Actor.reboot() and Actor.metamorph() call the first two and then wait
 * to be stopped.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <string.h>

#include "api/run_create.h"
#include "api/run_object.h"
#include "runner/runner.h"
#include "util/json.h"
#include "webhooks/dispatcher.h"
#include "webhooks/events.h"
#include "webhooks/spec.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Load the caller's run and check that it is RUNNING; -1 with a response
 * made. operation names it in the message. */
static int load_running(struct req *r, struct run *run,
			const char *operation)
{
	if (api_load_run(r, run, 1))
		return -1;
	if (strcmp(run->status, "RUNNING")) {
		resp_error(r, 400, "invalid-input", "Run %s is %s; only a"
			   " RUNNING run can be %s.", run->id, run->status,
			   operation);
		store_run_release(run);
		return -1;
	}
	return 0;
}

static void respond_run(struct req *r, const char *id)
{
	struct buf b = BUF_INIT;
	struct run run;

	if (store_run_get(r->store, id, &run)) {
		resp_internal(r);
		return;
	}
	run_to_json(&b, &run);
	resp_data(r, 200, b.data, b.len);
	buf_release(&b);
	store_run_release(&run);
}

void api_reboot_run(struct req *r)
{
	struct run run;

	if (load_running(r, &run, "rebooted"))
		return;
	runner_replace_process(run.id, RUNNER_REBOOT);
	log_info("api", "run %s: reboot requested", run.id);
	respond_run(r, run.id);
	store_run_release(&run);
}

/* The number of metamorphs the run has had: entries of its JSON array. */
static int count_metamorphs(const struct run *run)
{
	struct json_doc *doc;
	struct json_error err;
	const struct json *e;
	int n = 0;

	if (!run->metamorphs)
		return 0;
	doc = json_parse(run->metamorphs, strlen(run->metamorphs), &err);
	for (e = doc ? json_root(doc)->child : NULL; e; e = e->next)
		n++;
	json_doc_free(doc);
	return n;
}

/*
 * Store the input under its key and point the run at build b, in one
 * transaction. BEGIN IMMEDIATE holds the write lock from the start, so
 * the run read inside it is current: its status, and the number of its
 * metamorphs that names the new input's key. Returns 0, 1 when the run is
 * no longer RUNNING, or -1.
 */
static int store_metamorph(struct req *r, const char *run_id,
			   const struct build *b, const struct buf *input)
{
	struct store *st = r->store;
	struct buf entry = BUF_INIT;
	char key[64], when[TIME_ISO_LEN];
	int changed = 0, rc = -1;
	struct run run;

	if (store_begin(st))
		return -1;
	if (store_run_get(st, run_id, &run)) {
		store_rollback(st);
		return -1;
	}
	if (strcmp(run.status, "RUNNING")) {
		rc = 1;
		goto fail;
	}
	snprintf(key, sizeof(key), "INPUT-METAMORPH-%d",
		 count_metamorphs(&run) + 1);
	time_format_iso(time_now_ms(), when);
	buf_printf(&entry, "{\"createdAt\":\"%s\",\"actorId\":\"%s\","
		   "\"buildId\":\"%s\",\"inputKey\":\"%s\"}", when, b->actor_id,
		   b->id, key);
	if (store_run_metamorph(st, run.id, b->id, b->number, entry.data,
				&changed) || !changed ||
	    store_record_put(st, run.kvs_id, key, "application/json;"
			     " charset=utf-8", input->data, input->len) ||
	    store_commit(st))
		goto fail;
	rc = 0;
	goto out;
fail:
	store_rollback(st);
out:
	buf_release(&entry);
	store_run_release(&run);
	return rc;
}

void api_metamorph_run(struct req *r)
{
	const char *target = req_query(r, "targetActorId");
	struct buf input = BUF_INIT;
	struct store_doc d;
	struct build b;
	struct run run;
	int rc;

	if (!target || !*target) {
		resp_error(r, 400, "invalid-input", "Parameter 'targetActorId'"
			   " is required: the id or username~name of the actor"
			   " to metamorph the run into.");
		return;
	}
	if (load_running(r, &run, "metamorphed"))
		return;
	if (api_find_doc(r, STORE_ACTOR, target, &d))
		goto out;
	if (api_metamorph_target(r, &d, &b, &input) == 0) {
		rc = store_metamorph(r, run.id, &b, &input);
		if (rc == 0) {
			runner_replace_process(run.id, RUNNER_METAMORPH);
			log_info("api", "run %s: metamorph into actor %s build"
				 " %s", run.id, b.actor_id, b.number);
			respond_run(r, run.id);
		} else if (rc > 0) {
			resp_error(r, 400, "invalid-input", "Run %s ended before"
				   " it could be metamorphed.", run.id);
		} else {
			resp_internal(r);
		}
		store_build_release(&b);
	}
	store_doc_release(&d);
out:
	buf_release(&input);
	store_run_release(&run);
}

/*
 * Put the ended run back to READY and record its ACTOR.RUN.RESURRECTED
 * dispatches, in one transaction. Returns 0, 1 when the run has not
 * ended (or started again meanwhile), or -1.
 */
static int store_resurrect(struct store *st, const char *run_id)
{
	struct run run;
	int changed = 0, dispatches = 0;

	if (store_begin(st))
		return -1;
	if (store_run_resurrect(st, run_id, &changed) || !changed ||
	    store_run_get(st, run_id, &run)) {
		store_rollback(st);
		return changed ? -1 : 1;
	}
	if (webhook_events_record(st, &run, WEBHOOK_EVENT_RESURRECTED,
				  &dispatches) || store_commit(st)) {
		store_rollback(st);
		store_run_release(&run);
		return -1;
	}
	store_run_release(&run);
	if (dispatches)
		webhook_dispatcher_wake();
	return 0;
}

/* 1 if the run's build and its actor still exist; else 0 with a 400. */
static int build_runnable(struct req *r, const struct run *run)
{
	struct store_doc actor;
	struct build b;
	int ok = 0;

	if (store_build_get(r->store, run->build_id, &b) == 0) {
		ok = store_doc_get(r->store, STORE_ACTOR, b.actor_id, &actor) == 0;
		if (ok)
			store_doc_release(&actor);
		store_build_release(&b);
	}
	if (!ok)
		resp_error(r, 400, "invalid-input", "Run %s cannot be"
			   " resurrected: its build %s or that build's actor has"
			   " been deleted.", run->id, run->build_number);
	return ok;
}

void api_resurrect_run(struct req *r)
{
	struct run run;
	int rc;

	if (api_load_run(r, &run, 1))
		return;
	if (run_status_is_terminal(run.status) && !build_runnable(r, &run))
		goto out;
	rc = run_status_is_terminal(run.status) ?
	     store_resurrect(r->store, run.id) : 1;
	if (rc > 0) {
		resp_error(r, 400, "invalid-input", "Run %s is %s; only a run"
			   " that has ended can be resurrected.", run.id,
			   run.status);
	} else if (rc < 0) {
		resp_internal(r);
	} else {
		runner_log_line(run.id, "The run was resurrected; starting it"
				" again.");
		runner_start(run.id);
		log_info("api", "run %s resurrected", run.id);
		respond_run(r, run.id);
	}
out:
	store_run_release(&run);
}
