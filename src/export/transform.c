/*
 * The item transformations of transform.h. Each stage builds its record
 * in a field array, hash table and key buffer that are kept from item to
 * item, so a warm transform allocates nothing. record.h describes records.
 */
#include "export/transform.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hash.h"
#include "util/json.h"

#define NO_INDEX SIZE_MAX

/* A slot of a key_table: the key, the index it maps to, the key's hash. */
struct key_slot {
	const char *key;
	size_t len;
	size_t value;
	uint32_t hash;
	uint32_t stamp;
};

/*
 * Open addressing hash table from a key to an index. A slot is in use
 * only while its stamp equals the table's, so clearing the table is one
 * increment. Keys are not copied and must outlive their slots.
 */
struct key_table {
	struct key_slot *slots;
	size_t mask;		/* slot count (a power of two) - 1 */
	size_t count;
	uint32_t stamp;
};

struct field_vec {
	struct record_field *v;
	size_t count;
	size_t cap;
};

/* One entry of the fields option that omit leaves in place. */
struct pick {
	const char *name;	/* the item's key */
	const char *out;	/* the output key, name unless renamed */
	size_t out_len;
	size_t next_same;	/* next pick with the same name, or NO_INDEX */
	const struct json *value;	/* this item's member, or NULL */
};

struct transform {
	int skip_failed_pages;
	int skip_hidden;
	int skip_empty;

	int picking;		/* the fields option is set */
	struct pick *picks;
	size_t pick_count;
	struct key_table pick_names;	/* name -> its first pick */
	struct key_table omit_names;
	struct key_table flatten_names;
	const char **unwind;
	size_t *unwind_len;
	size_t unwind_count;

	/* Copies of the option strings, so the caller may free the options. */
	char **names;
	size_t name_count;

	/*
	 * Per item, reused. levels[0] is the record after fields and omit,
	 * levels[i + 1] the record after unwind step i, and final the record
	 * after flatten and skipHidden.
	 */
	struct json_doc *doc;
	struct field_vec *levels;

	/* Per unwind step: the record it read, the field's index, and the
	 * array element to expand next (NULL when none is left). */
	const struct field_vec **unwind_in;
	size_t *unwind_key;
	const struct json **unwind_next;

	struct field_vec final;
	struct key_table seen;		/* keys of the record being made */
	struct key_table lookup;	/* keys of a record unwind reads */
	struct buf keys;		/* dotted keys of flatten */
	struct buf path;		/* dotted prefix while flattening */
	record_fn emit;
	void *ctx;
};

static void key_table_clear(struct key_table *kt)
{
	kt->count = 0;
	if (++kt->stamp == 0) {
		/* The stamp wrapped: old slots could look current again. */
		if (kt->slots)
			memset(kt->slots, 0,
			       (kt->mask + 1) * sizeof(*kt->slots));
		kt->stamp = 1;
	}
}

static void key_table_release(struct key_table *kt)
{
	free(kt->slots);
	memset(kt, 0, sizeof(*kt));
}

/* The slot that contains key, or the free slot where it would go. */
static struct key_slot *key_table_slot(const struct key_table *kt,
				       const char *key, size_t len,
				       uint32_t hash)
{
	size_t i = hash & kt->mask;
	struct key_slot *slot;

	for (;;) {
		slot = &kt->slots[i];
		if (slot->stamp != kt->stamp)
			return slot;
		if (slot->hash == hash && slot->len == len &&
		    memcmp(slot->key, key, len) == 0)
			return slot;
		i = (i + 1) & kt->mask;
	}
}

/* Double the slot count (16 at first) and place the keys again. */
static void key_table_grow(struct key_table *kt)
{
	struct key_table old = *kt;
	struct key_slot *slot;
	size_t i, cap = old.slots ? 2 * (old.mask + 1) : 16;

	kt->slots = xcalloc(cap, sizeof(*kt->slots));
	kt->mask = cap - 1;
	kt->stamp = 1;
	for (i = 0; old.slots && i <= old.mask; i++) {
		if (old.slots[i].stamp != old.stamp)
			continue;
		slot = key_table_slot(kt, old.slots[i].key, old.slots[i].len,
				      old.slots[i].hash);
		*slot = old.slots[i];
		slot->stamp = kt->stamp;
	}
	free(old.slots);
}

