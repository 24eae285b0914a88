/*
 * POST and GET /v2/actor-tasks/:id/run-sync-get-dataset-items: create a
 * run of the task, suspend the connection until the run ends, then stream
 * its items. The wait blocks no thread: the runner resumes the connection
 * (sync_wake) and MHD calls sync_resume to make the response.
 */
#include "api/handlers.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/input_schema.h"
#include "export/pipeline.h"
#include "runner/runner.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Run options from the query, the task, and the actor, in that order. */
struct run_options {
	const char *build;
	double timeout_secs;
	int64_t memory_mbytes;
	int64_t max_items;		/* 0 when not given */
	double max_total_charge_usd;	/* 0 when not given */
};

struct sync_wait {
	struct run_waiter waiter;
	struct req *req;
	struct export_request export;
};

/* A number field of a JSON object, or def. */
static double number_field(const struct json *obj, const char *key, double def)
{
	const struct json *v = obj ? json_get(obj, key) : NULL;

	return v && v->type == JSON_NUMBER ? json_number_value(v) : def;
}

/*
 * Read a limit that must be greater than zero: the query parameter param,
 * or else the task's option of the same name when it is a positive number,
 * or else 0. With integer set, only whole numbers are valid. Returns 0, or
 * -1 with a response made.
 */
static int read_positive(struct req *r, const struct json *task_opts,
			 const char *param, const char *zero_type,
			 int integer, double *out)
{
	const char *v = req_query(r, param);
	double task_value = number_field(task_opts, param, 0);
	char *end;

	*out = task_value > 0 && (!integer || task_value == floor(task_value)) ?
	       task_value : 0;
	if (!v || !*v)
		return 0;
	errno = 0;
	*out = strtod(v, &end);
	if (*end || errno || !isfinite(*out) ||
	    (integer && (*out != floor(*out) || *out > 9007199254740991.0))) {
		resp_error(r, 400, "invalid-input", "Parameter '%s' must be a"
			   " %s greater than zero, got '%s'.", param,
			   integer ? "whole number" : "number", v);
		return -1;
	}
	if (*out <= 0) {
		resp_error(r, 400, zero_type, "Parameter '%s' must be greater"
			   " than zero, got '%s'.", param, v);
		return -1;
	}
	return 0;
}

static int read_options(struct req *r, const struct json *task_opts,
			const struct json *actor_opts, struct run_options *o)
{
	const char *build = req_query(r, "build");
	const char *memory_param = req_query(r, "memory");
	const struct json *task_build = task_opts ? json_get(task_opts, "build") : NULL;
	double memory, max_items;

	o->timeout_secs = number_field(actor_opts, "timeoutSecs", 0);
	o->timeout_secs = number_field(task_opts, "timeoutSecs", o->timeout_secs);
	memory = number_field(actor_opts, "memoryMbytes", 1024);
	memory = number_field(task_opts, "memoryMbytes", memory);
	if (api_query_number(r, "timeout", o->timeout_secs, &o->timeout_secs))
		return -1;
	if (memory_param && *memory_param) {
		char *end;

		memory = strtod(memory_param, &end);
		if (*end)
			memory = 0;
	}
	if (!api_valid_memory(memory)) {
		resp_error(r, 400, "invalid-input", "Parameter 'memory' must be"
			   " a power of 2 from 128 to 32768 (megabytes), got"
			   " '%s'.", memory_param ? memory_param :
			   "the task's or actor's default");
		return -1;
	}
	o->memory_mbytes = (int64_t)memory;
	if (read_positive(r, task_opts, "maxItems",
			  "max-items-must-be-greater-than-zero", 1, &max_items) ||
	    read_positive(r, task_opts, "maxTotalChargeUsd",
			  "max-total-charge-usd-must-be-greater-than-zero", 0,
			  &o->max_total_charge_usd))
		return -1;
	o->max_items = (int64_t)max_items;
	if (build && *build)
		o->build = build;
	else if (task_build && task_build->type == JSON_STRING)
		o->build = task_build->str;
	else
		o->build = "latest";
	return 0;
}

/* Merge and validate the input; -1 with a response made. */
static int make_input(struct req *r, const struct build *b,
		      const struct json *task_input, const struct json *body,
		      struct buf *input)
{
	struct json_doc *schema = NULL, *merged = NULL;
	struct buf err = BUF_INIT;
	struct json_error perr;
	int rc = -1;

	if (b->input_schema)
		schema = json_parse(b->input_schema, strlen(b->input_schema),
				    &perr);
	if (task_input && task_input->type != JSON_OBJECT)
		task_input = NULL;
	if (input_merge(input, schema ? json_root(schema) : NULL, task_input,
			body, &err)) {
		resp_error(r, 400, "invalid-input", "%s", err.data);
		goto out;
	}
	merged = json_parse(input->data, input->len, &perr);
	if (!merged) {
		resp_internal(r);
		goto out;
	}
	if (schema && input_schema_validate(json_root(schema),
					    json_root(merged), &err)) {
		resp_error(r, 400, "invalid-input", "%s", err.data);
		goto out;
	}
	rc = 0;
out:
	json_doc_free(schema);
	json_doc_free(merged);
	buf_release(&err);
	return rc;
}

