/*
 * FNV-1a, 32 bits: the string hash of actord's hash tables. It is not
 * seeded, so keys crafted to collide make a table's lookups linear.
 */
#ifndef ACTORD_UTIL_HASH_H
#define ACTORD_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t hash_fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

#endif
