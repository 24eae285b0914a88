/*
 * The one-pass xml path of untransformed exports; see xml_stored.h. The
 * walker reads compact JSON (no whitespace, as json_items_parse() stores
 * it) and checks bounds before every byte it reads. On anything outside
 * the common case it returns -1, and the tree writer takes the item.
 */
#include "export/xml_stored.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/xml_text.h"
#include "util/json.h"

/* Items with more top-level keys take the tree writer. */
#define MAX_TOP_KEYS 64

/*
 * An element name: the key's bytes when they form a name already, or else
 * the name made from the key at names.data + at. An offset is kept because
 * names.data moves when the buffer grows.
 */
struct name {
	const char *key;	/* NULL: use names */
	size_t at;
	size_t len;
};

struct xml_stored {
	struct buf names;	/* made-up names, a stack per nesting level */
	struct buf text;	/* a decoded string */
	const char *top_key[MAX_TOP_KEYS];
	size_t top_len[MAX_TOP_KEYS];
};

struct walk {
	struct xml_stored *st;
	struct buf *out;
	const char *p;
	const char *end;
};

struct xml_stored *xml_stored_new(void)
{
	return xcalloc(1, sizeof(struct xml_stored));
}

void xml_stored_free(struct xml_stored *st)
{
	if (!st)
		return;
	buf_release(&st->names);
	buf_release(&st->text);
	free(st);
}

static const char *name_bytes(const struct walk *w, const struct name *n)
{
	return n->key ? n->key : w->st->names.data + n->at;
}

/* Append before, the name n, then after, with one check for room. */
static void put_tag(struct walk *w, const char *before, size_t before_len,
		    const struct name *n, const char *after, size_t after_len)
{
	struct buf *out = w->out;
	char *d;

	buf_grow(out, before_len + n->len + after_len);
	d = out->data + out->len;
	memcpy(d, before, before_len);
	memcpy(d + before_len, name_bytes(w, n), n->len);
	memcpy(d + before_len + n->len, after, after_len);
	out->len += before_len + n->len + after_len;
	out->data[out->len] = '\0';
}

static void open_tag(struct walk *w, const struct name *n)
{
	put_tag(w, "<", 1, n, ">", 1);
}

static void close_tag(struct walk *w, const struct name *n)
{
	put_tag(w, "</", 2, n, ">", 1);
}

/* Length of the number at w->p, whose syntax was checked when stored. */
static size_t number_length(const struct walk *w)
{
	const char *q = w->p;

	while (q < w->end && ((*q >= '0' && *q <= '9') || *q == '-' ||
			      *q == '+' || *q == '.' || *q == 'e' || *q == 'E'))
		q++;
	return (size_t)(q - w->p);
}

static int literal(struct walk *w, const char *word, size_t len)
{
	if ((size_t)(w->end - w->p) < len || memcmp(w->p, word, len))
		return -1;
	w->p += len;
	return 0;
}

/* Append the string literal at w->p as escaped text and move past it. */
static int string_text(struct walk *w)
{
	const char *body = w->p + 1;
	const char *after;
	size_t len;
	int escaped;

	after = json_stored_string_end(w->p, w->end, &escaped);
	if (!after)
		return -1;
	len = (size_t)(after - 1 - body);
	if (escaped) {
		buf_reset(&w->st->text);
		buf_grow(&w->st->text, len);
		len = json_unescape(w->st->text.data, body, len);
		body = w->st->text.data;
	}
	xml_valid_text_put(w->out, body, len, 0);
	w->p = after;
	return 0;
}

static int element(struct walk *w, const struct name *n, unsigned depth);

/*
 * Append the members of the object whose '{' is at w->p, each as an
 * element at depth. At the top level (top set) the keys are collected to
 * find repeated ones.
 */
