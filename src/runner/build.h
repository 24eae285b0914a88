/*
 * Building an actor version: write its source files into an immutable
 * build directory, find the command that runs it, read its input schema
 * and, with a package.json, install its npm dependencies there
 * (build_npm.h). No container engine is involved; the host's runtimes
 * run it.
 */
#ifndef ACTORD_RUNNER_BUILD_H
#define ACTORD_RUNNER_BUILD_H

#include "store/store.h"
#include "util/json.h"

struct build_request {
	const struct json *actor;	/* the actor's API object */
	const char *actor_id;
	const char *user_id;
	const char *version;		/* "0.1"; NULL for the last version */
	const char *tag;		/* "latest"; NULL for none */
};

/*
 * A build that build_prepare() has stored READY, for build_execute() on
 * a builder thread (builder.h). It owns tag, version_json and env_vars;
 * release it with build_plan_release().
 */
struct build_plan {
	char id[ID_SIZE];
	char actor_id[ID_SIZE];
	char user_id[ID_SIZE];
	char number[48];	/* "0.1.3" */
	char version[32];	/* "0.1" */
	int64_t seq;		/* 3 */
	int64_t created_ms;	/* the build's startedAt */
	char *tag;		/* set when the build succeeds; NULL for none */
	char *version_json;	/* the actor version object to build */
	char *env_vars;		/* its envVars as JSON text; NULL for none */
};

/*
 * Store a new build READY, with the version's envVars as the snapshot its
 * runs get (custom variables take effect with the next build, as on the
 * platform), and the first line of its log at
 * runner_log_path(build id), and fill plan and out (release out with
 * store_build_release). Returns -1 with a message in err when the request
 * is wrong (unknown version), or with err empty when the store fails.
 */
int build_prepare(struct store *st, const struct build_request *req,
		  struct build_plan *plan, struct build *out, struct buf *err);

/*
 * Run a prepared build: mark it RUNNING, write its sources into
 * runner_build_dir(id), find its command and input schema, install its
 * npm dependencies, and store it SUCCEEDED (with the plan's tag in the
 * same transaction), FAILED or ABORTED. The log grows as it goes. Asks
 * cancelled(ctx) between steps and during npm; non-zero ends the build
 * ABORTED. Wakes the requests waiting for the build at its end. npm
 * gets the version's custom variables when it sets applyEnvVarsToBuild.
 */
void build_execute(struct store *st, const struct build_plan *plan,
		   int (*cancelled)(void *ctx), void *ctx);

/* End a prepared build that never ran as ABORTED, message in its log. */
void build_end_unstarted(struct store *st, const struct build_plan *plan,
			 const char *message);

void build_plan_release(struct build_plan *plan);

/* Remove the files of a build (runner_build_dir()); failures are logged. */
void build_remove_dir(const char *build_id);

/*
 * At start: builds that a stopped or crashed actord left READY or RUNNING
 * are stored FAILED, with a line in their logs. Returns 0 or -1.
 */
int build_recover(struct store *st);

#endif