/*
 * Map key to value unless it is mapped already. Returns the value the key
 * maps to afterwards: value when it was new, the earlier one otherwise.
 */
static size_t key_table_add(struct key_table *kt, const char *key,
			    size_t len, size_t value)
{
	uint32_t hash = hash_fnv1a(key, len);
	struct key_slot *slot;

	if (2 * (kt->count + 1) > (kt->slots ? kt->mask + 1 : 0))
		key_table_grow(kt);
	slot = key_table_slot(kt, key, len, hash);
	if (slot->stamp == kt->stamp)
		return slot->value;
	slot->key = key;
	slot->len = len;
	slot->value = value;
	slot->hash = hash;
	slot->stamp = kt->stamp;
	kt->count++;
	return value;
}

/* The value key maps to, or NO_INDEX. */
static size_t key_table_find(const struct key_table *kt, const char *key,
			     size_t len)
{
	const struct key_slot *slot;

	if (!kt->count)
		return NO_INDEX;
	slot = key_table_slot(kt, key, len, hash_fnv1a(key, len));
	return slot->stamp == kt->stamp ? slot->value : NO_INDEX;
}

static void vec_reserve(struct field_vec *vec, size_t extra)
{
	size_t cap = vec->cap ? vec->cap : 16;

	if (vec->count + extra <= vec->cap)
		return;
	while (cap < vec->count + extra)
		cap *= 2;
	vec->v = xrealloc(vec->v, cap * sizeof(*vec->v));
	vec->cap = cap;
}

static void vec_push(struct field_vec *vec, const char *key, size_t len,
		     const struct json *value)
{
	struct record_field *field;

	vec_reserve(vec, 1);
	field = &vec->v[vec->count++];
	field->key = key;
	field->key_len = len;
	field->value = value;
}

/* Start building a record with record_put() into out. */
static void record_begin(struct transform *t, struct field_vec *out)
{
	out->count = 0;
	key_table_clear(&t->seen);
}

/*
 * Set key to value the way assigning to a JavaScript object does: a new
 * key is appended, a key already in the record keeps its position and
 * takes the new value. Output records thus never repeat a key.
 */
static void record_put(struct transform *t, struct field_vec *out,
		       const char *key, size_t len, const struct json *value)
{
	size_t i = key_table_add(&t->seen, key, len, out->count);

	if (i == out->count)
		vec_push(out, key, len, value);
	else
		out->v[i].value = value;
}

/* Index of the field named key, or NO_INDEX. Keys are unique in a record. */
static size_t record_find(const struct field_vec *rec, const char *key,
			  size_t len)
{
	size_t i;

	for (i = 0; i < rec->count; i++)
		if (rec->v[i].key_len == len &&
		    memcmp(rec->v[i].key, key, len) == 0)
			return i;
	return NO_INDEX;
}

static int has_error_info(const struct json *root)
{
	const struct json *m;

	for (m = root->child; m; m = m->next)
		if (m->key_len == 9 && memcmp(m->key, "errorInfo", 9) == 0)
			return 1;
	return 0;
}

/*
 * The fields option: each pick takes the last member of its name, then
 * the picks are put in the order listed, so two picks renamed to the same
 * output key give one field.
 */
static void select_picked(struct transform *t, const struct json *root,
			  struct field_vec *out)
{
	const struct json *m;
	size_t i;

	for (i = 0; i < t->pick_count; i++)
		t->picks[i].value = NULL;
	for (m = root->child; m; m = m->next) {
		i = key_table_find(&t->pick_names, m->key, m->key_len);
		for (; i != NO_INDEX; i = t->picks[i].next_same)
			t->picks[i].value = m;
	}

	record_begin(t, out);
	for (i = 0; i < t->pick_count; i++)
		if (t->picks[i].value)
			record_put(t, out, t->picks[i].out, t->picks[i].out_len,
				   t->picks[i].value);
}

/*
 * The first record of an item: its members in order, each key once with
 * the last value, after fields and omit.
 */
static void select_fields(struct transform *t, const struct json *root,
			  struct field_vec *out)
{
	const struct json *m;

	if (t->picking) {
		select_picked(t, root, out);
		return;
	}

	record_begin(t, out);
	for (m = root->child; m; m = m->next) {
		if (key_table_find(&t->omit_names, m->key, m->key_len) !=
		    NO_INDEX)
			continue;
		record_put(t, out, m->key, m->key_len, m);
	}
}

