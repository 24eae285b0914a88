/*
 * The shape cache; see shapes.h. Shapes are kept in one buffer and found
 * through an open-addressing table of their hashes. A hash match is
 * compared byte for byte, so a collision costs a comparison and never
 * gives a wrong result.
 */
#include "export/shapes.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hash.h"
#include "util/json.h"

/* Bounds on memory: past either, new shapes are no longer kept. */
#define MAX_SHAPES 16384
#define MAX_SHAPE_BYTES (4 * 1024 * 1024)

/* Slots in the table, a power of two at least twice MAX_SHAPES. */
#define SLOTS 32768

/*
 * After this many lookups, a cache that found less than one shape in
 * MIN_HIT_SHARE stops: its items rarely repeat a shape, so building
 * shapes would only add work.
 */
#define TRIAL_LOOKUPS 4096
#define MIN_HIT_SHARE 8

struct shape {
	size_t at, len;		/* in shapes.bytes */
	uint32_t hash;
	int64_t records;
};

struct shapes {
	struct shape *list;
	size_t count;
	int32_t *slots;		/* index into list, -1 for empty */
	struct buf bytes;	/* every kept shape, one after another */
	struct buf current;	/* the shape of the last item looked up */
	uint32_t current_hash;
	int current_valid;
	uint64_t lookups, hits;
	int disabled;
};

struct shapes *shapes_new(void)
{
	struct shapes *sh = xcalloc(1, sizeof(*sh));
	size_t i;

	sh->list = xcalloc(MAX_SHAPES, sizeof(*sh->list));
	sh->slots = xmalloc(SLOTS * sizeof(*sh->slots));
	for (i = 0; i < SLOTS; i++)
		sh->slots[i] = -1;
	return sh;
}

void shapes_free(struct shapes *sh)
{
	if (!sh)
		return;
	free(sh->list);
	free(sh->slots);
	buf_release(&sh->bytes);
	buf_release(&sh->current);
	free(sh);
}

/* 1 for a byte that ends a number or a true, false or null literal. */
static int ends_scalar(char c)
{
	return c == ',' || c == '}' || c == ']';
}

/*
 * Build the shape of the len bytes at json into out. Returns 0, or -1 for
 * text that is not compact JSON as far as this scan can tell.
 */
static int build_shape(struct buf *out, const char *json, size_t len)
{
	const char *p = json, *end = json + len, *after;
	int escaped;

	buf_reset(out);
	while (p < end) {
		switch (*p) {
		case '{': case '}': case '[': case ']': case ',': case ':':
			buf_putc(out, *p++);
			break;
		case '"':
			after = json_stored_string_end(p, end, &escaped);
			if (!after)
				return -1;
			/* A key, kept, is followed by ':'. A value is not. */
			if (after < end && *after == ':')
				buf_append(out, p, (size_t)(after - p));
			else
				buf_putc(out, 'v');
			p = after;
			break;
		default:
			if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				return -1;
			while (p < end && !ends_scalar(*p))
				p++;
			buf_putc(out, 'v');
			break;
		}
	}
	return 0;
}

static size_t slot_of(uint32_t hash)
{
	return hash & (SLOTS - 1);
}

int shapes_find(struct shapes *sh, const char *json, size_t len,
		int64_t *records)
{
	const struct shape *s;
	size_t slot;

	sh->current_valid = 0;
	if (sh->disabled)
		return 0;
	if (sh->lookups == TRIAL_LOOKUPS &&
	    sh->hits * MIN_HIT_SHARE < sh->lookups) {
		sh->disabled = 1;
		return 0;
	}
	sh->lookups++;
	if (build_shape(&sh->current, json, len))
		return 0;
	sh->current_hash = hash_fnv1a(sh->current.data, sh->current.len);
	sh->current_valid = 1;

	for (slot = slot_of(sh->current_hash); sh->slots[slot] >= 0;
	     slot = (slot + 1) & (SLOTS - 1)) {
		s = &sh->list[sh->slots[slot]];
		if (s->hash == sh->current_hash && s->len == sh->current.len &&
		    !memcmp(sh->bytes.data + s->at, sh->current.data, s->len)) {
			sh->hits++;
			*records = s->records;
			return 1;
		}
	}
	return 0;
}

void shapes_add(struct shapes *sh, int64_t records)
{
	struct shape *s;
	size_t slot;

	if (!sh->current_valid || sh->count == MAX_SHAPES ||
	    sh->bytes.len + sh->current.len > MAX_SHAPE_BYTES)
		return;
	sh->current_valid = 0;
	s = &sh->list[sh->count];
	s->at = sh->bytes.len;
	s->len = sh->current.len;
	s->hash = sh->current_hash;
	s->records = records;
	buf_append(&sh->bytes, sh->current.data, sh->current.len);

	slot = slot_of(s->hash);
	while (sh->slots[slot] >= 0)
		slot = (slot + 1) & (SLOTS - 1);
	sh->slots[slot] = (int32_t)sh->count++;
}