/* Create the run, its storages and its INPUT record in one transaction. */
static int create_run(struct req *r, struct run *run, const struct buf *input)
{
	struct store *st = r->store;

	if (store_begin(st))
		return -1;
	if (storages_create_for_run(st, run) ||
	    store_record_put(st, run->kvs_id, "INPUT",
			     "application/json; charset=utf-8", input->data,
			     input->len) ||
	    store_run_insert(st, run) || store_commit(st)) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

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
	else if (store_storage_get(store_thread(), STORAGE_DATASET,
				   run.dataset_id, &ds))
		resp_internal(r);
	else
		export_respond(r, 201, &ds, &s->export);
	store_run_release(&run);
}

/* Resolve the build to run; -1 with a response made. */
static int resolve_build(struct req *r, const char *actor_id,
			 const char *build, struct build *b)
{
	int rc = store_build_resolve(r->store, actor_id, build, b);

	if (rc < 0) {
		resp_internal(r);
		return -1;
	}
	if (rc) {
		resp_error(r, 400, "invalid-input", "Build '%s' of the actor was"
			   " not found: give a build tag such as 'latest' or a"
			   " build number such as '0.1.2'.", build);
		return -1;
	}
	if (strcmp(b->status, "SUCCEEDED")) {
		resp_error(r, 400, "invalid-input", "Build %s did not succeed"
			   " (status %s); build the actor again.", b->number,
			   b->status);
		store_build_release(b);
		return -1;
	}
	return 0;
}

static void fill_run(struct run *run, const struct req *r,
		     const struct store_doc *task, const struct build *b,
		     const struct run_options *o)
{
	memset(run, 0, sizeof(*run));
	id_new(run->id);
	snprintf(run->user_id, sizeof(run->user_id), "%s", r->user.id);
	snprintf(run->actor_id, sizeof(run->actor_id), "%s", task->parent_id);
	snprintf(run->task_id, sizeof(run->task_id), "%s", task->id);
	snprintf(run->build_id, sizeof(run->build_id), "%s", b->id);
	snprintf(run->build_number, sizeof(run->build_number), "%s", b->number);
	snprintf(run->status, sizeof(run->status), "READY");
	snprintf(run->origin, sizeof(run->origin), "API");
	run->started_at = time_now_ms();
	run->exit_code = -1;
	run->timeout_secs = o->timeout_secs;
	run->memory_mbytes = o->memory_mbytes;
	run->max_items = o->max_items;
	run->max_total_charge_usd = o->max_total_charge_usd;
	run->input_body_len = (int64_t)r->body.len;
}

/* Start the run and suspend the request until it ends. */
static void free_wait(void *ctx)
{
	struct sync_wait *s = ctx;

	export_request_release(&s->export);
	free(s);
}

/* Start the run and suspend the request until it ends. Takes over x. */
static void start_and_wait(struct req *r, const struct run *run,
			   struct export_request *x)
{
	struct sync_wait *s = xcalloc(1, sizeof(*s));

	s->req = r;
	s->export = *x;
	memset(x, 0, sizeof(*x));
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
	log_info("api", "run %s of task %s started; request waits",
		 run->id, run->task_id);
}

void api_run_task_sync_items(struct req *r)
{
	struct json_doc *task = NULL, *actor = NULL, *body = NULL;
	struct store_doc task_d, actor_d;
	struct buf input = BUF_INIT;
	struct json_error perr;
	struct run_options o;
	struct build b;
	struct export_request x;
	struct run run;

	memset(&actor_d, 0, sizeof(actor_d));
	memset(&task_d, 0, sizeof(task_d));
	if (export_parse(r, &x) || api_load_task(r, &task_d, &task)) {
		export_request_release(&x);
		return;
	}
	if (r->method == METHOD_POST && api_body_object(r, 1, &body))
		goto out;
	if (store_doc_get(r->store, STORE_ACTOR, task_d.parent_id, &actor_d)) {
		api_not_found(r, "Actor of task", r->params[0]);
		goto out;
	}
	actor = json_parse(actor_d.doc, actor_d.doc_len, &perr);
	if (!actor) {
		resp_internal(r);
		goto out;
	}
	if (read_options(r, json_get(json_root(task), "options"),
			 json_get(json_root(actor), "defaultRunOptions"), &o) ||
	    resolve_build(r, actor_d.id, o.build, &b))
		goto out;
	if (make_input(r, &b, json_get(json_root(task), "input"),
		       body ? json_root(body) : NULL, &input) == 0) {
		fill_run(&run, r, &task_d, &b, &o);
		if (create_run(r, &run, &input))
			resp_internal(r);
		else
			start_and_wait(r, &run, &x);
	}
	store_build_release(&b);
out:
	export_request_release(&x);
	buf_release(&input);
	json_doc_free(body);
	json_doc_free(actor);
	json_doc_free(task);
	store_doc_release(&actor_d);
	store_doc_release(&task_d);
}