/* Object.assign({}, in without field skip, obj) into out. */
static void merge_object(struct transform *t, struct field_vec *out,
			 const struct field_vec *in, size_t skip,
			 const struct json *obj)
{
	const struct json *m;
	size_t i;

	record_begin(t, out);
	vec_reserve(out, in->count + obj->count);
	for (i = 0; i < in->count; i++)
		if (i != skip)
			record_put(t, out, in->v[i].key, in->v[i].key_len,
				   in->v[i].value);
	for (m = obj->child; m; m = m->next)
		record_put(t, out, m->key, m->key_len, m);
}

/*
 * One array element of unwind: an object is merged, anything else takes
 * the place of the array in the record.
 */
static void unwind_element(struct transform *t, struct field_vec *out,
			   const struct field_vec *in, size_t at,
			   const struct json *element)
{
	if (element->type == JSON_OBJECT) {
		merge_object(t, out, in, at, element);
		return;
	}
	out->count = 0;
	vec_reserve(out, in->count);
	memcpy(out->v, in->v, in->count * sizeof(*in->v));
	out->count = in->count;
	out->v[at].value = element;
}

static void copy_without(struct field_vec *out, const struct field_vec *in,
			 size_t skip)
{
	out->count = 0;
	vec_reserve(out, in->count);
	memcpy(out->v, in->v, skip * sizeof(*in->v));
	memcpy(out->v + skip, in->v + skip + 1,
	       (in->count - skip - 1) * sizeof(*in->v));
	out->count = in->count - 1;
}

/* Bytes of the dotted keys, NULs included, that flattening obj adds. */
static size_t flat_key_bytes(const struct json *obj, size_t prefix_len)
{
	const struct json *m;
	size_t len, total = 0;

	for (m = obj->child; m; m = m->next) {
		len = prefix_len + 1 + m->key_len;
		if (m->type == JSON_OBJECT && m->count)
			total += flat_key_bytes(m, len);
		else
			total += len + 1;
	}
	return total;
}

/*
 * Put the leaves of obj under t->path plus their dotted names. t->keys has
 * room for every key already (flat_key_bytes), so writing never moves it
 * and the keys put before stay valid. Nesting is at most JSON_MAX_DEPTH.
 */
static void flatten_object(struct transform *t, struct field_vec *out,
			   const struct json *obj)
{
	size_t mark = t->path.len;
	const struct json *m;
	char *key;

	for (m = obj->child; m; m = m->next) {
		t->path.len = mark;
		buf_putc(&t->path, '.');
		buf_append(&t->path, m->key, m->key_len);
		if (m->type == JSON_OBJECT && m->count) {
			flatten_object(t, out, m);
			continue;
		}
		key = t->keys.data + t->keys.len;
		memcpy(key, t->path.data, t->path.len);
		key[t->path.len] = '\0';
		t->keys.len += t->path.len + 1;
		record_put(t, out, key, t->path.len, m);
	}
	t->path.len = mark;
}

static int is_flattened(const struct transform *t,
			const struct record_field *f)
{
	return f->value->type == JSON_OBJECT && f->value->count &&
	       key_table_find(&t->flatten_names, f->key, f->key_len) !=
	       NO_INDEX;
}

/* The flatten option, from in into t->final. */
static void flatten_record(struct transform *t, const struct field_vec *in)
{
	const struct record_field *f;
	size_t i, need = 0;

	for (i = 0; i < in->count; i++)
		if (is_flattened(t, &in->v[i]))
			need += flat_key_bytes(in->v[i].value,
					       in->v[i].key_len);
	buf_reset(&t->keys);
	buf_grow(&t->keys, need);

	record_begin(t, &t->final);
	for (i = 0; i < in->count; i++) {
		f = &in->v[i];
		if (!is_flattened(t, f)) {
			record_put(t, &t->final, f->key, f->key_len, f->value);
			continue;
		}
		buf_reset(&t->path);
		buf_append(&t->path, f->key, f->key_len);
		flatten_object(t, &t->final, f->value);
	}
}

/* The skipHidden option, from in into t->final, which may be in. */
static void drop_hidden(struct transform *t, const struct field_vec *in)
{
	size_t i, n = 0;

	if (in != &t->final) {
		t->final.count = 0;
		vec_reserve(&t->final, in->count);
	}
	for (i = 0; i < in->count; i++)
		if (in->v[i].key[0] != '#')
			t->final.v[n++] = in->v[i];
	t->final.count = n;
}

