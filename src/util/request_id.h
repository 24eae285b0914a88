/*
 * Request ids of request queues, derived from the unique key as the Apify
 * platform and Crawlee derive them: SHA-256 of the key, Base64, with '+',
 * '/' and '=' removed, cut to 15 characters. Crawlee computes the same id
 * on its side and uses it as a cache key, so the two must agree.
 */
#ifndef ACTORD_UTIL_REQUEST_ID_H
#define ACTORD_UTIL_REQUEST_ID_H

#include <stddef.h>

#define REQUEST_ID_LEN 15
#define REQUEST_ID_SIZE (REQUEST_ID_LEN + 1)

void request_id_from_key(const char *unique_key, size_t len,
			 char out[REQUEST_ID_SIZE]);

#endif
