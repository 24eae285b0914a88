/*
 * Input merging and input schema validation. input_schema.h has the
 * contracts. Messages name a field by its dotted path from the top level
 * of the input, e.g. 'proxy.country'.
 */
#include "api/input_schema.h"

#include <stdlib.h>
#include <string.h>

/* Maximum bytes of a value quoted after "got" in a message. */
#define GOT_MAX 100

/* A schema type name and the article that goes before it in messages. */
struct type_name {
	const char *name;
	const char *article;
};

static const struct type_name type_names[] = {
	{ "string", "a" },
	{ "integer", "an" },
	{ "number", "a" },
	{ "boolean", "a" },
	{ "array", "an" },
	{ "object", "an" },
};

#define TYPE_COUNT (sizeof(type_names) / sizeof(type_names[0]))

/* A walk through nested properties: the path of the current field. */
struct walk {
	struct buf path;
	struct buf *err;
};

/*
 * Returns the member of obj named key, the last one if repeated. Returns
 * NULL if there is none or obj is not an object.
 */
static const struct json *member(const struct json *obj, const char *key,
				 size_t key_len)
{
	const struct json *m, *found = NULL;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (m = obj->child; m; m = m->next) {
		if (m->key_len == key_len && !memcmp(m->key, key, key_len))
			found = m;
	}
	return found;
}

static const struct json *keyword(const struct json *obj, const char *name)
{
	return member(obj, name, strlen(name));
}

/*
 * The members of an object, or the strings of an array, sorted by key and
 * then by position, for lookups in O(log n). An input may be a request
 * body of several MiB, where a linear search per key would be quadratic.
 */
struct key_entry {
	const char *key;
	size_t key_len;
	const struct json *node;
	size_t position;
};

struct key_index {
	struct key_entry *entries;
	size_t count;
};

static int key_compare(const char *a, size_t a_len, const char *b,
		       size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c)
		return c;
	return (a_len > b_len) - (a_len < b_len);
}

static int entry_compare(const void *pa, const void *pb)
{
	const struct key_entry *a = pa, *b = pb;
	int c = key_compare(a->key, a->key_len, b->key, b->key_len);

	if (c)
		return c;
	return (a->position > b->position) - (a->position < b->position);
}

/* Builds the index of node, which may be NULL or of any type. */
static void index_build(struct key_index *idx, const struct json *node)
{
	const struct json *m;
	size_t n = 0;

	idx->entries = NULL;
	idx->count = 0;
	if (!node || (node->type != JSON_OBJECT && node->type != JSON_ARRAY))
		return;
	for (m = node->child; m; m = m->next)
		n++;
	idx->entries = xcalloc(n, sizeof(*idx->entries));

	for (m = node->child; m; m = m->next) {
		struct key_entry *e = &idx->entries[idx->count];

		if (node->type == JSON_OBJECT) {
			e->key = m->key;
			e->key_len = m->key_len;
		} else if (m->type == JSON_STRING) {
			e->key = m->str;
			e->key_len = m->len;
		} else {
			continue;
		}
		e->node = m;
		e->position = idx->count++;
	}
	qsort(idx->entries, idx->count, sizeof(*idx->entries), entry_compare);
}

static void index_release(struct key_index *idx)
{
	free(idx->entries);
	idx->entries = NULL;
	idx->count = 0;
}

/*
 * Returns the place of the first entry whose key is above key, or is at
 * least key when inclusive is set.
 */
