/*
 * The xml and rss writers: each record becomes one element whose children
 * are its properties, under the rules described before put_element(). The
 * name and escaping rules are in xml_text.h; the writer interface is in
 * writer.h.
 */
#include "export/writer.h"
#include "export/xml_stored.h"
#include "export/xml_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PROLOG "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* The text of a scalar node: nothing for null, numbers as written. */
static void put_scalar(struct buf *out, const struct json *v, int attribute)
{
	switch (v->type) {
	case JSON_NULL:
		break;
	case JSON_FALSE:
		buf_puts(out, "false");
		break;
	case JSON_TRUE:
		buf_puts(out, "true");
		break;
	default:
		xml_valid_text_put(out, v->str, v->len, attribute);
		break;
	}
}

static int is_scalar(const struct json *v)
{
	return v->type != JSON_ARRAY && v->type != JSON_OBJECT;
}

/*
 * The properties of a record or of a JSON object, read in order through
 * members_next(), so one function writes the children of both.
 */
struct members {
	const struct record_field *field;	/* record: the next field */
	size_t fields_left;			/* record */
	const struct json *node;		/* object: the next member */
};

static void members_of_record(struct members *m, const struct record *rec)
{
	m->field = rec->fields;
	m->fields_left = rec->count;
	m->node = NULL;
}

static void members_of_object(struct members *m, const struct json *obj)
{
	m->field = NULL;
	m->fields_left = 0;
	m->node = obj->child;
}

/* Store the next property in *out. Returns 1, or 0 when there is none. */
static int members_next(struct members *m, struct record_field *out)
{
	if (m->fields_left) {
		*out = *m->field++;
		m->fields_left--;
		return 1;
	}
	if (m->node) {
		out->key = m->node->key;
		out->key_len = m->node->key_len;
		out->value = m->node;
		m->node = m->node->next;
		return 1;
	}
	return 0;
}

static int is_key(const struct record_field *f, char c)
{
	return f->key_len == 1 && f->key[0] == c;
}

/* An attribute to write, its name at names.data + name_at. */
struct attribute {
	size_t name_at, name_len;
	const char *name;		/* set once names stops growing */
	const struct json *value;
	size_t order;			/* position among the attributes */
	int replaced;			/* a later one has the same name */
};

static int attribute_name_cmp(const struct attribute *x,
			      const struct attribute *y)
{
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int d = memcmp(x->name, y->name, n);

	if (d)
		return d;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return 0;
}

