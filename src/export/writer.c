/*
 * The json and jsonl writers, and the table of every format. These two
 * writers run only when a transformation changed the items; untransformed
 * items go out as their stored bytes (pipeline.c).
 */
#include "export/writer.h"

#include <stdlib.h>
#include <string.h>

struct json_state {
	int jsonl;
	size_t written;		/* records so far, for the commas */
};

static void write_record(const struct record *rec, struct buf *out)
{
	size_t i;

	buf_putc(out, '{');
	for (i = 0; i < rec->count; i++) {
		if (i)
			buf_putc(out, ',');
		buf_put_json_string(out, rec->fields[i].key,
				    rec->fields[i].key_len);
		buf_putc(out, ':');
		json_write(out, rec->fields[i].value);
	}
	buf_putc(out, '}');
}

static void *json_begin(const struct writer_options *opt,
			const struct columns *cols, struct buf *out)
{
	struct json_state *s = xcalloc(1, sizeof(*s));

	(void)opt;
	(void)cols;
	buf_putc(out, '[');
	return s;
}

static void *jsonl_begin(const struct writer_options *opt,
			 const struct columns *cols, struct buf *out)
{
	struct json_state *s = xcalloc(1, sizeof(*s));

	(void)opt;
	(void)cols;
	(void)out;
	s->jsonl = 1;
	return s;
}

static int json_record(void *state, const struct record *rec, struct buf *out)
{
	struct json_state *s = state;

	if (!s->jsonl && s->written)
		buf_putc(out, ',');
	write_record(rec, out);
	if (s->jsonl)
		buf_putc(out, '\n');
	s->written++;
	return 0;
}

static int json_end(void *state, struct buf *out)
{
	struct json_state *s = state;

	if (!s->jsonl)
		buf_putc(out, ']');
	free(s);
	return 0;
}

static void json_abort(void *state)
{
	free(state);
}

const struct writer writer_json = {
	"json", "application/json; charset=utf-8", "json", 0, 0,
	json_begin, json_record, NULL, json_end, json_abort,
};

const struct writer writer_jsonl = {
	"jsonl", "application/jsonl; charset=utf-8", "jsonl", 0, 0,
	jsonl_begin, json_record, NULL, json_end, json_abort,
};

static const struct writer *const writers[] = {
	&writer_json, &writer_jsonl, &writer_csv, &writer_html, &writer_xlsx,
	&writer_xml, &writer_rss,
};

const struct writer *writer_find(const char *format)
{
	size_t i;

	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(writers[i]->format, format))
			return writers[i];
	return NULL;
}

void writer_format_list(struct buf *out)
{
	size_t i;

	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		buf_printf(out, "%s%s", i ? ", " : "", writers[i]->format);
}
