/*
 * Actor builds; see build.h. The steps log to the build's log as they go,
 * and any step that fails ends the build FAILED with the reason in the
 * log, which is where a user looks.
 */
#include "runner/build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/input_schema.h"
#include "runner/build_npm.h"
#include "runner/build_source.h"
#include "runner/dockerfile.h"
#include "runner/env_vars.h"
#include "runner/runner.h"
#include "util/base64.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "webhooks/dispatcher.h"
#include "webhooks/events.h"
#include "webhooks/spec.h"

/* Marks npm's processes with the build's id (build_npm_hooks.marker), so
 * that the next start after a crash finds and kills them. */
#define BUILD_MARKER "ACTORD_BUILD_ID"

struct build_work {
	char *dir;
	const char *id;		/* the build's, for log notifications */
	const char *user_id;	/* the owner, whose stores a tarball may use */
	int log_fd;		/* the log file, appended to; -1 if none */
	struct buf log;		/* lines not yet written to log_fd */
	int (*cancelled)(void *ctx);
	void *cancel_ctx;
	struct buf command;	/* JSON array */
	struct buf schema;	/* JSON text, may stay empty */
	struct buf actor_text;		/* .actor/actor.json, if any */
	struct json_doc *actor_json;	/* parsed; points into actor_text */
	char **npm_env;		/* custom "NAME=value" for npm, or NULL */
};

/*
 * Append the pending lines to the log file and wake the requests that
 * stream it. A failed write loses those lines only: the build goes on,
 * and its status is what clients act on.
 */
static void flush_log(struct build_work *w)
{
	if (!w->log.len)
		return;
	if (w->log_fd >= 0 && fs_write_all(w->log_fd, w->log.data, w->log.len))
		log_warn("build", "cannot write the log of build %s: %s",
			 w->id, strerror(errno));
	buf_reset(&w->log);
	runner_log_written(w->id);
}

static void npm_output(void *ctx)
{
	flush_log(ctx);
}

static int npm_cancelled(void *ctx)
{
	struct build_work *w = ctx;

	return w->cancelled(w->cancel_ctx);
}

