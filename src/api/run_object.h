/*
 * The run object as GET /v2/actor-runs/:runId returns it. The run routes
 * and the webhook events (a payload's `resource`) both write it.
 */
#ifndef ACTORD_API_RUN_OBJECT_H
#define ACTORD_API_RUN_OBJECT_H

#include "store/store.h"
#include "util/buf.h"

/* Append the run object of run to b. */
void run_to_json(struct buf *b, const struct run *run);

/*
 * The last run of the task (STORE_TASK) or actor (STORE_ACTOR) r->params[0]
 * names, narrowed by the query's status. 0 with run filled (the caller
 * releases it), or -1 with the error response made.
 */
struct req;
int api_load_last_run(struct req *r, enum store_kind kind, struct run *run);

#endif
