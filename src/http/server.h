/*
 * The HTTP server: libmicrohttpd with a pool of epoll threads, request
 * bodies read up to MAX_BODY_BYTES, token authentication, routing to the
 * table in api/routes.c, and suspended connections for requests that wait
 * for a run. Read request.h and router.h first.
 */
#ifndef ACTORD_HTTP_SERVER_H
#define ACTORD_HTTP_SERVER_H

#include <stddef.h>

#include "http/router.h"

/* Requests a second per user and resource; 0 for no limit. */
struct rate_limits {
	unsigned standard;		/* most routes */
	unsigned records;		/* ROUTE_RATE_RECORDS */
	unsigned runs;			/* ROUTE_RATE_RUNS */
};

struct server_config {
	const char *host;		/* IPv4 address to listen on */
	unsigned port;
	const char *public_url;		/* NULL: http://host:port */
	unsigned threads;		/* epoll threads in the pool */
	unsigned max_connections;
	unsigned idle_timeout_secs;	/* for connections not suspended */
	struct rate_limits limits;
};

int server_start(const struct server_config *cfg, const struct route *routes,
		 size_t route_count);
/* Stop accepting new connections; those open go on. */
void server_quiesce(void);
void server_stop(void);

#endif
