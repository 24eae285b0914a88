/*
 * A new run of a task or an actor, as run-sync-get-dataset-items and
 * POST .../runs make it. First come the run options (from the query, the task and the
 * actor), the build, and the input, merged and checked against the
 * build's input schema. Only then do the run, its storages and its INPUT
 * record go into the store, in one transaction, with status READY. The
 * caller starts the run.
 */
#include "api/run_create.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/input_schema.h"
#include "api/webhook_object.h"
#include "runner/runner.h"
#include "util/fs.h"
#include "util/timeutil.h"
#include "webhooks/dispatcher.h"
#include "webhooks/events.h"

/* Run options from the query, the task, and the actor, in that order. */
struct run_options {
	const char *build;
	double timeout_secs;
	int64_t memory_mbytes;
	int64_t max_items;		/* 0 when not given */
	double max_total_charge_usd;	/* 0 when not given */
	int restart_on_error;
	int memory_given;		/* by the query or the task's options */
	int memory_in_query;
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
	const struct json *actor_build = actor_opts ? json_get(actor_opts, "build") : NULL;
	const struct json *restart;
	double memory, max_items;

	o->timeout_secs = number_field(actor_opts, "timeoutSecs", 0);
	o->timeout_secs = number_field(task_opts, "timeoutSecs", o->timeout_secs);
	/* The actor's defaultRunOptions count only when its actor.json
	 * has no defaultMemoryMbytes (apply_actor_memory). */
	memory = number_field(task_opts, "memoryMbytes", 0);
	o->memory_given = memory != 0;
	if (!memory)
		memory = number_field(actor_opts, "memoryMbytes", 1024);
	if (api_query_number(r, "timeout", o->timeout_secs, &o->timeout_secs))
		return -1;
	o->memory_in_query = memory_param && *memory_param;
	if (o->memory_in_query) {
		/* Only decimal digits, as the other whole-number parameters;
		 * strtod alone would take "0x100", " 256" and "2.56e2". */
		size_t n = strspn(memory_param, "0123456789");

		memory = memory_param[n] || n > 12 ? 0 :
			 strtod(memory_param, NULL);
		o->memory_given = 1;
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
	restart = task_opts ? json_get(task_opts, "restartOnError") : NULL;
	if (api_query_bool(r, "restartOnError",
			   restart && restart->type == JSON_TRUE,
			   &o->restart_on_error))
		return -1;
	if (build && *build)
		o->build = build;
	else if (task_build && task_build->type == JSON_STRING)
		o->build = task_build->str;
	else if (actor_build && actor_build->type == JSON_STRING &&
		 actor_build->len)
		o->build = actor_build->str;
	else
		o->build = "latest";
	return 0;
}

/*
 * Apply the memory settings of the build's .actor/actor.json: without a
 * memory option anywhere, defaultMemoryMbytes; then minMemoryMbytes and
 * maxMemoryMbytes bound the result. A memory query parameter outside them
 * is 400; a task's or the default is moved inside. -1 with a response.
 */
static int apply_actor_memory(struct req *r, const struct build *b,
			      struct run_options *o)
{
	char *dir = runner_build_dir(b->id);
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct json_doc *doc = NULL;
	struct json_error err;
	const struct json *root;
	double def, min, max;
	int rc = 0;