static int members(struct walk *w, unsigned depth, int top)
{
	size_t names_len = w->st->names.len, keys = 0, i;
	const char *key;
	struct name n;
	int escaped;

	if (++w->p < w->end && *w->p == '}') {
		w->p++;
		return 0;
	}
	for (;;) {
		if (w->p == w->end)
			return -1;
		key = w->p + 1;
		w->p = json_stored_string_end(w->p, w->end, &escaped);
		if (!w->p || escaped || w->p == w->end || *w->p != ':')
			return -1;
		n.len = (size_t)(w->p - 1 - key);
		/* "@" and "#" have rules of their own. */
		if (n.len == 1 && (*key == '@' || *key == '#'))
			return -1;
		if (top) {
			if (keys == MAX_TOP_KEYS)
				return -1;
			for (i = 0; i < keys; i++)
				if (w->st->top_len[i] == n.len &&
				    !memcmp(w->st->top_key[i], key, n.len))
					return -1;
			w->st->top_key[keys] = key;
			w->st->top_len[keys++] = n.len;
		}
		if (xml_name_is_ascii(key, n.len)) {
			n.key = key;
		} else {
			n.key = NULL;
			n.at = w->st->names.len;
			xml_name_put(&w->st->names, key, n.len);
			n.len = w->st->names.len - n.at;
		}
		w->p++;
		if (element(w, &n, depth))
			return -1;
		w->st->names.len = names_len;
		if (w->p < w->end && *w->p == ',') {
			w->p++;
			continue;
		}
		if (w->p < w->end && *w->p == '}') {
			w->p++;
			return 0;
		}
		return -1;
	}
}

/* Append the values of the array at w->p as put_element() does. */
static int array_elements(struct walk *w, const struct name *n,
			  unsigned depth)
{
	if (++w->p < w->end && *w->p == ']') {
		w->p++;
		return 0;
	}
	for (;;) {
		if (w->p == w->end)
			return -1;
		if (*w->p != '[') {
			if (element(w, n, depth))
				return -1;
		} else {
			if (depth >= XML_MAX_DEPTH)
				return -1;
			open_tag(w, n);
			if (element(w, n, depth + 1))
				return -1;
			close_tag(w, n);
		}
		if (w->p < w->end && *w->p == ',') {
			w->p++;
			continue;
		}
		if (w->p < w->end && *w->p == ']') {
			w->p++;
			return 0;
		}
		return -1;
	}
}

/* Append the elements of the value at w->p for the property n, at depth. */
static int element(struct walk *w, const struct name *n, unsigned depth)
{
	size_t len;

	if (w->p == w->end)
		return -1;
	switch (*w->p) {
	case '"':
		open_tag(w, n);
		if (string_text(w))
			return -1;
		close_tag(w, n);
		return 0;
	case '{':
		if (depth >= XML_MAX_DEPTH)
			return -1;
		open_tag(w, n);
		if (members(w, depth + 1, 0))
			return -1;
		close_tag(w, n);
		return 0;
	case '[':
		return array_elements(w, n, depth);
	case 'n':
		put_tag(w, "<", 1, n, "/>", 2);
		return literal(w, "null", 4);
	case 't':
		open_tag(w, n);
		buf_append(w->out, "true", 4);
		close_tag(w, n);
		return literal(w, "true", 4);
	case 'f':
		open_tag(w, n);
		buf_append(w->out, "false", 5);
		close_tag(w, n);
		return literal(w, "false", 5);
	default:
		len = number_length(w);
		if (!len)
			return -1;
		open_tag(w, n);
		buf_append(w->out, w->p, len);
		w->p += len;
		close_tag(w, n);
		return 0;
	}
}

int xml_stored_item(struct xml_stored *st, const char *row, size_t row_len,
		    unsigned row_depth, const char *json, size_t len,
		    struct buf *out)
{
	struct walk w = { st, out, json, json + len };
	struct name n = { row, 0, row_len };
	size_t mark = out->len;

	st->names.len = 0;
	if (len && *json == '{' && row_depth < XML_MAX_DEPTH) {
		open_tag(&w, &n);
		if (!members(&w, row_depth + 1, 1) && w.p == w.end) {
			close_tag(&w, &n);
			buf_putc(out, '\n');
			return 0;
		}
	}
	out->len = mark;
	if (out->data)
		out->data[mark] = '\0';
	return -1;
}
