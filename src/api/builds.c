/*
 * Builds: POST /v2/acts/:id/builds, the build lists, builds/default,
 * GET and DELETE /v2/actor-builds/:id and its abort. A build runs on a
 * builder thread (runner/builder.h): the POST responds 201 with the build
 * READY or RUNNING, or, with waitForFinish, when it ends or the wait
 * passes, as the platform does. The Apify CLI and the API clients poll the build
 * with waitForFinish until it ends.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/builder.h"
#include "runner/runner.h"
#include "util/log.h"

/* How long an abort of a running build waits for its end, in seconds:
 * npm is killed within BUILD_NPM_CHECK_MS, so this is a margin. */
#define ABORT_WAIT_SECS 10

/*
 * Load the build id for r's user: 0 with *b filled, or -1 with a 404 or
 * 403 made.
 */
static int load_build(struct req *r, const char *id, struct build *b)
{
	int rc = store_build_get(r->store, id, b);

	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, "Build", id);
		return -1;
	}
	if (strcmp(b->user_id, r->user.id)) {
		resp_error(r, 403, "permission-denied", "You do not have"
			   " permission to access the build '%s'.", b->id);
		store_build_release(b);
		return -1;
	}
	return 0;
}

/* Respond with the build id as it is now; 201 adds Location. */
static void respond_with_build(struct req *r, const char *id,
			       unsigned status)
{
	struct build b;
	char location[256];
	int rc = store_build_get(store_thread(), id, &b);

	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, "Build", id);
		return;
	}
	resp_data(r, status, b.doc, strlen(b.doc));
	if (status == 201) {
		snprintf(location, sizeof(location), "%s/v2/actor-builds/%s",
			 server_base_url(), id);
		resp_header(r, "Location", location);
	}
	store_build_release(&b);
}

/* The tag parameter: letters, digits, '.', '_' and '-'; -1 with a 400. */
static int check_tag(struct req *r, const char *tag)
{
	if (tag && *tag && strspn(tag, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	    strlen(tag)) {
		resp_error(r, 400, "invalid-input", "Parameter 'tag' must be"
			   " letters, digits, '.', '_' or '-', got '%s'.", tag);
		return -1;
	}
	return 0;
}

void api_build_actor(struct req *r)
{
	struct build_request breq;
	struct json_doc *actor = NULL;
	struct json_error perr;
	struct buf err = BUF_INIT;
	struct store_doc d;
	struct build b;
	const char *tag = req_query(r, "tag");
	double secs;

	if (api_read_wait(r, &secs) || check_tag(r, tag) ||
	    api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	actor = json_parse(d.doc, d.doc_len, &perr);
	if (!actor) {
		log_error("api", "stored actor %s is not valid JSON: %s", d.id,
			  perr.message);
		resp_internal(r);
		goto out;
	}
	breq.actor = json_root(actor);
	breq.actor_id = d.id;
	breq.user_id = d.user_id;
	breq.version = req_query(r, "version");
	breq.tag = tag && *tag ? tag : "latest";
	if (builder_submit(r->store, &breq, &b, &err)) {
		if (err.len)
			resp_error(r, 400, "invalid-input", "%s", err.data);
		else
			resp_internal(r);
		goto out;
	}
	if (secs > 0)
		api_wait_for_job(r, b.id, secs, 201, 1, respond_with_build);
	else
		respond_with_build(r, b.id, 201);
	store_build_release(&b);
out:
	json_doc_free(actor);
	buf_release(&err);
	store_doc_release(&d);
}

void api_get_build(struct req *r)
{
	struct build b;
	double secs;

	if (api_read_wait(r, &secs) || load_build(r, r->params[0], &b))
		return;
	if (secs > 0 && !run_status_is_terminal(b.status))
		api_wait_for_job(r, b.id, secs, 200, 1, respond_with_build);
	else
		resp_data(r, 200, b.doc, strlen(b.doc));
	store_build_release(&b);
}

/*
 * POST /v2/actor-builds/:id/abort: a queued build ends ABORTED at once, a
 * running one when its npm has been killed, and the response comes then. A
 * build that has ended is returned as it is.
 */
void api_abort_build(struct req *r)
{
	struct build b;

	if (load_build(r, r->params[0], &b))
		return;
	if (run_status_is_terminal(b.status))
		resp_data(r, 200, b.doc, strlen(b.doc));
	else if (builder_abort(b.id))
		respond_with_build(r, b.id, 200);	/* ended meanwhile */
	else
		api_wait_for_job(r, b.id, ABORT_WAIT_SECS, 200, 1,
				 respond_with_build);
	store_build_release(&b);
}

void api_list_builds(struct req *r)
{
	struct list_page l;
	struct store_doc d;

	if (api_list_begin(r, &l))
		return;
	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d)) {
		api_list_release(&l);
		return;
	}
	if (store_build_list(r->store, d.id, l.offset, l.limit, l.desc,
			     &l.items, &l.total, &l.count))
		resp_internal(r);
	else
		api_list_respond(r, &l);
	api_list_release(&l);
	store_doc_release(&d);
}