	buf_printf(&path, "%s/.actor/actor.json", dir);
	if (fs_read_file(path.data, &text) == 0)
		doc = json_parse(text.data, text.len, &err);
	root = doc ? json_root(doc) : NULL;
	if (!root || root->type != JSON_OBJECT)
		goto out;
	def = number_field(root, "defaultMemoryMbytes", 0);
	min = number_field(root, "minMemoryMbytes", 0);
	max = number_field(root, "maxMemoryMbytes", 0);
	if (!o->memory_given && api_valid_memory(def))
		o->memory_mbytes = (int64_t)def;
	if ((min > 0 && o->memory_mbytes < min) ||
	    (max > 0 && o->memory_mbytes > max)) {
		if (o->memory_in_query) {
			resp_error(r, 400, "invalid-input", "Parameter 'memory'"
				   " must be from %.0f to %.0f megabytes for this"
				   " actor (its .actor/actor.json), got %lld.",
				   min > 0 ? min : 128, max > 0 ? max : 32768,
				   (long long)o->memory_mbytes);
			rc = -1;
			goto out;
		}
		if (min > 0 && o->memory_mbytes < min)
			o->memory_mbytes = (int64_t)min;
		if (max > 0 && o->memory_mbytes > max)
			o->memory_mbytes = (int64_t)max;
	}
out:
	json_doc_free(doc);
	buf_release(&text);
	buf_release(&path);
	free(dir);
	return rc;
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

/*
 * Create the run, its storages, its INPUT record and its ad-hoc webhooks,
 * count the run in its actor's and task's stats.totalRuns, and record its
 * ACTOR.RUN.CREATED dispatches, in one transaction.
 */
static int create_run(struct req *r, struct run *run, const struct buf *input,
		      const struct webhook_spec *hooks, size_t hook_count)
{
	struct store *st = r->store;
	int dispatches = 0;

	if (store_begin(st))
		return -1;
	if (storages_create_for_run(st, run) ||
	    store_record_put(st, run->kvs_id, "INPUT",
			     "application/json; charset=utf-8", input->data,
			     input->len) ||
	    store_run_insert(st, run) ||
	    store_doc_count_run(st, STORE_ACTOR, run->actor_id) ||
	    (run->task_id[0] &&
	     store_doc_count_run(st, STORE_TASK, run->task_id)) ||
	    webhooks_add_ad_hoc(st, run, hooks, hook_count) ||
	    webhook_events_record(st, run, WEBHOOK_EVENT_CREATED,
				  &dispatches) ||
	    store_commit(st)) {
		store_rollback(st);
		return -1;
	}
	if (dispatches)
		webhook_dispatcher_wake();
	return 0;
}

/* The `webhooks` run option: Base64 of a JSON array of webhook objects.
 * Returns 0 with the specs (the caller frees them), or -1 with a 400. */
static int read_webhooks(struct req *r, struct webhook_spec **specs,
			 size_t *count)
{
	const char *value = req_query(r, "webhooks");
	char err[512];

	*specs = NULL;
	*count = 0;
	if (!value || !*value)
		return 0;
	if (webhook_specs_from_base64(value, specs, count, err, sizeof(err))) {
		/* err names the parameter already. */
		resp_error(r, 400, "invalid-input", "%s", err);
		return -1;
	}
	return 0;
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
	if (!run_status_is_terminal(b->status)) {
		resp_error(r, 400, "invalid-input", "Build %s has not finished"
			   " (status %s); wait for it with GET"
			   " /v2/actor-builds/%s?waitForFinish=60.", b->number,
			   b->status, b->id);
		store_build_release(b);
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
		     const char *actor_id, const char *task_id,
		     const struct build *b, const struct run_options *o)
{
	memset(run, 0, sizeof(*run));
	id_new(run->id);
	snprintf(run->user_id, sizeof(run->user_id), "%s", r->user.id);
	snprintf(run->actor_id, sizeof(run->actor_id), "%s", actor_id);
	snprintf(run->task_id, sizeof(run->task_id), "%s", task_id);
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
	run->restart_on_error = o->restart_on_error;
	run->input_body_len = (int64_t)r->body.len;
}

/*
 * Create a run of the actor actor_d, for the task task_d (NULL for a run
 * of the actor itself, whose input is then the body alone). Returns 0 or
 * -1 with a response made.
 */
static int create_run_of(struct req *r, const struct store_doc *actor_d,
			 const struct store_doc *task_d,
			 const struct json *task, struct run *run)
{
	struct json_doc *actor = NULL, *body = NULL;
	struct webhook_spec *hooks = NULL;
	struct buf input = BUF_INIT;
	struct json_error perr;
	struct run_options o;
	struct build b;
	size_t hook_count = 0;
	int rc = -1;

	if (read_webhooks(r, &hooks, &hook_count))
		goto out;
	if (r->method == METHOD_POST && api_body_object(r, 1, &body))
		goto out;
	actor = json_parse(actor_d->doc, actor_d->doc_len, &perr);
	if (!actor) {
		resp_internal(r);
		goto out;
	}
	if (read_options(r, task ? json_get(task, "options") : NULL,
			 json_get(json_root(actor), "defaultRunOptions"), &o) ||
	    resolve_build(r, actor_d->id, o.build, &b))
		goto out;
	if (apply_actor_memory(r, &b, &o)) {
		store_build_release(&b);
		goto out;
	}
	if (make_input(r, &b, task ? json_get(task, "input") : NULL,
		       body ? json_root(body) : NULL, &input) == 0) {
		fill_run(run, r, actor_d->id, task_d ? task_d->id : "", &b,
			 &o);
		if (create_run(r, run, &input, hooks, hook_count))
			resp_internal(r);
		else
			rc = 0;
	}
	store_build_release(&b);
out:
	webhook_specs_free(hooks, hook_count);
	buf_release(&input);
	json_doc_free(body);
	json_doc_free(actor);
	return rc;
}

int api_create_task_run(struct req *r, struct run *run)
{
	struct json_doc *task = NULL;
	struct store_doc task_d, actor_d;
	int rc = -1;

	memset(&actor_d, 0, sizeof(actor_d));
	if (api_load_task(r, &task_d, &task))
		return -1;
	if (store_doc_get(r->store, STORE_ACTOR, task_d.parent_id, &actor_d))
		api_not_found(r, "Actor of task", r->params[0]);
	else
		rc = create_run_of(r, &actor_d, &task_d, json_root(task), run);
	json_doc_free(task);
	store_doc_release(&actor_d);
	store_doc_release(&task_d);
	return rc;
}

int api_create_actor_run(struct req *r, struct run *run)
{
	struct store_doc actor_d;
	int rc;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &actor_d))
		return -1;
	rc = create_run_of(r, &actor_d, NULL, NULL, run);
	store_doc_release(&actor_d);
	return rc;
}

int api_metamorph_target(struct req *r, const struct store_doc *actor_d,
			 struct build *b, struct buf *input)
{
	struct json_doc *actor, *body = NULL;
	struct json_error perr;
	struct run_options o;
	int rc = -1;

	actor = json_parse(actor_d->doc, actor_d->doc_len, &perr);
	if (!actor) {
		resp_internal(r);
		return -1;
	}
	if (api_body_object(r, 1, &body) ||
	    read_options(r, NULL, json_get(json_root(actor),
					   "defaultRunOptions"), &o) ||
	    resolve_build(r, actor_d->id, o.build, b))
		goto out;
	rc = make_input(r, b, NULL, body ? json_root(body) : NULL, input);
	if (rc)
		store_build_release(b);
out:
	json_doc_free(body);
	json_doc_free(actor);
	return rc;
}
