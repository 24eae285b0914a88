/*
 * The html writer: an HTML5 document holding one table, a header row of
 * column names and one row per record. begin() writes everything up to the
 * first row and end() closes the document. The columns come from columns.c.
 */
#include "export/writer.h"

#include <stdlib.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define REPLACEMENT "\xef\xbf\xbd"

static const char document_head[] =
	"<!DOCTYPE html>\n"
	"<html>\n"
	"<head>\n"
	"<meta charset=\"utf-8\"/>\n"
	"<title>Dataset items</title>\n"
	"</head>\n"
	"<body>\n"
	"<table>\n"
	"<thead>\n"
	"<tr>";

static const char document_tail[] =
	"</tbody>\n"
	"</table>\n"
	"</body>\n"
	"</html>\n";

struct html_state {
	const struct columns *cols;
	const struct json **cells;	/* one record's cells, reused */
};

/*
 * The entity for a byte that HTML text cannot hold as it is, or NULL.
 * Control characters other than TAB, LF and CR, and U+FFFE and U+FFFF, are
 * not characters of XML 1.0, and libxml2's HTML parser reports them as
 * errors. No character reference can stand for them either, so they
 * become U+FFFD. The JSON parser already rejected invalid UTF-8.
 */
static const char *escape_byte(const char *s, size_t i, size_t len,
			       size_t *skip)
{
	unsigned char c = (unsigned char)s[i];

	*skip = 1;
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	case 0xef:
		/* U+FFFE and U+FFFF are EF BF BE and EF BF BF. */
		if (i + 2 < len && (unsigned char)s[i + 1] == 0xbf &&
		    ((unsigned char)s[i + 2] & 0xfe) == 0xbe) {
			*skip = 3;
			return REPLACEMENT;
		}
		return NULL;
	default:
		return c < 0x20 ? REPLACEMENT : NULL;
	}
}

static void put_text(struct buf *out, const char *s, size_t len)
{
	size_t i = 0, start = 0;

	while (i < len) {
		size_t skip;
		const char *entity = escape_byte(s, i, len, &skip);

		if (!entity) {
			i++;
			continue;
		}
		buf_append(out, s + start, i - start);
		buf_puts(out, entity);
		i += skip;
		start = i;
	}
	buf_append(out, s + start, len - start);
}

/* Absent and null cells are empty, and numbers keep their source text. */
static void put_value(struct buf *out, const struct json *v)
{
	if (!v)
		return;
	switch (v->type) {
	case JSON_TRUE:
		buf_puts(out, "true");
		break;
	case JSON_FALSE:
		buf_puts(out, "false");
		break;
	case JSON_NUMBER:
	case JSON_STRING:
		put_text(out, v->str, v->len);
		break;
	default:
		break;
	}
}

static void *html_begin(const struct writer_options *opt,
			const struct columns *cols, struct buf *out)
{
	struct html_state *s = xcalloc(1, sizeof(*s));
	size_t count = columns_count(cols);
	size_t i;

	(void)opt;
	s->cols = cols;
	s->cells = xcalloc(count, sizeof(*s->cells));

	buf_append(out, document_head, sizeof(document_head) - 1);
	for (i = 0; i < count; i++) {
		size_t len;
		const char *name = columns_name(cols, i, &len);

		buf_puts(out, "<th>");
		put_text(out, name, len);
		buf_puts(out, "</th>");
	}
	buf_puts(out, "</tr>\n</thead>\n<tbody>\n");
	return s;
}

static int html_record(void *state, const struct record *rec, struct buf *out)
{
	struct html_state *s = state;
	size_t count = columns_count(s->cols);
	size_t i;

	columns_row(s->cols, rec, s->cells);
	buf_puts(out, "<tr>");
	for (i = 0; i < count; i++) {
		buf_puts(out, "<td>");
		put_value(out, s->cells[i]);
		buf_puts(out, "</td>");
	}
	buf_puts(out, "</tr>\n");
	return 0;
}

static void html_abort(void *state)
{
	struct html_state *s = state;

	if (!s)
		return;
	free(s->cells);
	free(s);
}

static int html_end(void *state, struct buf *out)
{
	buf_append(out, document_tail, sizeof(document_tail) - 1);
	html_abort(state);
	return 0;
}

const struct writer writer_html = {
	"html", "text/html; charset=utf-8", "html", 1, 0,
	html_begin, html_record, NULL, html_end, html_abort,
};