static void blog(struct build_work *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void blog(struct build_work *w, const char *fmt, ...)
{
	char when[TIME_ISO_LEN];
	va_list ap;

	time_format_iso(time_now_ms(), when);
	buf_printf(&w->log, "%s ", when);
	va_start(ap, fmt);
	buf_vprintf(&w->log, fmt, ap);
	va_end(ap);
	buf_putc(&w->log, '\n');
	flush_log(w);
}

static int write_sources(struct build_work *w, const struct json *files)
{
	const struct json *f;

	for (f = files ? files->child : NULL; f; f = f->next) {
		const struct json *name = json_get(f, "name");
		const struct json *format = json_get(f, "format");
		const struct json *content = json_get(f, "content");
		struct buf data = BUF_INIT;
		struct buf path = BUF_INIT;
		int rc;

		if (!name || name->type != JSON_STRING || !build_safe_path(name->str)) {
			blog(w, "Source file name %s is not a relative path"
			     " inside the actor.", name && name->str ? name->str : "(missing)");
			return -1;
		}
		if (json_get(f, "folder") || !content)
			continue;	/* a folder entry, or nothing to write */
		if (content->type != JSON_STRING) {
			blog(w, "Source file %s: content must be a string.", name->str);
			return -1;
		}
		if (json_is_string(format, "BASE64")) {
			if (base64_decode(content->str, content->len, &data)) {
				blog(w, "Source file %s: content is not valid"
				     " Base64.", name->str);
				return -1;
			}
		} else {
			buf_append(&data, content->str, content->len);
		}
		buf_printf(&path, "%s/%s", w->dir, name->str);
		rc = fs_write_file(path.data, data.data ? data.data : "",
				   data.len, 0640);
		if (rc)
			blog(w, "Cannot write %s: %s", name->str, strerror(errno));
		buf_release(&data);
		buf_release(&path);
		if (rc)
			return -1;
	}
	return 0;
}

/* Read a file of the build into out; 1 if it does not exist. */
static int read_build_file(struct build_work *w, const char *rel,
			   struct buf *out)
{
	struct buf path = BUF_INIT;
	int rc;

	buf_printf(&path, "%s/%s", w->dir, rel);
	rc = fs_is_file(path.data) ? fs_read_file(path.data, out) : 1;
	buf_release(&path);
	return rc;
}

/* A path from .actor/actor.json is relative to the .actor folder. */
static void actor_json_path(const char *value, struct buf *out)
{
	while (!strncmp(value, "./", 2))
		value += 2;
	if (!strncmp(value, "../", 3))
		buf_puts(out, value + 3);
	else
		buf_printf(out, ".actor/%s", value);
}

static void read_actor_json(struct build_work *w)
{
	struct json_error err;

	if (read_build_file(w, ".actor/actor.json", &w->actor_text))
		return;
	w->actor_json = json_parse(w->actor_text.data, w->actor_text.len, &err);
	if (!w->actor_json)
		blog(w, "Ignoring .actor/actor.json: %s at byte %zu.",
		     err.message, err.offset);
	else
		blog(w, "Read .actor/actor.json.");
}

/* The value of a string field of actor.json, or NULL. */
static const char *actor_json_string(struct build_work *w, const char *key)
{
	const struct json *v;

	if (!w->actor_json)
		return NULL;
	v = json_get(json_root(w->actor_json), key);
	return v && v->type == JSON_STRING ? v->str : NULL;
}

static void put_argv(struct buf *out, const char *const *argv)
{
	size_t i;

	buf_putc(out, '[');
	for (i = 0; argv[i]; i++) {
		if (i)
			buf_putc(out, ',');
		buf_put_json_cstr(out, argv[i]);
	}
	buf_putc(out, ']');
}

/* Rules used when no Dockerfile gives a command. */
static int fallback_command(struct build_work *w)
{
	static const char *const npm[] = { "npm", "start", NULL };
	static const char *const python[] = { "python3", "-m", "src", NULL };
	struct buf path = BUF_INIT;
	int rc = 0;

	buf_printf(&path, "%s/package.json", w->dir);
	if (fs_is_file(path.data)) {
		put_argv(&w->command, npm);
		blog(w, "Using \"npm start\" because package.json exists.");
		goto out;
	}
	buf_reset(&path);
	buf_printf(&path, "%s/src/__main__.py", w->dir);
	if (fs_is_file(path.data)) {
		put_argv(&w->command, python);
		blog(w, "Using \"python3 -m src\" because src/__main__.py"
		     " exists.");
		goto out;
	}
	blog(w, "No command to run: the source has no Dockerfile with CMD or"
	     " ENTRYPOINT, no package.json and no src/__main__.py.");
	rc = -1;
out:
	buf_release(&path);
	return rc;
}

static int find_command(struct build_work *w)
{
	const char *named = actor_json_string(w, "dockerfile");
	struct buf rel = BUF_INIT, text = BUF_INIT, err = BUF_INIT;
	char **argv = NULL;
	int rc = 1;

	if (named)
		actor_json_path(named, &rel);
	else if (read_build_file(w, ".actor/Dockerfile", &text) == 0)
		buf_puts(&rel, ".actor/Dockerfile");
	else
		buf_puts(&rel, "Dockerfile");
	buf_reset(&text);
	if (read_build_file(w, rel.data, &text) == 0) {
		rc = dockerfile_command(text.data, text.len, &argv, &err);
		if (rc < 0)
			blog(w, "%s: %s", rel.data, err.data);
		else if (rc == 0)
			blog(w, "Using the command of %s.", rel.data);
		else
			blog(w, "%s has no CMD or ENTRYPOINT.", rel.data);
	} else if (named) {
		blog(w, "The Dockerfile %s named in .actor/actor.json does not"
		     " exist.", rel.data);
		rc = -1;
	}
	if (rc == 0)
		put_argv(&w->command, (const char *const *)argv);
	else if (rc == 1)
		rc = fallback_command(w);
	argv_free(argv);
	buf_release(&rel);
	buf_release(&text);
	buf_release(&err);
	return rc;
}

/* Find, parse and check the input schema; none at all is fine. */
static int read_input_schema(struct build_work *w)
{
	const struct json *inline_schema = NULL;
	const char *named = actor_json_string(w, "input");
	struct buf rel = BUF_INIT, err = BUF_INIT;
	struct json_doc *doc = NULL;
	struct json_error perr;
	int rc = 0;

	if (w->actor_json) {
		inline_schema = json_get(json_root(w->actor_json), "input");
		if (inline_schema && inline_schema->type != JSON_OBJECT)
			inline_schema = NULL;
	}
	if (inline_schema) {
		json_write(&w->schema, inline_schema);
	} else {
		if (named)
			actor_json_path(named, &rel);
		else if (read_build_file(w, ".actor/input_schema.json",
					 &w->schema) == 0)
			buf_puts(&rel, ".actor/input_schema.json");
		else
			buf_puts(&rel, "INPUT_SCHEMA.json");
		buf_reset(&w->schema);
		if (read_build_file(w, rel.data, &w->schema)) {
			if (named)
				blog(w, "The input schema %s named in"
				     " .actor/actor.json does not exist.", rel.data);
			rc = named ? -1 : 0;
			buf_release(&w->schema);
			goto out;
		}
	}
	doc = json_parse(w->schema.data, w->schema.len, &perr);
	if (!doc) {
		blog(w, "The input schema is not valid JSON: %s at byte %zu.",
		     perr.message, perr.offset);
		rc = -1;
	} else if (input_schema_check(json_root(doc), &err)) {
		blog(w, "The input schema is not valid: %s", err.data);
		rc = -1;
	} else {
		blog(w, "Read the input schema%s%s.", rel.len ? " from " : "",
		     rel.len ? rel.data : "");
	}
out:
	json_doc_free(doc);
	buf_release(&rel);
	buf_release(&err);
	return rc;
}

static const struct json *find_version(const struct json *actor,
				       const char *version)
{
	const struct json *versions = json_get(actor, "versions");
	const struct json *v, *last = NULL;

	if (!versions || versions->type != JSON_ARRAY)
		return NULL;
	for (v = versions->child; v; v = v->next) {
		const struct json *num = json_get(v, "versionNumber");

		if (v->type != JSON_OBJECT || !num || num->type != JSON_STRING)
			continue;
		if (version && !strcmp(num->str, version))
			return v;
		last = v;
	}
	return version ? NULL : last;
}

/*
 * Install npm dependencies into the build's own directory, as the
 * actor's Dockerfile would. Runs on a builder thread (builder.h).
 * Returns 0, -1 when npm failed, -2 when the build was aborted.
 */
static int install_dependencies(struct build_work *w)
{
	struct build_npm_hooks hooks = { npm_output, npm_cancelled, w, NULL };
	struct buf message = BUF_INIT;
	char marker[32 + ID_SIZE];
	int rc;

	snprintf(marker, sizeof(marker), BUILD_MARKER "=%s", w->id);
	hooks.marker = marker;

	rc = build_npm_install(w->dir, BUILD_NPM_TIMEOUT_SECS, &w->log,
			       &message, &hooks, w->npm_env);
	flush_log(w);
	if (rc < 0)
		blog(w, "%s", message.data);
	else if (rc == 0)
		blog(w, "Installed the dependencies.");
	buf_release(&message);
	return rc < 0 ? rc : 0;
}

/* Fetch and unpack the archive of a TARBALL version into the build. */
static int unpack_tarball(struct build_work *w, const struct json *version)
{
	const struct json *url = json_get(version, "tarballUrl");
	struct buf archive = BUF_INIT, message = BUF_INIT;
	unsigned skipped = 0;
	long files = -1;
	int rc;

	if (!url || url->type != JSON_STRING) {
		blog(w, "The version has sourceType TARBALL but no tarballUrl.");
		return -1;
	}
	blog(w, "Fetching the source archive %s.", url->str);
	rc = build_fetch_archive(store_thread(), w->user_id,
				 runner_api_base_url(), url->str, w->cancelled,
				 w->cancel_ctx, &archive, &message);
	if (rc == 0)
		files = build_unpack_archive(archive.data, archive.len, w->dir,
					     &skipped, &message);
	if (files == 0)
		buf_puts(&message, "The archive at tarballUrl has no files.");
	if (files > 0)
		blog(w, "Unpacked %ld files from %zu bytes%s.", files,
		     archive.len, skipped ? " (links and other special entries"
		     " were skipped)" : "");
	else
		blog(w, "%s", message.data);
	buf_release(&archive);
	buf_release(&message);
	if (rc == -2)
		return -2;
	return files > 0 ? 0 : -1;
}

/* Run the steps; returns 0 for SUCCEEDED, -1 for FAILED, -2 for ABORTED. */
static int run_steps(struct build_work *w, const struct json *version)
{
	const struct json *type = json_get(version, "sourceType");
	int tarball = json_is_string(type, "TARBALL"), rc;

	if (type && !tarball && !json_is_string(type, "SOURCE_FILES")) {
		blog(w, "Source type %.*s is not supported; use SOURCE_FILES"
		     " or TARBALL.", (int)type->raw_len,
		     type->raw ? type->raw : "?");
		return -1;
	}
	if (fs_mkdir_p(w->dir)) {
		blog(w, "Cannot create the build directory: %s", strerror(errno));
		return -1;
	}
	rc = tarball ? unpack_tarball(w, version) :
	     write_sources(w, json_get(version, "sourceFiles"));
	if (rc)
		return rc;
	if (!tarball)
		blog(w, "Wrote the source files.");
	read_actor_json(w);
	if (find_command(w) || read_input_schema(w))
		return -1;
	if (w->cancelled(w->cancel_ctx))
		return -2;
	return install_dependencies(w);
}

/*
 * Store the build that has ended, point tag (when not NULL) at it and
 * record its ACTOR.BUILD.* webhook dispatches, in one transaction. So a
 * client polling the build, as the Apify CLI does, finds the tag set as
 * soon as it reads SUCCEEDED. *dispatches gets how many were recorded.
 */
static int store_build_end(struct store *st, const struct build *b,
			   const char *number, int64_t seq, const char *tag,
			   int *dispatches)
{
	if (store_begin(st))
		return -1;
	if (store_build_put(st, b, number, seq) ||
	    (tag && store_build_tag(st, b->actor_id, tag, b->id)) ||
	    webhook_events_record_build(st, b,
					webhook_build_event_for_status(b->status),
					dispatches) ||
	    store_commit(st)) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* The API object; finished is 0 while the build is going. */
static void build_doc(struct buf *doc, const struct build *b,
		      int64_t started, int64_t finished, const char *schema)
{
	char when[TIME_ISO_LEN];

	buf_printf(doc, "{\"id\":\"%s\",\"actId\":\"%s\",\"userId\":\"%s\"",
		   b->id, b->actor_id, b->user_id);
	time_format_iso(started, when);
	buf_printf(doc, ",\"startedAt\":\"%s\"", when);
	if (finished) {
		time_format_iso(finished, when);
		buf_printf(doc, ",\"finishedAt\":\"%s\"", when);
	} else {
		buf_puts(doc, ",\"finishedAt\":null");
	}
	buf_printf(doc, ",\"status\":\"%s\",\"meta\":{\"origin\":\"API\"},"
		   "\"stats\":{", b->status);
	if (finished)
		buf_printf(doc, "\"durationMillis\":%lld,",
			   (long long)(finished - started));
	buf_printf(doc, "\"computeUnits\":0},\"options\":{\"useCache\":false},"
		   "\"usage\":{},\"usageTotalUsd\":0,\"buildNumber\":\"%s\","
		   "\"inputSchema\":", b->number);
	if (schema)
		buf_put_json_cstr(doc, schema);
	else
		buf_puts(doc, "null");
	buf_putc(doc, '}');
}

/* Fill the identity of plan's build into b, with status. */
static void plan_build(const struct build_plan *plan, const char *status,
		       struct build *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "%s", plan->id);
	snprintf(b->actor_id, sizeof(b->actor_id), "%s", plan->actor_id);
	snprintf(b->user_id, sizeof(b->user_id), "%s", plan->user_id);
	snprintf(b->number, sizeof(b->number), "%s", plan->number);
	snprintf(b->status, sizeof(b->status), "%s", status);
}

/* Append text to a build's log file, for the steps outside a build_work. */
static void append_log_line(const char *build_id, const char *text)
{
	char *path = runner_log_path(build_id);
	char when[TIME_ISO_LEN];
	struct buf line = BUF_INIT;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	time_format_iso(time_now_ms(), when);
	buf_printf(&line, "%s %s\n", when, text);
	if (fd < 0 || fs_write_all(fd, line.data, line.len))
		log_warn("build", "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	buf_release(&line);
	free(path);
	runner_log_written(build_id);
}

/* Keep the version's envVars in the plan; an empty array counts as none. */
static void snapshot_env_vars(struct build_plan *plan,
			      const struct json *version)
{
	const struct json *vars = json_get(version, "envVars");
	struct buf text = BUF_INIT;

	if (!vars || vars->type != JSON_ARRAY || !vars->count)
		return;
	json_write(&text, vars);
	plan->env_vars = buf_detach(&text, NULL);
}

int build_prepare(struct store *st, const struct build_request *req,
		  struct build_plan *plan, struct build *out, struct buf *err)
{
	const struct json *version = find_version(req->actor, req->version);
	struct buf doc = BUF_INIT, text = BUF_INIT;
	const char *number;
	int rc = -1, dispatches = 0;

	memset(plan, 0, sizeof(*plan));
	memset(out, 0, sizeof(*out));
	if (!version) {
		buf_printf(err, req->version ? "Actor version '%s' was not"
			   " found." : "The actor has no versions to build.",
			   req->version);
		return -1;
	}
	number = json_get(version, "versionNumber")->str;
	id_new(plan->id);
	snprintf(plan->actor_id, sizeof(plan->actor_id), "%s", req->actor_id);
	snprintf(plan->user_id, sizeof(plan->user_id), "%s", req->user_id);
	snprintf(plan->version, sizeof(plan->version), "%s", number);
	plan->tag = req->tag ? xstrdup(req->tag) : NULL;
	json_write(&text, version);
	plan->version_json = buf_detach(&text, NULL);
	snapshot_env_vars(plan, version);
	plan->created_ms = time_now_ms();

	/* The sequence number and the row in one transaction, so that two
	 * builds started at once get different numbers. */
	if (store_begin(st))
		goto out;
	if (store_build_next_seq(st, req->actor_id, number, &plan->seq)) {
		store_rollback(st);
		goto out;
	}
	snprintf(plan->number, sizeof(plan->number), "%s.%lld", number,
		 (long long)plan->seq);
	plan_build(plan, "READY", out);
	out->env_vars = plan->env_vars ? xstrdup(plan->env_vars) : NULL;
	build_doc(&doc, out, plan->created_ms, 0, NULL);
	out->doc = buf_detach(&doc, NULL);
	if (store_build_put(st, out, plan->version, plan->seq) ||
	    webhook_events_record_build(st, out, WEBHOOK_EVENT_BUILD_CREATED,
					&dispatches) ||
	    store_commit(st)) {
		store_rollback(st);
		goto out;
	}
	if (dispatches)
		webhook_dispatcher_wake();
	rc = 0;
	buf_printf(&text, "Build %s of version %s is queued.", plan->number,
		   plan->version);
	append_log_line(plan->id, text.data);
out:
	buf_release(&text);
	if (rc) {
		store_build_release(out);
		build_plan_release(plan);
	}
	return rc;
}

/*
 * Store the end of a build and wake its waiters. b has the identity and
 * final status; a failed store write is only logged, since no request
 * waits for its result.
 */
static void finish(struct store *st, const struct build_plan *plan,
		   struct build *b, int64_t started, const char *tag)
{
	struct buf doc = BUF_INIT;
	int dispatches = 0;

	build_doc(&doc, b, started, time_now_ms(), b->input_schema);
	b->doc = buf_detach(&doc, NULL);
	if (store_build_end(st, b, plan->version, plan->seq, tag, &dispatches))
		log_warn("build", "cannot store the end of build %s", b->id);
	else if (dispatches)
		webhook_dispatcher_wake();
	log_info("build", "actor %s build %s (%s): %s", plan->actor_id,
		 plan->number, plan->id, b->status);
	runner_job_ended(b->id);
}

/*
 * Name the custom variables that the build's runs get in its log (never
 * their values), and give them to npm too when the version sets
 * applyEnvVarsToBuild.
 */
static void announce_env_vars(struct build_work *w,
			      const struct build_plan *plan,
			      const struct json *version)
{
	char **entries = env_vars_entries(plan->env_vars, plan->env_vars ?
					  strlen(plan->env_vars) : 0);
	struct buf names = BUF_INIT;
	size_t i;

	for (i = 0; entries[i]; i++) {
		if (i)
			buf_puts(&names, ", ");
		buf_append(&names, entries[i], strcspn(entries[i], "="));
	}
	if (!i) {
		argv_free(entries);
		return;
	}
	if (json_get(version, "applyEnvVarsToBuild") &&
	    json_get(version, "applyEnvVarsToBuild")->type == JSON_TRUE) {
		w->npm_env = entries;
		entries = NULL;
	}
	blog(w, "Runs of this build get %zu environment variable%s of the"
	     " version%s: %s.", i, i == 1 ? "" : "s",
	     w->npm_env ? ", and so does npm (applyEnvVarsToBuild)" : "",
	     names.data);
	argv_free(entries);
	buf_release(&names);
}

void build_execute(struct store *st, const struct build_plan *plan,
		   int (*cancelled)(void *ctx), void *ctx)
{
	struct build_work w;
	struct json_doc *version;
	struct json_error perr;
	struct buf doc = BUF_INIT;
	struct build b;
	char *log_path = runner_log_path(plan->id);
	int64_t started = plan->created_ms;
	int rc;

	memset(&w, 0, sizeof(w));
	w.id = plan->id;
	w.user_id = plan->user_id;
	w.cancelled = cancelled;
	w.cancel_ctx = ctx;
	w.dir = runner_build_dir(plan->id);
	w.log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			0640);
	if (w.log_fd < 0)
		log_warn("build", "cannot open %s: %s", log_path, strerror(errno));
	free(log_path);

	plan_build(plan, "RUNNING", &b);
	build_doc(&doc, &b, started, 0, NULL);
	b.doc = doc.data;
	if (store_build_put(st, &b, plan->version, plan->seq))
		log_warn("build", "cannot mark build %s RUNNING", plan->id);
	buf_release(&doc);
	b.doc = NULL;

	blog(&w, "Building version %s of the actor as build %s.",
	     plan->version, plan->number);
	version = json_parse(plan->version_json, strlen(plan->version_json),
			     &perr);
	if (version)
		announce_env_vars(&w, plan, json_root(version));
	rc = version ? run_steps(&w, json_root(version)) : -1;
	snprintf(b.status, sizeof(b.status), "%s", rc == 0 ? "SUCCEEDED" :
		 rc == -2 ? "ABORTED" : "FAILED");
	blog(&w, "Build %s.", rc == 0 ? "succeeded" : rc == -2 ?
	     "aborted" : "failed");
	if (rc == 0) {
		b.command = buf_detach(&w.command, NULL);
		b.input_schema = w.schema.len ? buf_detach(&w.schema, NULL) :
				 NULL;
	}
	if (w.log_fd >= 0)
		close(w.log_fd);
	finish(st, plan, &b, started, rc == 0 ? plan->tag : NULL);
	/* No run can use a build that did not succeed: its files go. */
	if (rc)
		build_remove_dir(plan->id);

	store_build_release(&b);
	json_doc_free(version);
	json_doc_free(w.actor_json);
	buf_release(&w.actor_text);
	buf_release(&w.log);
	buf_release(&w.command);
	buf_release(&w.schema);
	argv_free(w.npm_env);
	free(w.dir);
}

void build_end_unstarted(struct store *st, const struct build_plan *plan,
			 const char *message)
{
	struct build b;

	append_log_line(plan->id, message);
	plan_build(plan, "ABORTED", &b);
	finish(st, plan, &b, plan->created_ms, NULL);
	store_build_release(&b);
}

void build_plan_release(struct build_plan *plan)
{
	free(plan->tag);
	free(plan->version_json);
	free(plan->env_vars);
	plan->tag = NULL;
	plan->version_json = NULL;
	plan->env_vars = NULL;
}

void build_remove_dir(const char *build_id)
{
	char *dir = runner_build_dir(build_id);

	if (fs_remove_tree(dir))
		log_warn("build", "cannot remove %s: %s", dir, strerror(errno));
	free(dir);
}

/* Record the ACTOR.BUILD.FAILED dispatches of a build failed at start. */
static void fire_failed(struct store *st, const char *id)
{
	struct build b;
	int dispatches = 0;

	if (store_build_get(st, id, &b))
		return;
	if (store_begin(st) == 0) {
		if (webhook_events_record_build(st, &b,
						WEBHOOK_EVENT_BUILD_FAILED,
						&dispatches) || store_commit(st))
			store_rollback(st);
		else if (dispatches)
			webhook_dispatcher_wake();
	}
	store_build_release(&b);
}

int build_recover(struct store *st)
{
	struct buf ids = BUF_INIT;
	char when[TIME_ISO_LEN];
	const char *id;
	int rc;

	time_format_iso(time_now_ms(), when);
	rc = store_build_end_unfinished(st, "FAILED", when, &ids);
	for (id = ids.data; rc == 0 && id && id < ids.data + ids.len;
	     id += strlen(id) + 1) {
		char entry[32 + ID_SIZE], label[8 + ID_SIZE];

		snprintf(entry, sizeof(entry), BUILD_MARKER "=%s", id);
		snprintf(label, sizeof(label), "build %s", id);
		runner_kill_marked(entry, label);
		build_remove_dir(id);
		fire_failed(st, id);
		append_log_line(id, "actord stopped before the build finished,"
				" so it failed. Start a new build.");
		log_warn("build", "build %s was going when actord stopped;"
			 " it is FAILED now", id);
	}
	buf_release(&ids);
	return rc;
}
