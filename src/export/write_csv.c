/*
 * The csv writer: a header row of column names, then one row per record,
 * rows ending in LF. The pipeline adds the UTF-8 BOM, and the columns
 * come from columns.c.
 */
#include "export/writer.h"

#include <stdlib.h>

struct csv_state {
	const struct columns *cols;
	const struct json **cells;	/* one record's cells, reused */
	char delimiter;
};

/* Quote a cell that contains the delimiter, a double quote, CR or LF,
 * doubling its double quotes. */
static void put_cell(struct buf *out, const char *s, size_t len, char delimiter)
{
	size_t i, start = 0;
	int quote = 0;

	for (i = 0; i < len && !quote; i++)
		quote = s[i] == delimiter || s[i] == '"' || s[i] == '\r' ||
			s[i] == '\n';
	if (!quote) {
		buf_append(out, s, len);
		return;
	}

	buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		if (s[i] != '"')
			continue;
		buf_append(out, s + start, i + 1 - start);
		buf_putc(out, '"');
		start = i + 1;
	}
	buf_append(out, s + start, len - start);
	buf_putc(out, '"');
}

/* Absent and null cells are empty, and numbers keep their source text. */
static void put_value(struct buf *out, const struct json *v, char delimiter)
{
	if (!v)
		return;
	switch (v->type) {
	case JSON_TRUE:
		put_cell(out, "true", 4, delimiter);
		break;
	case JSON_FALSE:
		put_cell(out, "false", 5, delimiter);
		break;
	case JSON_NUMBER:
	case JSON_STRING:
		put_cell(out, v->str, v->len, delimiter);
		break;
	default:
		break;
	}
}

/*
 * With no columns at all (every record empty) the output is empty,
 * because a header line or row lines would each read as one empty cell of
 * a column that does not exist.
 */
static void *csv_begin(const struct writer_options *opt,
		       const struct columns *cols, struct buf *out)
{
	struct csv_state *s = xcalloc(1, sizeof(*s));
	size_t count = columns_count(cols);
	size_t i;

	s->cols = cols;
	s->delimiter = opt->delimiter;
	s->cells = xcalloc(count, sizeof(*s->cells));
	if (opt->skip_header_row || !count)
		return s;

	for (i = 0; i < count; i++) {
		size_t len;
		const char *name = columns_name(cols, i, &len);

		if (i)
			buf_putc(out, s->delimiter);
		put_cell(out, name, len, s->delimiter);
	}
	buf_putc(out, '\n');
	return s;
}

static int csv_record(void *state, const struct record *rec, struct buf *out)
{
	struct csv_state *s = state;
	size_t count = columns_count(s->cols);
	size_t i;

	if (!count)
		return 0;
	columns_row(s->cols, rec, s->cells);
	for (i = 0; i < count; i++) {
		if (i)
			buf_putc(out, s->delimiter);
		put_value(out, s->cells[i], s->delimiter);
	}
	buf_putc(out, '\n');
	return 0;
}

static void csv_abort(void *state)
{
	struct csv_state *s = state;

	if (!s)
		return;
	free(s->cells);
	free(s);
}

static int csv_end(void *state, struct buf *out)
{
	(void)out;
	csv_abort(state);
	return 0;
}

const struct writer writer_csv = {
	"csv", "text/csv; charset=utf-8", "csv", 1, 1,
	csv_begin, csv_record, NULL, csv_end, csv_abort,
};
