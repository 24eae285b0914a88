/*
 * SHA-256 (FIPS 180-4) of a byte string in one call. Used where a value
 * must be derived the way the Apify platform derives it, such as request
 * ids from unique keys (store/sqlite_queues.c); not for secrets.
 */
#ifndef ACTORD_UTIL_SHA256_H
#define ACTORD_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

void sha256(const void *data, size_t len,
	    uint8_t digest[SHA256_DIGEST_SIZE]);

#endif
