/*
 * Unit tests for src/export/columns.c: leaf paths, the union of columns in
 * order of first appearance, the fields order, the COLUMNS_MAX limit, and
 * the mapping of a record's leaves to cells.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/columns.h"
#include "util/buf.h"

/* A record made from the members of a parsed JSON object. */
struct test_record {
	struct json_doc *doc;
	struct record_field *fields;
	struct record rec;
};

static void record_parse(struct test_record *t, const char *json)
{
	struct json_error err;
	const struct json *root, *m;
	size_t i = 0;

	t->doc = json_parse(json, strlen(json), &err);
	if (!t->doc)
		fail_msg("parse failed at %zu: %s", err.offset, err.message);
	root = json_root(t->doc);
	assert_int_equal(root->type, JSON_OBJECT);

	t->fields = calloc(root->count ? root->count : 1, sizeof(*t->fields));
	assert_non_null(t->fields);
	for (m = root->child; m; m = m->next, i++) {
		t->fields[i].key = m->key;
		t->fields[i].key_len = m->key_len;
		t->fields[i].value = m;
	}
	t->rec.fields = t->fields;
	t->rec.count = root->count;
}

static void record_release(struct test_record *t)
{
	json_doc_free(t->doc);
	free(t->fields);
}

static int add_json(struct columns *c, const char *json)
{
	struct test_record t;
	int rc;

	record_parse(&t, json);
	rc = columns_add(c, &t.rec);
	record_release(&t);
	return rc;
}

/* Columns of the records in items, a NULL-terminated list. */
static struct columns *collect(char *const *fields, size_t field_count,
			       const char *const *items)
{
	struct columns *c = columns_new(fields, field_count);

	for (; *items; items++)
		assert_int_equal(add_json(c, *items), 0);
	return c;
}

/* Assert that the column names, joined by '|', equal expected. */
static void assert_names(const struct columns *c, const char *expected)
{
	struct buf joined = BUF_INIT;
	size_t i;

	buf_puts(&joined, "");
	for (i = 0; i < columns_count(c); i++) {
		size_t len;
		const char *name = columns_name(c, i, &len);

		assert_int_equal(strlen(name), len);
		buf_printf(&joined, "%s%s", i ? "|" : "", name);
	}
	assert_string_equal(joined.data, expected);
	buf_release(&joined);
}

/* Assert that cell is a leaf whose text (str/len) is expected. */
static void assert_cell(const struct json *cell, enum json_type type,
			const char *expected)
{
	assert_non_null(cell);
	assert_int_equal(cell->type, type);
	assert_int_equal(cell->len, strlen(expected));
	assert_memory_equal(cell->str, expected, cell->len);
}

/* Map json to cells of c; the caller frees the returned cells. */
static const struct json **row_of(const struct columns *c,
				  struct test_record *t, const char *json)
{
	const struct json **cells = calloc(columns_count(c) + 1,
					   sizeof(*cells));

	assert_non_null(cells);
	record_parse(t, json);
	columns_row(c, &t->rec, cells);
	return cells;
}

static void test_columns_flat(void **state)
{
	const char *items[] = { "{\"a\":1,\"b\":\"x\"}", NULL };
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_int_equal(columns_count(c), 2);
	assert_names(c, "a|b");
	columns_free(c);
}

static void test_columns_nested_paths(void **state)
{
	const char *items[] = {
		"{\"author\":{\"name\":\"x\"},\"tags\":[\"a\",\"b\"],"
		"\"offers\":[{\"p\":1},{\"p\":2,\"q\":null}],"
		"\"m\":[[1,[2]]]}",
		NULL,
	};
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_names(c, "author/name|tags/0|tags/1|offers/0/p|offers/1/p|"
		     "offers/1/q|m/0/0|m/0/1/0");
	columns_free(c);
}

static void test_columns_leaf_types(void **state)
{
	const char *items[] = {
		"{\"n\":null,\"t\":true,\"f\":false,\"i\":-1.5e3,\"s\":\"\"}",
		NULL,
	};
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_names(c, "n|t|f|i|s");
	columns_free(c);
}

