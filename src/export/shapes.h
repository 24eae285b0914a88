/*
 * Shapes of stored items, for the column pass of tabular exports
 * (pipeline.c). An item's shape is its compact JSON text with every
 * scalar value replaced by 'v': the keys, the nesting and the array
 * lengths, without the values. The transformations and the column rules
 * look only at those, so two items of the same shape give the same
 * columns and the same number of records. The pass converts an item only
 * when its shape is new. Scraped datasets repeat a few shapes, so most
 * items cost one scan of their text.
 */
#ifndef ACTORD_EXPORT_SHAPES_H
#define ACTORD_EXPORT_SHAPES_H

#include <stddef.h>
#include <stdint.h>

struct shapes;

struct shapes *shapes_new(void);
void shapes_free(struct shapes *sh);

/*
 * Look up the shape of the stored item json (len bytes of compact JSON).
 * Returns 1 with *records set when the shape was added before, or 0 when
 * it is new or unknown (text that is not compact JSON, or a cache that
 * gave up). After a 0 the caller converts the item and may call
 * shapes_add() with the number of records it gave.
 */
int shapes_find(struct shapes *sh, const char *json, size_t len,
		int64_t *records);

/* Remember the shape of the item last passed to shapes_find(). */
void shapes_add(struct shapes *sh, int64_t records);

#endif