/* The stages after unwind, then the output of one record. */
static int finish_record(struct transform *t, const struct field_vec *in)
{
	const struct field_vec *rec = in;
	struct record out;

	if (t->flatten_names.count) {
		flatten_record(t, rec);
		rec = &t->final;
	}
	if (t->skip_hidden) {
		drop_hidden(t, rec);
		rec = &t->final;
	}
	if (t->skip_empty && rec->count == 0)
		return 0;

	out.fields = rec->v;
	out.count = rec->count;
	return t->emit(t->ctx, &out);
}

/*
 * Index of the field that unwind step unwinds in rec. A wide record that
 * several steps read unchanged goes into t->lookup once, so unwind names
 * absent from it cost one pass over its keys, not one pass each. *indexed
 * is 1 when t->lookup contains rec already.
 */
static size_t unwind_find(struct transform *t, const struct field_vec *rec,
			  size_t step, int *indexed)
{
	const char *key = t->unwind[step];
	size_t i, len = t->unwind_len[step];

	if (rec->count < 16 || step + 1 == t->unwind_count)
		return record_find(rec, key, len);
	if (!*indexed) {
		key_table_clear(&t->lookup);
		for (i = 0; i < rec->count; i++)
			key_table_add(&t->lookup, rec->v[i].key,
				      rec->v[i].key_len, i);
		*indexed = 1;
	}
	return key_table_find(&t->lookup, key, len);
}

/*
 * Run the unwind steps from step on over in. An array expands to its
 * first element here, and t->unwind_next keeps the step's next element
 * for unwind_all(). Returns the record after the last step.
 */
static const struct field_vec *unwind_down(struct transform *t, size_t step,
					   const struct field_vec *in)
{
	const struct json *value;
	struct field_vec *out;
	int indexed = 0;
	size_t at;

	for (; step < t->unwind_count; step++) {
		t->unwind_next[step] = NULL;
		t->unwind_in[step] = in;
		at = unwind_find(t, in, step, &indexed);
		if (at == NO_INDEX)
			continue;

		value = in->v[at].value;
		out = &t->levels[step + 1];
		if (value->type == JSON_OBJECT) {
			merge_object(t, out, in, at, value);
		} else if (value->type != JSON_ARRAY) {
			continue;
		} else if (!value->count) {
			copy_without(out, in, at);
		} else {
			t->unwind_key[step] = at;
			t->unwind_next[step] = value->child->next;
			unwind_element(t, out, in, at, value->child);
		}
		in = out;
		indexed = 0;
	}
	return in;
}

/*
 * The unwind option, depth first, so each step keeps one record at a
 * time. After each output record, the deepest step with array elements
 * left expands the next one and the steps after it run again, which gives
 * the records in the order of the arrays' elements.
 */
static int unwind_all(struct transform *t)
{
	const struct field_vec *rec = unwind_down(t, 0, &t->levels[0]);
	const struct json *element;
	size_t step;
	int rc;

	for (;;) {
		rc = finish_record(t, rec);
		if (rc)
			return rc;

		step = t->unwind_count;
		while (step > 0 && !t->unwind_next[step - 1])
			step--;
		if (step == 0)
			return 0;

		step--;
		element = t->unwind_next[step];
		t->unwind_next[step] = element->next;
		unwind_element(t, &t->levels[step + 1], t->unwind_in[step],
			       t->unwind_key[step], element);
		rec = unwind_down(t, step + 1, &t->levels[step + 1]);
	}
}

int transform_item(struct transform *t, const char *json, size_t len,
		   record_fn emit, void *ctx)
{
	const struct json *root;

	if (json_parse_valid_into(t->doc, json, len, NULL))
		return -1;
	root = json_root(t->doc);
	if (root->type != JSON_OBJECT)
		return -1;
	if (t->skip_failed_pages && has_error_info(root))
		return 0;

	t->emit = emit;
	t->ctx = ctx;
	select_fields(t, root, &t->levels[0]);
	return unwind_all(t);
}

