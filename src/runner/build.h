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
 * Build and store the result, FAILED builds included, with a log at
 * runner_log_path(build id). Returns 0 with out filled (release it with
 * store_build_release), or -1 with a message in err when the request
 * itself is wrong (unknown version) or the store fails (err empty).
 */
int build_actor(struct store *st, const struct build_request *req,
		struct build *out, struct buf *err);

#endif
