/*
 * The columns of a tabular export; see columns.h. A hash table maps each
 * path to its column, so a record costs one lookup per leaf however many
 * columns there are, and the path is built in a buffer kept across records.
 */
#include "export/columns.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hash.h"

#define NOT_FOUND SIZE_MAX

/* One name of a name_set: its bytes are at text.data + off, NUL-terminated. */
struct name {
	size_t off;
	size_t len;
	uint32_t hash;
};

/*
 * Distinct names numbered from 0 in order of insertion, and an open
 * addressing table (linear probing, at most half full) from name to number.
 */
struct name_set {
	struct buf text;
	struct name *names;
	size_t count;
	size_t cap;
	uint32_t *slots;	/* number + 1, or 0 for a free slot */
	size_t mask;		/* slot count - 1, a power of two */
};

/*
 * Memory that columns_row() and columns_name() write through a const
 * struct columns: the path buffer and the column order, which is computed
 * on the first read after columns_add() added columns. So one columns
 * object is read by one thread at a time.
 */
struct scratch {
	struct buf path;
	size_t *order;		/* order[i]: number of the column at position i */
	size_t *position;	/* position[number]: where that column goes */
	size_t *bucket;		/* field_count + 1 counters for the sort */
	size_t ordered;		/* columns that order and position cover */
};

struct columns {
	struct name_set fields;	/* the fields parameter, number = rank */
	struct name_set paths;	/* column names, number = first appearance */
	size_t *ranks;		/* ranks[number]: rank of its top-level key */
	size_t max_len;		/* the longest column name */
	int full;		/* a record had one column too many */
	struct scratch *scratch;
};

/* State of one walk over a record's leaves: the path so far and the visitor. */
struct walk {
	struct buf *path;
	size_t max_len;		/* deeper paths cannot be a column; SIZE_MAX */
	int (*leaf)(struct walk *w, const struct json *leaf);
	const struct columns *cols;
	struct columns *adding;	/* columns_add(): the columns it may change */
	const struct json **cells;	/* columns_row(): its output */
	const char *key;	/* the top-level key being walked */
	size_t key_len;
	size_t rank;		/* rank of key, NOT_FOUND until looked up */
};

static size_t name_set_find(const struct name_set *set, const char *s,
			    size_t len, uint32_t hash)
{
	size_t i;

	if (!set->slots)
		return NOT_FOUND;
	for (i = hash & set->mask; set->slots[i]; i = (i + 1) & set->mask) {
		const struct name *n = &set->names[set->slots[i] - 1];

		if (n->hash == hash && n->len == len &&
		    !memcmp(set->text.data + n->off, s, len))
			return set->slots[i] - 1;
	}
	return NOT_FOUND;
}

static void name_set_place(struct name_set *set, size_t number)
{
	size_t i = set->names[number].hash & set->mask;

	while (set->slots[i])
		i = (i + 1) & set->mask;
	set->slots[i] = (uint32_t)(number + 1);
}

/* Double the slots when the table would be more than half full. */
static void name_set_reserve(struct name_set *set)
{
	size_t slot_count = set->slots ? set->mask + 1 : 64;
	size_t i;

	if (set->slots && 2 * (set->count + 1) <= slot_count)
		return;
	if (set->slots)
		slot_count *= 2;
	free(set->slots);
	set->slots = xcalloc(slot_count, sizeof(*set->slots));
	set->mask = slot_count - 1;
	for (i = 0; i < set->count; i++)
		name_set_place(set, i);
}

/* Add a name that name_set_find() did not find, and return its number. */
static size_t name_set_add(struct name_set *set, const char *s, size_t len,
			   uint32_t hash)
{
	struct name *n;

	name_set_reserve(set);
	if (set->count == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 64;
		set->names = xrealloc(set->names,
				      set->cap * sizeof(*set->names));
	}
	n = &set->names[set->count];
	n->off = set->text.len;
	n->len = len;
	n->hash = hash;
	buf_append(&set->text, s, len);
	buf_putc(&set->text, '\0');
	name_set_place(set, set->count);
	return set->count++;
}

static void name_set_release(struct name_set *set)
{
	buf_release(&set->text);
	free(set->names);
	free(set->slots);
}

struct columns *columns_new(char *const *fields, size_t field_count)
{
	struct columns *c = xcalloc(1, sizeof(*c));
	size_t i;

	for (i = 0; i < field_count; i++) {
		size_t len = strlen(fields[i]);
		uint32_t hash = hash_fnv1a(fields[i], len);

		/* A field named twice keeps the place of its first mention. */
		if (name_set_find(&c->fields, fields[i], len, hash) == NOT_FOUND)
			name_set_add(&c->fields, fields[i], len, hash);
	}

	c->scratch = xcalloc(1, sizeof(*c->scratch));
	if (c->fields.count) {
		c->ranks = xcalloc(COLUMNS_MAX, sizeof(*c->ranks));
		c->scratch->order = xcalloc(COLUMNS_MAX, sizeof(size_t));
		c->scratch->position = xcalloc(COLUMNS_MAX, sizeof(size_t));
		c->scratch->bucket = xcalloc(c->fields.count + 1,
					     sizeof(size_t));
	}
	return c;
}

void columns_free(struct columns *c)
{
	if (!c)
		return;
	name_set_release(&c->fields);
	name_set_release(&c->paths);
	free(c->ranks);
	buf_release(&c->scratch->path);
	free(c->scratch->order);
	free(c->scratch->position);
	free(c->scratch->bucket);
	free(c->scratch);
	free(c);
}