int transform_is_identity(const struct transform_options *opt)
{
	return opt->fields.count == 0 && opt->output_fields.count == 0 &&
	       opt->omit.count == 0 && opt->unwind.count == 0 &&
	       opt->flatten.count == 0 && !opt->skip_hidden &&
	       !opt->skip_empty && !opt->skip_failed_pages;
}

/* A copy of an option string that lives as long as t. */
static const char *keep_name(struct transform *t, const char *name)
{
	t->names[t->name_count] = xstrdup(name);
	return t->names[t->name_count++];
}

static void add_names(struct transform *t, struct key_table *kt,
		      const struct name_list *list)
{
	const char *name;
	size_t i;

	for (i = 0; i < list->count; i++) {
		name = keep_name(t, list->names[i]);
		key_table_add(kt, name, strlen(name), i);
	}
}

/* Link pick i behind the last pick of its name, unless it is the first. */
static void chain_pick(struct transform *t, size_t i)
{
	struct pick *p = &t->picks[i];
	size_t j = key_table_add(&t->pick_names, p->name, strlen(p->name), i);

	if (j == i)
		return;
	while (t->picks[j].next_same != NO_INDEX)
		j = t->picks[j].next_same;
	t->picks[j].next_same = i;
}

/*
 * The fields the item keeps, in order: fields[i] without the omitted
 * names, renamed to output_fields[i] where that is given.
 */
static void add_picks(struct transform *t, const struct transform_options *opt)
{
	const char *name, *out;
	struct pick *p;
	size_t i;

	t->picking = opt->fields.count > 0;
	t->picks = xcalloc(opt->fields.count + 1, sizeof(*t->picks));
	for (i = 0; i < opt->fields.count; i++) {
		name = opt->fields.names[i];
		if (key_table_find(&t->omit_names, name, strlen(name)) !=
		    NO_INDEX)
			continue;

		out = i < opt->output_fields.count ?
		      opt->output_fields.names[i] : NULL;
		p = &t->picks[t->pick_count];
		p->name = keep_name(t, name);
		p->out = out ? keep_name(t, out) : p->name;
		p->out_len = strlen(p->out);
		p->next_same = NO_INDEX;
		chain_pick(t, t->pick_count++);
	}
}

static void add_unwind(struct transform *t, const struct name_list *list)
{
	size_t i, n = list->count;

	t->unwind_count = n;
	t->unwind = xcalloc(n + 1, sizeof(*t->unwind));
	t->unwind_len = xcalloc(n + 1, sizeof(*t->unwind_len));
	t->unwind_key = xcalloc(n + 1, sizeof(*t->unwind_key));
	t->unwind_next = xcalloc(n + 1, sizeof(*t->unwind_next));
	t->unwind_in = xcalloc(n + 1, sizeof(*t->unwind_in));
	t->levels = xcalloc(n + 1, sizeof(*t->levels));
	for (i = 0; i < n; i++) {
		t->unwind[i] = keep_name(t, list->names[i]);
		t->unwind_len[i] = strlen(t->unwind[i]);
	}
}

struct transform *transform_new(const struct transform_options *opt)
{
	struct transform *t = xcalloc(1, sizeof(*t));

	t->skip_failed_pages = opt->skip_failed_pages;
	t->skip_hidden = opt->skip_hidden;
	t->skip_empty = opt->skip_empty;
	t->names = xcalloc(opt->fields.count + opt->output_fields.count +
			   opt->omit.count + opt->unwind.count +
			   opt->flatten.count + 1, sizeof(*t->names));

	add_names(t, &t->omit_names, &opt->omit);
	add_names(t, &t->flatten_names, &opt->flatten);
	add_picks(t, opt);
	add_unwind(t, &opt->unwind);
	t->doc = json_doc_new();
	return t;
}

void transform_free(struct transform *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->name_count; i++)
		free(t->names[i]);
	free(t->names);
	free(t->picks);
	key_table_release(&t->pick_names);
	key_table_release(&t->omit_names);
	key_table_release(&t->flatten_names);
	key_table_release(&t->seen);
	key_table_release(&t->lookup);

	for (i = 0; i <= t->unwind_count; i++)
		free(t->levels[i].v);
	free(t->levels);
	free(t->unwind);
	free(t->unwind_len);
	free(t->unwind_key);
	free(t->unwind_next);
	free(t->unwind_in);
	free(t->final.v);
	buf_release(&t->keys);
	buf_release(&t->path);
	json_doc_free(t->doc);
	free(t);
}
