/*
 * Matching a request path to a route. A pattern is a path whose ":"
 * segments capture one path segment each, in order, into req->params:
 * "/v2/actor-tasks/:/runs/last" matches "/v2/actor-tasks/abc/runs/last"
 * with params[0] = "abc".
 */
#ifndef ACTORD_HTTP_ROUTER_H
#define ACTORD_HTTP_ROUTER_H

#include <stddef.h>

#include "http/request.h"

typedef void (*route_fn)(struct req *r);

#define ROUTE_PUBLIC 1	/* served without a token */
#define ROUTE_NO_HEAD 2	/* GET has effects (starts a run): no HEAD */
#define ROUTE_RATE_RECORDS 4	/* key-value store records: their limit */
#define ROUTE_RATE_RUNS 8	/* starts runs, pushes items or queue requests */

struct route {
	const char *pattern;
	unsigned methods;	/* enum http_method bits */
	route_fn fn;
	unsigned flags;
};

/*
 * The route whose pattern matches the path and takes the method (HEAD is
 * taken wherever GET is), with req->params set; NULL when none. *allowed
 * gets the methods of all routes whose pattern matches, for a 405.
 */
const struct route *router_match(const struct route *routes, size_t count,
				 struct req *r, unsigned *allowed);

/* "OPTIONS,GET,POST" style list of the methods in mask. */
void router_methods_string(unsigned mask, char *out, size_t size);

#endif