/* GET /v2/actor-builds: the user's builds of all actors. */
void api_list_user_builds(struct req *r)
{
	struct list_page l;

	if (api_list_begin(r, &l))
		return;
	if (store_build_list_user(r->store, r->user.id, l.offset, l.limit,
				  l.desc, &l.items, &l.total, &l.count))
		resp_internal(r);
	else
		api_list_respond(r, &l);
	api_list_release(&l);
}

/*
 * The build that a run of the actor gets when the caller names none: the
 * tag or number in the actor's defaultRunOptions.build, else "latest".
 */
void api_get_default_build(struct req *r)
{
	struct store_doc d;
	struct json_doc *actor;
	struct json_error perr;
	const struct json *opts, *tag;
	const char *build = "latest";
	struct build b;
	int rc;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	actor = json_parse(d.doc, d.doc_len, &perr);
	if (!actor) {
		resp_internal(r);
		store_doc_release(&d);
		return;
	}
	opts = json_get(json_root(actor), "defaultRunOptions");
	tag = opts ? json_get(opts, "build") : NULL;
	if (tag && tag->type == JSON_STRING && tag->len)
		build = tag->str;
	rc = store_build_resolve(r->store, d.id, build, &b);
	if (rc < 0) {
		resp_internal(r);
	} else if (rc) {
		resp_error(r, 404, "record-not-found", "The actor '%s' has no"
			   " build '%s' (its default build); build the actor"
			   " first.", r->params[0], build);
	} else {
		resp_data(r, 200, b.doc, strlen(b.doc));
		store_build_release(&b);
	}
	json_doc_free(actor);
	store_doc_release(&d);
}


/*
 * DELETE /v2/actor-builds/:id: the build, its files and its log, once it
 * has ended, when no tag points at it and no run that has not ended uses
 * it. Runs that used it keep its id.
 */
void api_delete_build(struct req *r)
{
	struct build b;
	char tag[64];
	int64_t runs;
	int rc;

	if (load_build(r, r->params[0], &b))
		return;
	if (!run_status_is_terminal(b.status)) {
		resp_error(r, 400, "invalid-input", "Build %s has not finished"
			   " (status %s); abort it first.", b.number, b.status);
		goto out;
	}
	rc = store_build_delete(r->store, b.id, tag, sizeof(tag), &runs);
	if (rc == STORE_CONFLICT && *tag) {
		resp_error(r, 400, "invalid-input", "Build %s has the tag '%s';"
			   " tag another build first.", b.number, tag);
	} else if (rc == STORE_CONFLICT) {
		resp_error(r, 400, "invalid-input", "Build %s is used by %lld"
			   " run(s) that have not finished.", b.number,
			   (long long)runs);
	} else if (rc) {
		resp_internal(r);
	} else {
		char *log_path = runner_log_path(b.id);

		build_remove_dir(b.id);
		unlink(log_path);
		free(log_path);
		resp_empty(r, 204);
	}
out:
	store_build_release(&b);
}
