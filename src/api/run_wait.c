/*
 * The asynchronous run routes: POST /v2/actor-tasks/:id/runs and
 * /v2/acts/:id/runs start a run and return it with 201, and
 * GET /v2/actor-runs/:id returns a run. Both take waitForFinish (seconds,
 * at most 60): the connection is suspended, without holding a thread,
 * until the run ends or the time passes, and the run is returned as it is
 * then. The official API client polls with waitForFinish=999999, so a
 * server that responded at once would be flooded with requests. The
 * build routes (builds.c) wait the same way.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/run_create.h"
#include "runner/runner.h"
#include "util/log.h"
#include "util/timeutil.h"

/* The platform's longest waitForFinish, in seconds. */
#define MAX_WAIT_SECS 60

struct run_wait {
	struct run_waiter waiter;
	struct req *req;
	unsigned status;	/* 201 for a new run or build, 200 for GET */
	api_job_respond_fn respond;
};

int api_read_wait(struct req *r, double *secs)
{
	if (api_query_number(r, "waitForFinish", 0, secs))
		return -1;
	if (*secs > MAX_WAIT_SECS)
		*secs = MAX_WAIT_SECS;
	return 0;
}

/* Respond with the run run_id as it is now: 201 with Location, or 200. */
static void respond_with_run(struct req *r, const char *run_id,
			     unsigned status)
{
	struct buf b = BUF_INIT;
	struct run run;
	int rc = store_run_get(store_thread(), run_id, &run);

	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, "Actor run", run_id);
		return;
	}
	run_to_json(&b, &run);
	resp_data(r, status, b.data, b.len);
	if (status == 201) {
		buf_reset(&b);
		buf_printf(&b, "%s/v2/actor-runs/%s", server_base_url(), run_id);
		resp_header(r, "Location", b.data);
	}
	buf_release(&b);
	store_run_release(&run);
}

static void wait_wake(struct run_waiter *w)
{
	struct run_wait *rw = w->ctx;

	req_resume(rw->req);
}

static void wait_suspend(void *arg)
{
	req_suspend(arg);
}

static void wait_resume(struct req *r)
{
	struct run_wait *rw = r->resume_ctx;

	rw->respond(r, rw->waiter.run_id, rw->status);
}

void api_wait_for_job(struct req *r, const char *id, double secs,
		      unsigned status, int started, api_job_respond_fn respond)
{
	struct run_wait *rw = xcalloc(1, sizeof(*rw));

	rw->req = r;
	rw->status = status;
	rw->respond = respond;
	snprintf(rw->waiter.run_id, sizeof(rw->waiter.run_id), "%s", id);
	rw->waiter.deadline_ms = time_mono_ms() + (int64_t)(secs * 1000);
	rw->waiter.wake = wait_wake;
	rw->waiter.ctx = rw;
	r->resume = wait_resume;
	r->resume_ctx = rw;
	r->resume_ctx_free = free;
	if (started)
		runner_wait_existing(&rw->waiter, wait_suspend, r);
	else
		runner_wait(&rw->waiter, wait_suspend, r);
}

static void start_run(struct req *r,
		      int (*create)(struct req *r, struct run *run))
{
	struct run run;
	double secs;

	if (api_read_wait(r, &secs) || create(r, &run))
		return;
	if (secs > 0)
		api_wait_for_job(r, run.id, secs, 201, 0, respond_with_run);
	runner_start(run.id);
	log_info("api", "run %s of actor %s started%s", run.id, run.actor_id,
		 secs > 0 ? "; request waits" : "");
	if (secs <= 0)
		respond_with_run(r, run.id, 201);
	store_run_release(&run);
}

void api_start_task_run(struct req *r)
{
	start_run(r, api_create_task_run);
}

void api_start_actor_run(struct req *r)
{
	start_run(r, api_create_actor_run);
}

void api_get_run(struct req *r)
{
	struct run run;
	double secs;
	int rc;

	if (api_read_wait(r, &secs))
		return;
	rc = store_run_get(r->store, r->params[0], &run);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, "Actor run", r->params[0]);
		return;
	}
	if (secs > 0 && !run_status_is_terminal(run.status))
		api_wait_for_job(r, run.id, secs, 200, 1, respond_with_run);
	else
		respond_with_run(r, run.id, 200);
	store_run_release(&run);
}