/* qsort() order of attribute pointers: by name, then by position. */
static int attribute_cmp(const void *a, const void *b)
{
	const struct attribute *x = *(const struct attribute *const *)a;
	const struct attribute *y = *(const struct attribute *const *)b;
	int d = attribute_name_cmp(x, y);

	if (d)
		return d;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Mark every attribute that a later one with the same name replaces,
 * because XML forbids repeating an attribute. Names repeat when the "@"
 * object repeats a key, when two keys give the same name ("a b" and "a:b"),
 * or when an element has two "@" properties. The last one wins, as it does
 * for json_get().
 */
static void attributes_mark_replaced(struct attribute *attrs, size_t count)
{
	struct attribute **sorted;
	size_t i;

	if (count < 2)
		return;
	sorted = xmalloc(count * sizeof(*sorted));
	for (i = 0; i < count; i++)
		sorted[i] = &attrs[i];
	qsort(sorted, count, sizeof(*sorted), attribute_cmp);
	for (i = 0; i + 1 < count; i++)
		if (!attribute_name_cmp(sorted[i], sorted[i + 1]))
			sorted[i]->replaced = 1;
	free(sorted);
}

/* Append the compact JSON text of v, escaped as text. */
static void put_json_text(struct buf *out, const struct json *v,
			  int attribute)
{
	struct buf json = BUF_INIT;

	json_write(&json, v);
	xml_valid_text_put(out, json.data, json.len, attribute);
	buf_release(&json);
}

/*
 * An attribute value: a scalar as in text, null as the empty string, an
 * object or array as its compact JSON text, since an attribute cannot hold
 * elements.
 */
static void put_attribute_value(struct buf *out, const struct json *v)
{
	if (is_scalar(v))
		put_scalar(out, v, 1);
	else
		put_json_text(out, v, 1);
}

/*
 * Append ' name="value"' for each member of every "@" property of m whose
 * value is an object. Attribute names follow xml_name_put(), except that an
 * attribute named "xmlns" is written as "_xmlns", because it would
 * otherwise declare a default namespace and move the element and its
 * children into it.
 */
static void put_attributes(struct buf *out, struct members m)
{
	struct buf names = BUF_INIT;
	struct attribute *attrs = NULL, *a;
	size_t count = 0, cap = 0, i;
	struct record_field f;
	const struct json *member;

	while (members_next(&m, &f)) {
		if (!is_key(&f, '@') || f.value->type != JSON_OBJECT)
			continue;
		for (member = f.value->child; member; member = member->next) {
			if (count == cap) {
				cap = cap ? 2 * cap : 8;
				attrs = xrealloc(attrs, cap * sizeof(*attrs));
			}
			a = &attrs[count];
			a->name_at = names.len;
			if (member->key_len == 5 && !memcmp(member->key, "xmlns", 5))
				buf_putc(&names, '_');
			xml_name_put(&names, member->key, member->key_len);
			a->name_len = names.len - a->name_at;
			a->value = member;
			a->order = count;
			a->replaced = 0;
			count++;
		}
	}
	if (!count)
		return;

	for (i = 0; i < count; i++)
		attrs[i].name = names.data + attrs[i].name_at;
	attributes_mark_replaced(attrs, count);

	for (i = 0; i < count; i++) {
		if (attrs[i].replaced)
			continue;
		buf_putc(out, ' ');
		buf_append(out, attrs[i].name, attrs[i].name_len);
		buf_puts(out, "=\"");
		put_attribute_value(out, attrs[i].value);
		buf_putc(out, '"');
	}
	free(attrs);
	buf_release(&names);
}

static void put_element(struct buf *out, const char *key, size_t key_len,
			const struct json *v, unsigned depth);

/* Append the children of an element, which lie at depth. */
static void put_children(struct buf *out, struct members m, unsigned depth)
{
	struct record_field f;

	while (members_next(&m, &f)) {
		if (is_key(&f, '@') && f.value->type == JSON_OBJECT)
			continue;
		if (is_key(&f, '#') && is_scalar(f.value))
			put_scalar(out, f.value, 0);
		else
			put_element(out, f.key, f.key_len, f.value, depth);
	}
}

static void put_open_tag(struct buf *out, const char *key, size_t key_len)
{
	buf_putc(out, '<');
	xml_name_put(out, key, key_len);
	buf_putc(out, '>');
}

static void put_close_tag(struct buf *out, const char *key, size_t key_len)
{
	buf_puts(out, "</");
	xml_name_put(out, key, key_len);
	buf_putc(out, '>');
}

/*
 * Append the element of a record or an object, which lies at depth:
 * attributes, then children.
 */
static void put_container(struct buf *out, const char *key, size_t key_len,
			  struct members m, unsigned depth)
{
	buf_putc(out, '<');
	xml_name_put(out, key, key_len);
	put_attributes(out, m);
	buf_putc(out, '>');
	put_children(out, m, depth + 1);
	put_close_tag(out, key, key_len);
}

/*
 * Append the elements of the property key whose value is v, named by
 * xml_name_put():
 *
 *   null            <key/>
 *   true, false     <key>true</key>
 *   number          <key>1.50</key>, the number exactly as written
 *   string          <key>escaped text</key>, and <key></key> when empty
 *   object          <key attributes>children</key>, where a member "@"
 *                   whose value is an object gives the attributes, a member
 *                   "#" whose value is a scalar gives text at its place
 *                   among the children, and every other member is a child
 *   array           one element named key per value, none when empty
 *   nested array    a value that is itself an array becomes one <key>
 *                   holding its values the same way, so {"a":[[1,2],3]}
 *                   gives <a><a>1</a><a>2</a></a><a>3</a>
 *
 * An "@" that is not an object and a "#" that is not a scalar are ordinary
 * properties, and the name rule turns both keys into "_". The elements lie
 * at depth; at XML_MAX_DEPTH an object or nested array is written as
 * <key>compact JSON text</key>, "@" and "#" members included. Recursion is
 * bounded because the parser rejects nesting deeper than JSON_MAX_DEPTH.
 */
static void put_element(struct buf *out, const char *key, size_t key_len,
			const struct json *v, unsigned depth)
{
	struct members m;
	const struct json *c;

	switch (v->type) {
	case JSON_NULL:
		buf_putc(out, '<');
		xml_name_put(out, key, key_len);
		buf_puts(out, "/>");
		break;
	case JSON_ARRAY:
		for (c = v->child; c; c = c->next) {
			if (c->type != JSON_ARRAY) {
				put_element(out, key, key_len, c, depth);
				continue;
			}
			put_open_tag(out, key, key_len);
			if (depth < XML_MAX_DEPTH)
				put_element(out, key, key_len, c, depth + 1);
			else
				put_json_text(out, c, 0);
			put_close_tag(out, key, key_len);
		}
		break;
	case JSON_OBJECT:
		if (depth < XML_MAX_DEPTH) {
			members_of_object(&m, v);
			put_container(out, key, key_len, m, depth);
			break;
		}
		put_open_tag(out, key, key_len);
		put_json_text(out, v, 0);
		put_close_tag(out, key, key_len);
		break;
	default:
		put_open_tag(out, key, key_len);
		put_scalar(out, v, 0);
		put_close_tag(out, key, key_len);
		break;
	}
}

/*
 * Per-export state. Both strings are copies, so the options need not
 * outlive begin().
 */
struct xml_state {
	char *row;		/* the element of one record, a valid name */
	size_t row_len;
	unsigned row_depth;	/* 2 under <items>, 3 under <rss><channel> */
	char *close;		/* what end() appends */
	struct xml_stored *stored;	/* the one-pass path */
};

/*
 * Make a state whose record element is row. The pipeline has already
 * checked the names from the request with xml_name_valid(). Passing them
 * through xml_name_put() again keeps the output well-formed for a caller
 * that did not.
 */
static struct xml_state *state_new(const char *row, unsigned row_depth)
{
	struct xml_state *s = xcalloc(1, sizeof(*s));
	struct buf name = BUF_INIT;

	xml_name_put(&name, row, strlen(row));
	s->row = buf_detach(&name, &s->row_len);
	s->row_depth = row_depth;
	s->stored = xml_stored_new();
	return s;
}

static void *xml_begin(const struct writer_options *opt,
		       const struct columns *cols, struct buf *out)
{
	const char *root = opt->xml_root ? opt->xml_root : "items";
	struct xml_state *s = state_new(opt->xml_row ? opt->xml_row : "item", 2);
	struct buf close = BUF_INIT;

	(void)cols;
	buf_puts(out, PROLOG);
	put_open_tag(out, root, strlen(root));
	buf_putc(out, '\n');

	put_close_tag(&close, root, strlen(root));
	buf_putc(&close, '\n');
	s->close = buf_detach(&close, NULL);
	return s;
}

static void put_channel_field(struct buf *out, const char *tag,
			      const char *text)
{
	if (!text)
		text = "";
	buf_printf(out, "<%s>", tag);
	xml_text_put(out, text, strlen(text), 0);
	buf_printf(out, "</%s>\n", tag);
}

static void *rss_begin(const struct writer_options *opt,
		       const struct columns *cols, struct buf *out)
{
	struct xml_state *s = state_new("item", 3);

	(void)cols;
	buf_puts(out, PROLOG "<rss version=\"2.0\">\n<channel>\n");
	put_channel_field(out, "title", opt->feed_title);
	put_channel_field(out, "link", opt->feed_link);
	put_channel_field(out, "description", opt->feed_description);
	s->close = xstrdup("</channel>\n</rss>\n");
	return s;
}

/* One record as one line: <row attributes>children</row>. */
static int xml_record(void *state, const struct record *rec, struct buf *out)
{
	struct xml_state *s = state;
	struct members m;

	members_of_record(&m, rec);
	put_container(out, s->row, s->row_len, m, s->row_depth);
	buf_putc(out, '\n');
	return 0;
}

static int xml_stored_record(void *state, const char *json, size_t len,
			     struct buf *out)
{
	struct xml_state *s = state;

	return xml_stored_item(s->stored, s->row, s->row_len, s->row_depth,
			       json, len, out);
}

static void xml_abort(void *state)
{
	struct xml_state *s = state;

	xml_stored_free(s->stored);
	free(s->row);
	free(s->close);
	free(s);
}

static int xml_end(void *state, struct buf *out)
{
	struct xml_state *s = state;

	buf_puts(out, s->close);
	xml_abort(s);
	return 0;
}

const struct writer writer_xml = {
	"xml", "application/xml; charset=utf-8", "xml", 0, 0,
	xml_begin, xml_record, xml_stored_record, xml_end, xml_abort,
};

const struct writer writer_rss = {
	"rss", "application/rss+xml; charset=utf-8", "rss", 0, 0,
	rss_begin, xml_record, xml_stored_record, xml_end, xml_abort,
};