static void test_columns_empty_containers(void **state)
{
	const char *items[] = {
		"{\"a\":{},\"b\":[],\"c\":[[],{}],\"d\":{\"e\":{}},\"f\":1}",
		NULL,
	};
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_names(c, "f");
	columns_free(c);
}

static void test_columns_union_first_appearance(void **state)
{
	const char *items[] = {
		"{\"a\":1}",
		"{\"b\":1,\"a\":2}",
		"{}",
		"{\"a\":3,\"c\":{\"d\":1}}",
		NULL,
	};
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_names(c, "a|b|c/d");
	columns_free(c);
}

static void test_columns_only_last_record(void **state)
{
	const char *items[] = { "{\"a\":1}", "{\"a\":2}", "{\"z\":[true]}",
				NULL };
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_names(c, "a|z/0");
	columns_free(c);
}

static void test_columns_fields_order(void **state)
{
	char *fields[] = { "b", "a", "c" };
	const char *items[] = {
		"{\"a\":1}",
		"{\"a\":1,\"b\":{\"x\":1}}",
		"{\"c\":1,\"b\":{\"y\":2,\"x\":3}}",
		NULL,
	};
	struct columns *c = collect(fields, 3, items);

	(void)state;
	assert_names(c, "b/x|b/y|a|c");
	columns_free(c);
}

static void test_columns_unlisted_keys_last(void **state)
{
	char *fields[] = { "a", "b" };
	const char *items[] = {
		"{\"z\":1,\"a\":1}",
		"{\"y\":2}",
		"{\"b\":3}",
		NULL,
	};
	struct columns *c = collect(fields, 2, items);

	(void)state;
	assert_names(c, "a|b|z|y");
	columns_free(c);
}

static void test_columns_field_named_twice(void **state)
{
	char *fields[] = { "a", "b", "a" };
	const char *items[] = { "{\"b\":1,\"a\":1}", NULL };
	struct columns *c = collect(fields, 3, items);

	(void)state;
	assert_names(c, "a|b");
	columns_free(c);
}

static void test_columns_type_change(void **state)
{
	const char *items[] = { "{\"a\":\"x\"}", "{\"a\":{\"b\":1}}", NULL };
	struct columns *c = collect(NULL, 0, items);
	struct test_record t;
	const struct json **cells;

	(void)state;
	assert_names(c, "a|a/b");
	cells = row_of(c, &t, "{\"a\":{\"b\":7}}");
	assert_null(cells[0]);
	assert_cell(cells[1], JSON_NUMBER, "7");
	free(cells);
	record_release(&t);
	columns_free(c);
}

/* A key holding '/' names the same column as the nested path it spells. */
static void test_columns_key_with_slash(void **state)
{
	const char *items[] = { "{\"a/b\":1,\"a\":{\"b\":2}}", NULL };
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_names(c, "a/b");
	columns_free(c);
}

static void test_columns_empty_key(void **state)
{
	const char *items[] = { "{\"\":1,\"a\":{\"\":2}}", NULL };
	struct columns *c = collect(NULL, 0, items);
	size_t len = 99;

	(void)state;
	assert_int_equal(columns_count(c), 2);
	assert_string_equal(columns_name(c, 0, &len), "");
	assert_int_equal(len, 0);
	assert_string_equal(columns_name(c, 1, NULL), "a/");
	columns_free(c);
}

static void test_columns_none(void **state)
{
	const char *items[] = { "{}", "{\"a\":[]}", NULL };
	struct columns *c = collect(NULL, 0, items);

	(void)state;
	assert_int_equal(columns_count(c), 0);
	columns_free(c);
}

/* An object with keys k<from> .. k<to - 1>, all set to 0. */
static char *object_of_keys(size_t from, size_t to)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_putc(&b, '{');
	for (i = from; i < to; i++)
		buf_printf(&b, "%s\"k%zu\":0", i > from ? "," : "", i);
	buf_putc(&b, '}');
	return buf_detach(&b, NULL);
}