static size_t index_bound(const struct key_index *idx, const char *key,
			  size_t key_len, int inclusive)
{
	size_t low = 0, high = idx->count;

	while (low < high) {
		size_t mid = low + (high - low) / 2;
		const struct key_entry *e = &idx->entries[mid];
		int c = key_compare(e->key, e->key_len, key, key_len);

		if (c < 0 || (c == 0 && !inclusive))
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/* Returns the last node with key in source order, or NULL. */
static const struct json *index_find(const struct key_index *idx,
				     const char *key, size_t key_len)
{
	size_t i = index_bound(idx, key, key_len, 0);
	const struct key_entry *e;

	if (i == 0)
		return NULL;
	e = &idx->entries[i - 1];
	return key_compare(e->key, e->key_len, key, key_len) ? NULL : e->node;
}

/* Returns 1 if the member m comes first among those with its key. */
static int index_is_first(const struct key_index *idx, const struct json *m)
{
	size_t i = index_bound(idx, m->key, m->key_len, 1);

	return i < idx->count && idx->entries[i].node == m;
}

static int is_number(const struct json *node)
{
	return node && node->type == JSON_NUMBER;
}

/* The objects of one merge, indexed, and the output written so far. */
struct merge {
	struct buf *out;
	int count;
	struct key_index task;
	struct key_index override;
	struct key_index props;
};

static void put_member(struct merge *mg, const struct json *key,
		       const struct json *value)
{
	if (mg->count++)
		buf_putc(mg->out, ',');
	/* The source literal keeps the key's escapes, as json_write() does. */
	if (key->key_raw)
		buf_append(mg->out, key->key_raw, key->key_raw_len);
	else
		buf_put_json_string(mg->out, key->key, key->key_len);
	buf_putc(mg->out, ':');
	json_write(mg->out, value);
}

static int require_object(const struct json *node, const char *what,
			  struct buf *err)
{
	if (!node || node->type == JSON_OBJECT)
		return 0;
	buf_printf(err, "%s must be a JSON object, got %s",
		   what, json_type_name(node->type));
	return -1;
}

static void put_task_members(struct merge *mg, const struct json *task_input)
{
	const struct json *m;

	for (m = task_input ? task_input->child : NULL; m; m = m->next) {
		const struct json *value;

		if (!index_is_first(&mg->task, m))
			continue;
		value = index_find(&mg->override, m->key, m->key_len);
		if (!value)
			value = index_find(&mg->task, m->key, m->key_len);
		put_member(mg, m, value);
	}
}

static void put_override_members(struct merge *mg, const struct json *override)
{
	const struct json *m;

	for (m = override ? override->child : NULL; m; m = m->next) {
		if (index_is_first(&mg->override, m) &&
		    !index_find(&mg->task, m->key, m->key_len))
			put_member(mg, m,
				   index_find(&mg->override, m->key, m->key_len));
	}
}

/* Appends key:default for each property that neither input object sets. */
static void put_defaults(struct merge *mg, const struct json *props)
{
	const struct json *p;

	for (p = props ? props->child : NULL; p; p = p->next) {
		const struct json *prop = index_find(&mg->props, p->key,
						     p->key_len);
		const struct json *def = keyword(prop, "default");

		if (def && index_is_first(&mg->props, p) &&
		    !index_find(&mg->task, p->key, p->key_len) &&
		    !index_find(&mg->override, p->key, p->key_len))
			put_member(mg, p, def);
	}
}

int input_merge(struct buf *out, const struct json *schema,
		const struct json *task_input, const struct json *override,
		struct buf *err)
{
	const struct json *props = keyword(schema, "properties");
	struct merge mg = { out, 0, { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };

	if (require_object(task_input, "Task input", err) ||
	    require_object(override, "Input", err))
		return -1;
	if (props && props->type != JSON_OBJECT)
		props = NULL;

	index_build(&mg.task, task_input);
	index_build(&mg.override, override);
	index_build(&mg.props, props);
	buf_putc(out, '{');
	put_task_members(&mg, task_input);
	put_override_members(&mg, override);
	put_defaults(&mg, props);
	buf_putc(out, '}');

	index_release(&mg.task);
	index_release(&mg.override);
	index_release(&mg.props);
	return 0;
}

/*
 * Returns 1 if a number is a whole number. It is judged on the text, so
 * 1.0 and 1e2 count and 1.0000000000000001 does not, which a double could
 * not tell.
 * The digit at index i of the mantissa (sign and point removed) is in the
 * fraction when i >= int_digits + exponent.
 */
static int number_is_integral(const struct json *num)
{
	const char *s = num->str, *end = num->str + num->len;
	const char *e = s;
	long long exponent = 0, int_digits = 0, i = 0;
	int negative = 0;

	while (e < end && *e != 'e' && *e != 'E')
		e++;
	if (e < end && ++e < end && (*e == '-' || *e == '+'))
		negative = *e++ == '-';
	for (; e < end; e++) {
		if (exponent < 1000000000)	/* far beyond any digit count */
			exponent = exponent * 10 + (*e - '0');
	}
	if (negative)
		exponent = -exponent;

	if (s < end && *s == '-')
		s++;
	while (s + int_digits < end && s[int_digits] >= '0' &&
	       s[int_digits] <= '9')
		int_digits++;
	for (; s < end && *s != 'e' && *s != 'E'; s++) {
		if (*s == '.')
			continue;
		if (*s != '0' && i >= int_digits + exponent)
			return 0;
		i++;
	}
	return 1;
}

/* Counts the code points of valid UTF-8: all but the continuation bytes. */
static size_t code_points(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	}
	return n;
}

static int values_equal(const struct json *a, const struct json *b);

/* Compares two objects as sets of keys, each with its last value. */
static int objects_equal(const struct json *a, const struct json *b)
{
	const struct json *x, *y;

	for (x = a->child; x; x = x->next) {
		y = member(b, x->key, x->key_len);
		if (!y || !values_equal(member(a, x->key, x->key_len), y))
			return 0;
	}
	for (y = b->child; y; y = y->next) {
		if (!member(a, y->key, y->key_len))
			return 0;
	}
	return 1;
}

/* Compares in depth as JSON Schema's enum does, so 1 and 1.0 are equal. */
static int values_equal(const struct json *a, const struct json *b)
{
	const struct json *x, *y;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case JSON_NUMBER:
		return json_number_value(a) == json_number_value(b);
	case JSON_STRING:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	case JSON_ARRAY:
		if (a->count != b->count)
			return 0;
		x = a->child;
		y = b->child;
		for (; x && y; x = x->next, y = y->next) {
			if (!values_equal(x, y))
				return 0;
		}
		return 1;
	case JSON_OBJECT:
		return objects_equal(a, b);
	default:
		return 1;
	}
}

static void path_push(struct walk *w, const char *key, size_t key_len)
{
	if (w->path.len)
		buf_putc(&w->path, '.');
	buf_append(&w->path, key, key_len);
}

static void path_pop(struct walk *w, size_t len)
{
	w->path.len = len;
	if (w->path.data)
		w->path.data[len] = '\0';
}

/* Starts a validation message. The caller appends the rule. */
static void field_error(struct walk *w)
{
	buf_puts(w->err, "Input is not valid: field '");
	buf_append(w->err, w->path.data, w->path.len);
	buf_puts(w->err, "' ");
}

/* Appends ", got " and v as JSON, cut to GOT_MAX bytes. */
static void put_got(struct buf *err, const struct json *v)
{
	struct buf text = BUF_INIT;
	size_t n;

	json_write(&text, v);
	n = text.len;
	if (n > GOT_MAX) {
		n = GOT_MAX;
		while (n && ((unsigned char)text.data[n] & 0xC0) == 0x80)
			n--;	/* do not split a UTF-8 sequence */
	}
	buf_puts(err, ", got ");
	buf_append(err, text.data, n);
	if (n < text.len)
		buf_puts(err, "...");
	buf_release(&text);
}

static const struct type_name *find_type(const struct json *type)
{
	size_t i;

	if (!type || type->type != JSON_STRING)
		return NULL;
	for (i = 0; i < TYPE_COUNT; i++) {
		if (type->len == strlen(type_names[i].name) &&
		    !memcmp(type->str, type_names[i].name, type->len))
			return &type_names[i];
	}
	return NULL;
}

static int type_matches(const char *name, const struct json *v)
{
	switch (v->type) {
	case JSON_STRING:
		return !strcmp(name, "string");
	case JSON_NUMBER:
		return !strcmp(name, "number") ||
		       (!strcmp(name, "integer") && number_is_integral(v));
	case JSON_TRUE:
	case JSON_FALSE:
		return !strcmp(name, "boolean");
	case JSON_ARRAY:
		return !strcmp(name, "array");
	case JSON_OBJECT:
		return !strcmp(name, "object");
	default:
		return 0;
	}
}

/* An unknown type name sets no rule, since input_schema_check() rejects it. */
static int check_type(const struct json *prop, const struct json *v,
		      struct walk *w)
{
	const struct type_name *type = find_type(keyword(prop, "type"));

	if (!type || type_matches(type->name, v))
		return 0;
	field_error(w);
	buf_printf(w->err, "must be %s %s", type->article, type->name);
	if (v->type == JSON_NUMBER && !strcmp(type->name, "integer"))
		put_got(w->err, v);	/* "must be an integer, got 1.5" */
	else
		buf_printf(w->err, ", got %s", json_type_name(v->type));
	return -1;
}

static int check_enum(const struct json *prop, const struct json *v,
		      struct walk *w)
{
	const struct json *options = keyword(prop, "enum");
	const struct json *o;

	if (!options || options->type != JSON_ARRAY || !options->count)
		return 0;
	for (o = options->child; o; o = o->next) {
		if (values_equal(o, v))
			return 0;
	}

	field_error(w);
	buf_puts(w->err, "must be one of ");
	for (o = options->child; o; o = o->next) {
		if (o != options->child)
			buf_puts(w->err, ", ");
		json_write(w->err, o);
	}
	put_got(w->err, v);
	return -1;
}

static int check_range(const struct json *prop, const struct json *v,
		       struct walk *w)
{
	const struct json *min = keyword(prop, "minimum");
	const struct json *max = keyword(prop, "maximum");
	const struct json *limit;
	const char *rule;

	if (v->type != JSON_NUMBER)
		return 0;
	if (is_number(min) && json_number_value(v) < json_number_value(min)) {
		limit = min;
		rule = "at least";
	} else if (is_number(max) &&
		   json_number_value(v) > json_number_value(max)) {
		limit = max;
		rule = "at most";
	} else {
		return 0;
	}

	field_error(w);
	buf_printf(w->err, "must be %s %.*s", rule,
		   (int)limit->len, limit->str);
	put_got(w->err, v);
	return -1;
}

/*
 * Compares count with the numbers under min_key and max_key in prop, and
 * on failure appends "<verb> at least|at most N <unit>s<tail>".
 */
static int check_count(const struct json *prop, size_t count,
		       const char *min_key, const char *max_key,
		       const char *verb, const char *unit, const char *tail,
		       struct walk *w)
{
	const struct json *min = keyword(prop, min_key);
	const struct json *max = keyword(prop, max_key);
	const struct json *limit;
	const char *rule;

	if (is_number(min) && (double)count < json_number_value(min)) {
		limit = min;
		rule = "at least";
	} else if (is_number(max) && (double)count > json_number_value(max)) {
		limit = max;
		rule = "at most";
	} else {
		return 0;
	}

	field_error(w);
	buf_printf(w->err, "%s %s %.*s %s%s%s", verb, rule, (int)limit->len,
		   limit->str, unit, json_number_value(limit) == 1 ? "" : "s",
		   tail);
	return -1;
}

static int check_size(const struct json *prop, const struct json *v,
		      struct walk *w)
{
	if (v->type == JSON_STRING)
		return check_count(prop, code_points(v->str, v->len),
				   "minLength", "maxLength",
				   "must be", "character", " long", w);
	if (v->type == JSON_ARRAY)
		return check_count(prop, v->count, "minItems", "maxItems",
				   "must contain", "item", "", w);
	return 0;
}

static int validate_object(const struct json *schema,
			   const struct json *input, struct walk *w);

/* 1 if a null value is allowed: the property sets "nullable": true or
 * gives no type to check against. */
static int null_allowed(const struct json *prop)
{
	if (!prop || prop->type != JSON_OBJECT)
		return 1;
	return json_get(prop, "nullable") ?
	       json_get(prop, "nullable")->type == JSON_TRUE :
	       !json_get(prop, "type");
}

/* Checks one field. v is NULL when the input does not have it. A null
 * is a value like any other, so it must fit the type, as the platform's
 * validator has it, unless the property is nullable. */
static int validate_field(const struct json *prop, const struct json *v,
			  int required, struct walk *w)
{
	if (!v || (v->type == JSON_NULL && required && !null_allowed(prop))) {
		if (!required)
			return 0;
		field_error(w);
		buf_puts(w->err, "is required");
		return -1;
	}
	if (v->type == JSON_NULL && null_allowed(prop))
		return 0;
	if (!prop || prop->type != JSON_OBJECT)
		return 0;

	if (check_type(prop, v, w) || check_enum(prop, v, w) ||
	    check_range(prop, v, w) || check_size(prop, v, w))
		return -1;
	if (v->type == JSON_OBJECT)
		return validate_object(prop, v, w);
	return 0;
}

/* The indexed parts of one level of validation. */
struct level {
	struct key_index props;
	struct key_index required;
	struct key_index input;
};

/* Checks each property of schema, in order, against its field in input. */
static int validate_properties(const struct json *props, struct level *lv,
			       struct walk *w)
{
	const struct json *p;
	size_t saved = w->path.len;
	int rc = 0;

	for (p = props->child; p && !rc; p = p->next) {
		if (!index_is_first(&lv->props, p))
			continue;
		path_push(w, p->key, p->key_len);
		rc = validate_field(index_find(&lv->props, p->key, p->key_len),
				    index_find(&lv->input, p->key, p->key_len),
				    !!index_find(&lv->required, p->key,
						 p->key_len), w);
		path_pop(w, saved);
	}
	return rc;
}

/* Checks that input has the required names that have no property. */
static int validate_required(const struct json *required, struct level *lv,
			     struct walk *w)
{
	const struct json *r;
	size_t saved = w->path.len;
	int rc = 0;

	for (r = required ? required->child : NULL; r && !rc; r = r->next) {
		if (r->type != JSON_STRING ||
		    index_find(&lv->props, r->str, r->len))
			continue;
		path_push(w, r->str, r->len);
		rc = validate_field(NULL, index_find(&lv->input, r->str, r->len),
				    1, w);
		path_pop(w, saved);
	}
	return rc;
}

/*
 * Checks the fields of input, an object or NULL, against schema's
 * "properties" in their order, then the "required" names that have no
 * property.
 */
static int validate_object(const struct json *schema,
			   const struct json *input, struct walk *w)
{
	const struct json *props = keyword(schema, "properties");
	const struct json *required = keyword(schema, "required");
	struct level lv;
	int rc;

	if (!props || props->type != JSON_OBJECT)
		return 0;
	if (required && required->type != JSON_ARRAY)
		required = NULL;	/* input_schema_check() reports it */

	index_build(&lv.props, props);
	index_build(&lv.required, required);
	index_build(&lv.input, input);
	rc = validate_properties(props, &lv, w);
	if (!rc)
		rc = validate_required(required, &lv, w);

	index_release(&lv.props);
	index_release(&lv.required);
	index_release(&lv.input);
	return rc;
}

int input_schema_validate(const struct json *schema, const struct json *input,
			  struct buf *err)
{
	const struct json *props = keyword(schema, "properties");
	struct walk w = { BUF_INIT, err };
	int rc;

	if (!props || props->type != JSON_OBJECT)
		return 0;
	if (input && input->type != JSON_OBJECT) {
		buf_printf(err, "Input is not valid: the input must be a JSON object, got %s",
			   json_type_name(input->type));
		return -1;
	}
	rc = validate_object(schema, input, &w);
	buf_release(&w.path);
	return rc;
}

/* Starts a schema message, naming the property when the walk is in one. */
static void schema_error(struct walk *w)
{
	buf_puts(w->err, "Input schema is not valid: ");
	if (w->path.len) {
		buf_puts(w->err, "property '");
		buf_append(w->err, w->path.data, w->path.len);
		buf_puts(w->err, "': ");
	}
}

static int check_required_list(const struct json *obj, struct walk *w)
{
	const struct json *list = keyword(obj, "required");
	const struct json *s;

	if (!list)
		return 0;
	if (list->type == JSON_ARRAY) {
		s = list->child;
		while (s && s->type == JSON_STRING)
			s = s->next;
		if (!s)
			return 0;
	}
	schema_error(w);
	buf_puts(w->err, "'required' must be an array of strings");
	return -1;
}

static int check_type_name(const struct json *type, struct walk *w)
{
	size_t i;

	if (!type || find_type(type))
		return 0;
	schema_error(w);
	buf_puts(w->err, "'type' must be one of ");
	for (i = 0; i < TYPE_COUNT; i++)
		buf_printf(w->err, "%s\"%s\"", i ? ", " : "",
			   type_names[i].name);
	put_got(w->err, type);
	return -1;
}

static int check_properties(const struct json *props, struct walk *w);

static int check_property(const struct json *prop, struct walk *w)
{
	const struct json *nested = keyword(prop, "properties");

	if (prop->type != JSON_OBJECT) {
		buf_puts(w->err, "Input schema is not valid: property '");
		buf_append(w->err, w->path.data, w->path.len);
		buf_printf(w->err, "' must be an object, got %s",
			   json_type_name(prop->type));
		return -1;
	}
	if (check_type_name(keyword(prop, "type"), w))
		return -1;
	if (nested && check_properties(nested, w))
		return -1;
	return check_required_list(prop, w);
}

/* Checks that props is an object and each of its properties. */
static int check_properties(const struct json *props, struct walk *w)
{
	const struct json *p;
	size_t saved = w->path.len;

	if (props->type != JSON_OBJECT) {
		schema_error(w);
		buf_printf(w->err, "'properties' must be an object, got %s",
			   json_type_name(props->type));
		return -1;
	}
	for (p = props->child; p; p = p->next) {
		int rc;

		path_push(w, p->key, p->key_len);
		rc = check_property(p, w);
		path_pop(w, saved);
		if (rc)
			return -1;
	}
	return 0;
}

int input_schema_check(const struct json *schema, struct buf *err)
{
	struct walk w = { BUF_INIT, err };
	const struct json *type = keyword(schema, "type");
	const struct json *props = keyword(schema, "properties");
	int rc = -1;

	if (!schema || schema->type != JSON_OBJECT) {
		if (schema)
			buf_printf(err, "Input schema is not valid: it must be a JSON object, got %s",
				   json_type_name(schema->type));
		else
			buf_puts(err, "Input schema is missing");
		return -1;
	}
	if (type && !(type->type == JSON_STRING && type->len == 6 &&
		      !memcmp(type->str, "object", 6))) {
		buf_puts(err, "Input schema is not valid: 'type' must be \"object\"");
		put_got(err, type);
		return -1;
	}
	if (!props) {
		buf_puts(err, "Input schema is not valid: 'properties' is missing");
		return -1;
	}

	if (!check_properties(props, &w) && !check_required_list(schema, &w))
		rc = 0;
	buf_release(&w.path);
	return rc;
}
