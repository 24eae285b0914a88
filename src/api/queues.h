/*
 * Request queues: the helpers that the queue routes (queues.c), the
 * request routes (queue_requests.c) and the head and lock routes
 * (queue_head.c) share.
 */
#ifndef ACTORD_API_QUEUES_H
#define ACTORD_API_QUEUES_H

#include "api/api.h"

/*
 * Find the queue of the request: params[0] is the queue's ID or name, or
 * under /v2/actor-runs/ the run whose default queue is meant. Returns 0
 * with out filled, or -1 with the error response made.
 */
int queue_find(struct req *r, struct storage *out);

/* The client key of the request (clientKey parameter); "" when absent.
 * Returns -1 with a 400 when it is longer than 32 characters. */
int queue_client_key(struct req *r, const char **out);

#endif
