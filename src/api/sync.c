/*
 * POST and GET run-sync-get-dataset-items and run-sync of a task or an
 * actor: create a run, suspend the connection until the run ends, then
 * stream its items, or return its OUTPUT record for run-sync. The wait
 * blocks no thread: the runner resumes the connection (sync_wake) and MHD
 * calls sync_resume to make the response.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/run_create.h"
#include "export/pipeline.h"
#include "runner/runner.h"
#include "util/log.h"
#include "util/timeutil.h"

struct sync_wait {
	struct run_waiter waiter;
	struct req *req;
	struct export_request export;	/* run-sync-get-dataset-items */
	char *output_key;		/* run-sync: the record to return */
};

static void sync_wake(struct run_waiter *w)
{
	struct sync_wait *s = w->ctx;

	req_resume(s->req);
}

static void sync_suspend(void *arg)
{
	req_suspend(arg);
}

/* 408. The platform names no run here. actord adds the run's id, status
 * and items URL, so a caller can fetch the items later instead of paying
 * for a second run. */
static void respond_wait_expired(struct req *r, const struct run *run)
{
	struct buf b = BUF_INIT;
	struct buf location = BUF_INIT;

	buf_printf(&b, "{\"error\":{\"type\":\"run-timeout-exceeded\","
		   "\"message\":\"The run did not finish within the %u seconds"
		   " this endpoint waits; it goes on running (run ID: %s).\"},"
		   "\"data\":{", api_sync_wait_secs, run->id);
	api_put_str(&b, 0, "id", run->id);
	api_put_str(&b, 1, "status", run->status);
	api_put_str(&b, 1, "defaultDatasetId", run->dataset_id);
	buf_printf(&b, ",\"datasetItemsUrl\":\"%s/v2/datasets/%s/items\"}}",
		   server_base_url(), run->dataset_id);
	buf_printf(&location, "%s/v2/actor-runs/%s", server_base_url(), run->id);
	resp_json(r, 408, &b);
	resp_header(r, "Location", location.data);
	buf_release(&location);
}

/*
 * run-sync: 201 with the record key of the run's default key-value store,
 * as stored, or 201 with no body when the run stored none.
 */
static void respond_record(struct req *r, const struct run *run,
			   const char *key)
{
	struct kv_record rec;
	int rc = store_record_get(store_thread(), run->kvs_id, key, &rec);

	if (rc < 0)
		resp_internal(r);
	else if (rc)
		resp_empty(r, 201);
	else
		api_respond_record(r, 201, &rec);
}

static void sync_resume(struct req *r)
{
	struct sync_wait *s = r->resume_ctx;
	struct storage ds;
	struct run run;

	if (s->waiter.outcome == WAIT_SHUTDOWN) {
		resp_error(r, 503, "server-shutting-down", "actord is stopping;"
			   " run %s was aborted.", s->waiter.run_id);
		return;
	}
	if (store_run_get(store_thread(), s->waiter.run_id, &run)) {
		resp_internal(r);
		return;
	}
	if (s->waiter.outcome == WAIT_EXPIRED)
		respond_wait_expired(r, &run);
	else if (strcmp(run.status, "SUCCEEDED"))
		resp_error(r, 400, "run-failed", "Actor run did not succeed"
			   " (run ID: %s, status: %s)", run.id, run.status);
	else if (s->output_key)
		respond_record(r, &run, s->output_key);
	else if (store_storage_get(store_thread(), STORAGE_DATASET,
				   run.dataset_id, &ds))
		resp_internal(r);
	else
		export_respond(r, 201, &ds, &s->export);
	store_run_release(&run);
}

/* Start the run and suspend the request until it ends. */
static void free_wait(void *ctx)
{
	struct sync_wait *s = ctx;

	export_request_release(&s->export);
	free(s->output_key);
	free(s);
}

/*
 * Start the run and suspend the request until it ends. Takes over x, or
 * for run-sync (x NULL) copies output_key.
 */
static void start_and_wait(struct req *r, const struct run *run,
			   struct export_request *x, const char *output_key)
{
	struct sync_wait *s = xcalloc(1, sizeof(*s));

	s->req = r;
	if (x) {
		s->export = *x;
		memset(x, 0, sizeof(*x));
	} else {
		s->output_key = xstrdup(output_key);
	}
	snprintf(s->waiter.run_id, sizeof(s->waiter.run_id), "%s", run->id);
	s->waiter.deadline_ms = time_mono_ms() +
				(int64_t)api_sync_wait_secs * 1000;
	s->waiter.wake = sync_wake;
	s->waiter.ctx = s;
	r->resume = sync_resume;
	r->resume_ctx = s;
	r->resume_ctx_free = free_wait;
	runner_wait(&s->waiter, sync_suspend, r);
	runner_start(run->id);
	log_info("api", "run %s of %s %s started; request waits", run->id,
		 run->task_id[0] ? "task" : "actor",
		 run->task_id[0] ? run->task_id : run->actor_id);
}

static void run_sync_items(struct req *r,
			   int (*create)(struct req *r, struct run *run))
{
	struct export_request x;
	struct run run;

	if (export_parse(r, &x)) {
		export_request_release(&x);
		return;
	}
	if (create(r, &run) == 0) {
		start_and_wait(r, &run, &x, NULL);
		store_run_release(&run);
	}
	export_request_release(&x);
}

/* run-sync: the run, then its record outputRecordKey (OUTPUT). */
static void run_sync(struct req *r,
		     int (*create)(struct req *r, struct run *run))
{
	const char *key = req_query(r, "outputRecordKey");
	struct run run;

	if (!key || !*key)
		key = "OUTPUT";
	if (!api_valid_record_key(key)) {
		resp_error(r, 400, "invalid-input", "Parameter 'outputRecordKey'"
			   " must be 1 to 256 characters from a-z, A-Z, 0-9 and"
			   " !-_.'(), got '%s'.", key);
		return;
	}
	if (create(r, &run) == 0) {
		start_and_wait(r, &run, NULL, key);
		store_run_release(&run);
	}
}

void api_run_task_sync(struct req *r)
{
	run_sync(r, api_create_task_run);
}

void api_run_actor_sync(struct req *r)
{
	run_sync(r, api_create_actor_run);
}

void api_run_task_sync_items(struct req *r)
{
	run_sync_items(r, api_create_task_run);
}

void api_run_actor_sync_items(struct req *r)
{
	run_sync_items(r, api_create_actor_run);
}
