/*
 * The columns of a tabular export (csv, html, xlsx). Every leaf of a
 * record is a column named by its path, parts joined by '/', array
 * elements by their zero-based index: {"author":{"name":"x"},"tags":["a"]}
 * gives "author/name" and "tags/0". The columns are the union over all
 * records in order of first appearance; with fields given, columns are
 * ordered by the field they come from first, then by first appearance.
 */
#ifndef ACTORD_EXPORT_COLUMNS_H
#define ACTORD_EXPORT_COLUMNS_H

#include <stddef.h>

#include "export/record.h"

/* More columns than this makes the request fail with a 400. */
#define COLUMNS_MAX 2000

struct columns;

/* fields/field_count: the fields parameter in order, or 0 of them. */
struct columns *columns_new(char *const *fields, size_t field_count);
void columns_free(struct columns *c);

/* Add the columns of one record; -1 once there are more than COLUMNS_MAX. */
int columns_add(struct columns *c, const struct record *rec);

size_t columns_count(const struct columns *c);
/* Name of column i, NUL-terminated. */
const char *columns_name(const struct columns *c, size_t i, size_t *len);

/*
 * The cells of one record: cells[i] is the leaf value of column i, or
 * NULL when the record has none (absent). cells has columns_count()
 * entries. A leaf is a null, boolean, number or string node; an empty
 * object or array is absent.
 */
void columns_row(const struct columns *c, const struct record *rec,
		 const struct json **cells);

#endif