static void test_columns_max_reached(void **state)
{
	struct columns *c = columns_new(NULL, 0);
	char *all = object_of_keys(0, COLUMNS_MAX);
	char *more = object_of_keys(COLUMNS_MAX - 1, COLUMNS_MAX + 1);

	(void)state;
	assert_int_equal(add_json(c, all), 0);
	assert_int_equal(columns_count(c), COLUMNS_MAX);
	/* Known columns add nothing. */
	assert_int_equal(add_json(c, "{\"k0\":1,\"k1999\":2}"), 0);
	assert_int_equal(add_json(c, more), -1);
	assert_int_equal(columns_count(c), COLUMNS_MAX);
	/* Once over, every later call fails too. */
	assert_int_equal(add_json(c, "{\"k0\":1}"), -1);
	assert_string_equal(columns_name(c, COLUMNS_MAX - 1, NULL), "k1999");
	free(all);
	free(more);
	columns_free(c);
}

static void test_columns_max_in_one_record(void **state)
{
	char *fields[] = { "k5" };
	struct columns *c = columns_new(fields, 1);
	char *over = object_of_keys(0, COLUMNS_MAX + 1);

	(void)state;
	assert_int_equal(add_json(c, over), -1);
	assert_true(columns_count(c) <= COLUMNS_MAX);
	assert_string_equal(columns_name(c, 0, NULL), "k5");
	free(over);
	columns_free(c);
}

static void test_columns_row_any_key_order(void **state)
{
	const char *items[] = { "{\"a\":1,\"b\":{\"c\":2},\"d\":[\"x\"]}",
				NULL };
	struct columns *c = collect(NULL, 0, items);
	struct test_record t;
	const struct json **cells;

	(void)state;
	cells = row_of(c, &t, "{\"d\":[\"y\"],\"b\":{\"c\":3},\"a\":4}");
	assert_cell(cells[0], JSON_NUMBER, "4");
	assert_cell(cells[1], JSON_NUMBER, "3");
	assert_cell(cells[2], JSON_STRING, "y");
	free(cells);
	record_release(&t);
	columns_free(c);
}

static void test_columns_row_absent_and_unknown(void **state)
{
	const char *items[] = { "{\"a\":1,\"b\":{\"c\":2},\"n\":null}", NULL };
	struct columns *c = collect(NULL, 0, items);
	struct test_record t;
	const struct json **cells;

	(void)state;
	cells = row_of(c, &t, "{\"z\":5,\"b\":{},\"a\":{\"q\":1},\"n\":null,"
		       "\"bb\":{\"c\":9},\"b/c/d\":1}");
	assert_null(cells[0]);
	assert_null(cells[1]);
	assert_non_null(cells[2]);
	assert_int_equal(cells[2]->type, JSON_NULL);
	free(cells);
	record_release(&t);
	columns_free(c);
}

static void test_columns_row_follows_fields(void **state)
{
	char *fields[] = { "b", "a" };
	const char *items[] = { "{\"a\":1}", "{\"b\":[true,false]}", NULL };
	struct columns *c = collect(fields, 2, items);
	struct test_record t;
	const struct json **cells;

	(void)state;
	assert_names(c, "b/0|b/1|a");
	cells = row_of(c, &t, "{\"a\":\"A\",\"b\":[true,false]}");
	assert_int_equal(cells[0]->type, JSON_TRUE);
	assert_int_equal(cells[1]->type, JSON_FALSE);
	assert_cell(cells[2], JSON_STRING, "A");
	free(cells);
	record_release(&t);
	columns_free(c);
}

static void test_columns_row_repeated_key(void **state)
{
	const char *items[] = { "{\"a\":1,\"a\":2}", NULL };
	struct columns *c = collect(NULL, 0, items);
	struct test_record t;
	const struct json **cells;

	(void)state;
	assert_names(c, "a");
	cells = row_of(c, &t, "{\"a\":1,\"a\":2}");
	assert_cell(cells[0], JSON_NUMBER, "2");
	free(cells);
	record_release(&t);
	columns_free(c);
}

