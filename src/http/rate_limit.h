/*
 * Request rate limits per user (or client address, without a token) and
 * resource: a token bucket per key that keeps up to one second of
 * requests and refills at the limit's rate, so a client may send `limit`
 * requests in a burst and then `limit` a second.
 */
#ifndef ACTORD_HTTP_RATE_LIMIT_H
#define ACTORD_HTTP_RATE_LIMIT_H

#include <stddef.h>
#include <stdint.h>

void rate_limit_init(void);
void rate_limit_free(void);

/*
 * Take one request for key (len bytes) from its bucket, whose size and
 * refill rate are limit requests per second. Returns 1 when the request
 * may go on, 0 when the bucket is empty. now_ms is time_mono_ms().
 */
int rate_limit_take(const char *key, size_t len, unsigned limit,
		    int64_t now_ms);

#endif
