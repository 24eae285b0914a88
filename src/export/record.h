/*
 * One output item of an export: an ordered list of key and value pairs,
 * made by the transformations (transform.c) from a stored item and read by
 * every writer. Nothing is copied: keys and values point into the parsed
 * stored item or into the transformation's arena, and stay valid only
 * while the callback that receives the record runs.
 */
#ifndef ACTORD_EXPORT_RECORD_H
#define ACTORD_EXPORT_RECORD_H

#include <stddef.h>

#include "util/json.h"

struct record_field {
	const char *key;	/* decoded UTF-8, NUL-terminated */
	size_t key_len;
	const struct json *value;
};

struct record {
	const struct record_field *fields;
	size_t count;
};

/* Receives each output record; returns 0 to go on, nonzero to stop. */
typedef int (*record_fn)(void *ctx, const struct record *rec);

#endif