/* Cells of one row never leak into the next row sharing the array. */
static void test_columns_row_reused_cells(void **state)
{
	const char *items[] = { "{\"a\":1,\"b\":2}", NULL };
	struct columns *c = collect(NULL, 0, items);
	struct test_record t1, t2;
	const struct json *cells[2];

	(void)state;
	record_parse(&t1, "{\"a\":1,\"b\":2}");
	columns_row(c, &t1.rec, cells);
	assert_cell(cells[1], JSON_NUMBER, "2");
	record_parse(&t2, "{\"a\":3}");
	columns_row(c, &t2.rec, cells);
	assert_cell(cells[0], JSON_NUMBER, "3");
	assert_null(cells[1]);
	record_release(&t1);
	record_release(&t2);
	columns_free(c);
}

/*
 * Many columns added a few at a time, with fields, so the hash table
 * grows and the order is recomputed between reads.
 */
static void test_columns_many_with_fields(void **state)
{
	char *fields[] = { "late", "arr" };
	struct columns *c = columns_new(fields, 2);
	struct buf json = BUF_INIT;
	struct test_record t;
	const struct json **cells;
	size_t i;

	(void)state;
	for (i = 0; i < 1500; i++) {
		buf_reset(&json);
		buf_printf(&json, "{\"x%zu\":%zu,\"arr\":[", i, i);
		if (i == 12)
			buf_puts(&json, "0,1,2,3,4,5,6,7,8,9,10,11");
		buf_puts(&json, "]}");
		assert_int_equal(add_json(c, json.data), 0);
		assert_string_equal(columns_name(c, 0, NULL),
				    i < 12 ? "x0" : "arr/0");
	}
	assert_int_equal(add_json(c, "{\"late\":{\"v\":1}}"), 0);
	assert_int_equal(columns_count(c), 1500 + 12 + 1);
	assert_string_equal(columns_name(c, 0, NULL), "late/v");
	assert_string_equal(columns_name(c, 11, NULL), "arr/10");
	assert_string_equal(columns_name(c, 12, NULL), "arr/11");
	assert_string_equal(columns_name(c, 13, NULL), "x0");
	assert_string_equal(columns_name(c, 1512, NULL), "x1499");

	cells = row_of(c, &t, "{\"x777\":\"v\",\"late\":{\"v\":2},"
		       "\"arr\":[0,1,2,3,4,5,6,7,8,9,10,11]}");
	assert_cell(cells[0], JSON_NUMBER, "2");
	assert_cell(cells[12], JSON_NUMBER, "11");
	assert_cell(cells[13 + 777], JSON_STRING, "v");
	assert_null(cells[13 + 776]);
	free(cells);
	record_release(&t);
	buf_release(&json);
	columns_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns_flat),
		cmocka_unit_test(test_columns_nested_paths),
		cmocka_unit_test(test_columns_leaf_types),
		cmocka_unit_test(test_columns_empty_containers),
		cmocka_unit_test(test_columns_union_first_appearance),
		cmocka_unit_test(test_columns_only_last_record),
		cmocka_unit_test(test_columns_fields_order),
		cmocka_unit_test(test_columns_unlisted_keys_last),
		cmocka_unit_test(test_columns_field_named_twice),
		cmocka_unit_test(test_columns_type_change),
		cmocka_unit_test(test_columns_key_with_slash),
		cmocka_unit_test(test_columns_empty_key),
		cmocka_unit_test(test_columns_none),
		cmocka_unit_test(test_columns_max_reached),
		cmocka_unit_test(test_columns_max_in_one_record),
		cmocka_unit_test(test_columns_row_any_key_order),
		cmocka_unit_test(test_columns_row_absent_and_unknown),
		cmocka_unit_test(test_columns_row_follows_fields),
		cmocka_unit_test(test_columns_row_repeated_key),
		cmocka_unit_test(test_columns_row_reused_cells),
		cmocka_unit_test(test_columns_many_with_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
