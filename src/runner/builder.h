/*
 * The builders: a few threads that run actor builds (build.h) in the
 * background, so that a POST that starts a build returns at once and an
 * `npm install` blocks no HTTP thread. Builds wait READY in a queue, in
 * the order they were started, until a builder is free.
 *
 * Build states:
 *   READY -> RUNNING [a builder takes it] -> SUCCEEDED | FAILED | ABORTED
 *   READY -> ABORTED [builder_abort, builder_shutdown]
 *   READY | RUNNING -> FAILED, at the next start after a crash
 *   [build_recover]
 * Requests wait for a build's end with runner_wait_existing(), which the
 * builders wake through runner_job_ended().
 */
#ifndef ACTORD_RUNNER_BUILDER_H
#define ACTORD_RUNNER_BUILDER_H

#include "runner/build.h"

/* Builds going at once (--max-concurrent-builds): by default 2, since
 * npm installs are mostly network and disk. */
#define BUILDER_DEFAULT_THREADS 2
#define BUILDER_MAX_THREADS 64

/* Start threads (1 to BUILDER_MAX_THREADS) builders. Returns 0 or -1. */
int builder_init(unsigned threads);

/*
 * Abort every build: the queued ones end ABORTED at once, the running
 * ones at their next check (their npm is killed). Then join the threads.
 */
void builder_shutdown(void);

/*
 * Store a new build READY and queue it. Returns 0 with out filled (the
 * READY build; release it with store_build_release), or -1 as
 * build_prepare() does.
 */
int builder_submit(struct store *st, const struct build_request *req,
		   struct build *out, struct buf *err);

/*
 * Abort the build build_id if it is queued or running: a queued one ends
 * ABORTED before this returns, a running one soon after. Returns 0 when
 * the build was going, 1 when no builder has it.
 */
int builder_abort(const char *build_id);

#endif
