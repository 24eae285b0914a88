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

#endif