/* Cut the path back to len bytes, keeping buf's NUL terminator. */
static void path_truncate(struct buf *path, size_t len)
{
	path->len = len;
	if (path->data)
		path->data[len] = '\0';
}

static void path_put_index(struct buf *path, size_t index)
{
	char digits[24];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + index % 10);
		index /= 10;
	} while (index);
	buf_append(path, digits + n, sizeof(digits) - n);
}

static int walk_value(struct walk *w, const struct json *v);

static int walk_children(struct walk *w, const struct json *v)
{
	size_t base = w->path->len;
	const struct json *child;
	size_t index = 0;
	int rc = 0;

	for (child = v->child; child && !rc; child = child->next, index++) {
		buf_putc(w->path, '/');
		if (v->type == JSON_OBJECT)
			buf_append(w->path, child->key, child->key_len);
		else
			path_put_index(w->path, index);
		rc = walk_value(w, child);
		path_truncate(w->path, base);
	}
	return rc;
}

/* Visit the leaves of v, whose path is in w->path. Stops at the first
 * nonzero return of w->leaf and returns it. */
static int walk_value(struct walk *w, const struct json *v)
{
	/* Every path below is longer than this one, so none is a column. */
	if (w->path->len > w->max_len)
		return 0;

	switch (v->type) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		return walk_children(w, v);
	default:
		return w->leaf(w, v);
	}
}

static int walk_record(struct walk *w, const struct record *rec)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < rec->count && !rc; i++) {
		const struct record_field *f = &rec->fields[i];

		buf_reset(w->path);
		buf_append(w->path, f->key, f->key_len);
		w->key = f->key;
		w->key_len = f->key_len;
		w->rank = NOT_FOUND;
		rc = walk_value(w, f->value);
	}
	return rc;
}

/* Rank of the top-level key: its index in fields, or after every field. */
static size_t key_rank(const struct walk *w)
{
	const struct name_set *fields = &w->cols->fields;
	size_t rank = name_set_find(fields, w->key, w->key_len,
				    hash_fnv1a(w->key, w->key_len));

	return rank == NOT_FOUND ? fields->count : rank;
}

static int add_leaf(struct walk *w, const struct json *leaf)
{
	struct columns *c = w->adding;
	const char *path = w->path->data;
	size_t len = w->path->len;
	uint32_t hash = hash_fnv1a(path, len);
	size_t number;

	(void)leaf;
	if (name_set_find(&c->paths, path, len, hash) != NOT_FOUND)
		return 0;
	if (c->paths.count == COLUMNS_MAX) {
		c->full = 1;
		return -1;
	}

	number = name_set_add(&c->paths, path, len, hash);
	if (c->ranks) {
		if (w->rank == NOT_FOUND)
			w->rank = key_rank(w);
		c->ranks[number] = w->rank;
	}
	if (len > c->max_len)
		c->max_len = len;
	return 0;
}

int columns_add(struct columns *c, const struct record *rec)
{
	struct walk w = { 0 };

	if (c->full)
		return -1;
	w.path = &c->scratch->path;
	w.max_len = SIZE_MAX;
	w.leaf = add_leaf;
	w.cols = c;
	w.adding = c;
	return walk_record(&w, rec);
}

size_t columns_count(const struct columns *c)
{
	return c->paths.count;
}

/*
 * Order the columns by rank, then by first appearance: a counting sort,
 * linear in the columns and the fields, run once per batch of new columns.
 */
static void order_refresh(const struct columns *c)
{
	struct scratch *s = c->scratch;
	size_t rank_count = c->fields.count + 1;
	size_t next = 0;
	size_t i;

	if (!c->ranks || s->ordered == c->paths.count)
		return;

	memset(s->bucket, 0, rank_count * sizeof(*s->bucket));
	for (i = 0; i < c->paths.count; i++)
		s->bucket[c->ranks[i]]++;
	for (i = 0; i < rank_count; i++) {
		size_t n = s->bucket[i];

		s->bucket[i] = next;
		next += n;
	}
	for (i = 0; i < c->paths.count; i++) {
		size_t pos = s->bucket[c->ranks[i]]++;

		s->order[pos] = i;
		s->position[i] = pos;
	}
	s->ordered = c->paths.count;
}

const char *columns_name(const struct columns *c, size_t i, size_t *len)
{
	const struct name *n;

	order_refresh(c);
	n = &c->paths.names[c->ranks ? c->scratch->order[i] : i];
	if (len)
		*len = n->len;
	return c->paths.text.data + n->off;
}

static int row_leaf(struct walk *w, const struct json *leaf)
{
	const struct columns *c = w->cols;
	const char *path = w->path->data;
	size_t len = w->path->len;
	size_t number = name_set_find(&c->paths, path, len,
				      hash_fnv1a(path, len));

	if (number == NOT_FOUND)
		return 0;
	/* A later leaf on the same path (a repeated key) wins. */
	w->cells[c->ranks ? c->scratch->position[number] : number] = leaf;
	return 0;
}

void columns_row(const struct columns *c, const struct record *rec,
		 const struct json **cells)
{
	struct walk w = { 0 };
	size_t i;

	order_refresh(c);
	for (i = 0; i < c->paths.count; i++)
		cells[i] = NULL;

	w.path = &c->scratch->path;
	w.max_len = c->max_len;
	w.leaf = row_leaf;
	w.cols = c;
	w.cells = cells;
	walk_record(&w, rec);
}
