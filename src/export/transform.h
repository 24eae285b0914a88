/*
 * The item transformations of the dataset export, applied to one stored
 * item at a time, in this order: skipFailedPages, fields and omit (omit
 * wins; fields sets the key order; outputFields renames the fields by
 * position), unwind (fields in the order listed), flatten, skipHidden,
 * then skipEmpty. simplified and clean are expanded by the caller into
 * these options before transform_new().
 */
#ifndef ACTORD_EXPORT_TRANSFORM_H
#define ACTORD_EXPORT_TRANSFORM_H

#include <stddef.h>

#include "export/record.h"

/* A list of names from a comma-separated parameter. The strings belong
 * to the code that built the options; transform_new() copies them. */
struct name_list {
	char **names;
	size_t count;
};

struct transform_options {
	struct name_list fields;	/* count 0: every field */
	struct name_list output_fields;	/* renames fields[i]; count 0 or fields.count */
	struct name_list omit;
	struct name_list unwind;
	struct name_list flatten;
	int skip_hidden;
	int skip_empty;
	int skip_failed_pages;
};

struct transform;

/* 1 when the options change nothing, so stored items can be sent as
 * they are. */
int transform_is_identity(const struct transform_options *opt);

struct transform *transform_new(const struct transform_options *opt);
void transform_free(struct transform *t);

/*
 * Parse one stored item (compact JSON text of an object) and call emit
 * for each output record: none when the item is skipped, several when
 * unwind expands an array. Returns 0, the first nonzero value emit
 * returned, or -1 when the stored text is not a JSON object. Memory is
 * reused from item to item: no allocation per item once warm.
 */
int transform_item(struct transform *t, const char *json, size_t len,
		   record_fn emit, void *ctx);

#endif
