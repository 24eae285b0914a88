/*
 * The xml and rss writers' fast path for untransformed exports: a stored
 * item, the compact JSON text json_items_parse() wrote, becomes its
 * element in one pass over the text, without a parsed tree. It covers
 * items that need none of the tree writer's rarer rules. It gives up on a
 * key "@" or "#", a key with a backslash escape, a repeated top-level key,
 * more than 64 top-level keys, nesting that reaches XML_MAX_DEPTH, and
 * text that is not compact JSON. What it writes is byte for byte what the
 * tree writer (write_xml.c) writes for the same item.
 */
#ifndef ACTORD_EXPORT_XML_STORED_H
#define ACTORD_EXPORT_XML_STORED_H

#include <stddef.h>

#include "util/buf.h"

/* Scratch memory reused from item to item; one per export. */
struct xml_stored;

struct xml_stored *xml_stored_new(void);
void xml_stored_free(struct xml_stored *st);

/*
 * Append the element of the len bytes of stored item json: named row
 * (row_len bytes, a valid name), lying at row_depth, followed by a
 * newline. Returns 0, or -1 when the item needs the tree writer, with
 * out as it was.
 */
int xml_stored_item(struct xml_stored *st, const char *row, size_t row_len,
		    unsigned row_depth, const char *json, size_t len,
		    struct buf *out);

#endif
