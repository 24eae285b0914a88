/*
 * Route matching; see router.h. A linear scan over a few dozen patterns
 * costs less than the request's one store query, so no trie.
 */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* 1 if pattern matches the request's segments, capturing into params. */
static int pattern_matches(const char *pattern, struct req *r,
			   const char *params[4])
{
	const char *p = pattern;
	int seg = 0, captured = 0;

	while (*p == '/')
		p++;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (seg >= r->segment_count)
			return 0;
		if (n == 1 && *p == ':') {
			if (captured < 4)
				params[captured++] = r->segments[seg];
		} else if (strlen(r->segments[seg]) != n ||
			   memcmp(r->segments[seg], p, n)) {
			return 0;
		}
		seg++;
		p += n;
		while (*p == '/')
			p++;
	}
	return seg == r->segment_count;
}

const struct route *router_match(const struct route *routes, size_t count,
				 struct req *r, unsigned *allowed)
{
	const struct route *found = NULL;
	int head = r->method == METHOD_HEAD;
	unsigned want = head ? METHOD_GET : r->method;
	size_t i;

	*allowed = 0;
	for (i = 0; i < count; i++) {
		const char *params[4] = { NULL, NULL, NULL, NULL };
		int no_head = (routes[i].flags & ROUTE_NO_HEAD) != 0;

		if (!pattern_matches(routes[i].pattern, r, params))
			continue;
		*allowed |= routes[i].methods;
		if ((routes[i].methods & METHOD_GET) && !no_head)
			*allowed |= METHOD_HEAD;
		if (!found && (routes[i].methods & want) && !(head && no_head)) {
			found = &routes[i];
			memcpy(r->params, params, sizeof(params));
		}
	}
	return found;
}

void router_methods_string(unsigned mask, char *out, size_t size)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ METHOD_GET, "GET" }, { METHOD_HEAD, "HEAD" },
		{ METHOD_POST, "POST" }, { METHOD_PUT, "PUT" },
		{ METHOD_DELETE, "DELETE" },
	};
	size_t i, used;

	used = (size_t)snprintf(out, size, "OPTIONS");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((mask & names[i].bit) && used < size)
			used += (size_t)snprintf(out + used, size - used, ",%s",
						 names[i].name);
}
