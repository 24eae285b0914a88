/*
 * Unit tests for src/export/shapes.c: which items share a shape, the
 * cache's limits, and the claim the column pass rests on. A column pass
 * that converts only items of a new shape must find the same columns, in
 * the same order, and the same number of records as one that converts
 * every item, under every transformation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/columns.h"
#include "export/shapes.h"
#include "export/transform.h"
#include "util/buf.h"
#include "util/json.h"

/* A name_list of string literals. */
#define LIST(...) { (char *[]){ __VA_ARGS__ },				\
		    sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) }

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* shapes_find() on a literal; adds the shape when it is new. */
static int find_or_add(struct shapes *sh, const char *json, int64_t records)
{
	int64_t found = -1;

	if (shapes_find(sh, json, strlen(json), &found))
		return (int)found;
	shapes_add(sh, records);
	return -1;
}

static void test_shapes_same_and_different(void **state)
{
	static const char *const different[] = {
		"{\"b\":[1,2],\"a\":1}",
		"{\"a\":1,\"b\":[1]}",
		"{\"a\":1,\"b\":[1,2,3]}",
		"{\"a\":1,\"b\":[{},2]}",
		"{\"a\":1,\"b\":[[],2]}",
		"{\"a\":{},\"b\":[1,2]}",
		"{\"a\":[],\"b\":[1,2]}",
		"{\"a\":{\"x\":1},\"b\":[1,2]}",
		"{\"a\":1,\"b\":[1,2],\"c\":null}",
		"{\"\\u0061\":1,\"b\":[1,2]}",
		"{\"a\":\"b\"}",
		"{\"a\":{\"b\":1}}",
		"{}",
	};
	struct shapes *sh = shapes_new();
	size_t i;

	(void)state;
	assert_int_equal(find_or_add(sh, "{\"a\":1,\"b\":[1,2]}", 7), -1);
	/* Values of any type and length do not change the shape. */
	assert_int_equal(find_or_add(sh, "{\"a\":\"x,y}\",\"b\":[null,true]}", 0),
			 7);
	assert_int_equal(find_or_add(sh, "{\"a\":-1.5e3,\"b\":[\"\\\"]\",false]}",
				     0), 7);
	for (i = 0; i < COUNT(different); i++) {
		assert_int_equal(find_or_add(sh, different[i], (int64_t)i), -1);
		assert_int_equal(find_or_add(sh, different[i], 99), (int)i);
	}
	shapes_free(sh);
}

/* Text that is not compact JSON is never found and never kept. */
static void test_shapes_not_compact(void **state)
{
	struct shapes *sh = shapes_new();
	int64_t records;

	(void)state;
	assert_int_equal(shapes_find(sh, "{ \"a\":1}", 8, &records), 0);
	shapes_add(sh, 1);
	assert_int_equal(shapes_find(sh, "{ \"a\":1}", 8, &records), 0);
	assert_int_equal(shapes_find(sh, "{\"a\":\"x", 7, &records), 0);
	shapes_add(sh, 1);
	assert_int_equal(shapes_find(sh, "{\"a\":\"x", 7, &records), 0);
	shapes_free(sh);
}

/* Items that never repeat a shape turn the cache off after a trial. */
static void test_shapes_gives_up(void **state)
{
	struct shapes *sh = shapes_new();
	char json[64];
	int64_t records;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(json, sizeof(json), "{\"k%d\":1}", i);
		assert_int_equal(find_or_add(sh, json, 1), -1);
	}
	/* Added in the trial, but no longer looked up. */
	assert_int_equal(shapes_find(sh, "{\"k0\":1}", 8, &records), 0);
	shapes_free(sh);
}

/* The random items of the differential test, from a fixed seed. */
static uint32_t next_random(uint32_t *seed)
{
	uint32_t x = *seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*seed = x;
	return x;
}

static void random_value(struct buf *b, uint32_t *seed, unsigned depth)
{
	static const char *const scalars[] = {
		"null", "true", "0", "\"s\"", "\"#x\"", "1.5",
	};
	static const char *const keys[] = {
		"\"a\"", "\"b\"", "\"#h\"", "\"errorInfo\"", "\"url\"",
		"\"pageFunctionResult\"", "\"a/b\"", "\"c.d\"",
	};
	uint32_t kind = depth < 3 ? next_random(seed) % 4 : 0;
	size_t n, i;

	if (kind < 2) {
		buf_puts(b, scalars[next_random(seed) % COUNT(scalars)]);
		return;
	}
	n = next_random(seed) % 3;
	buf_putc(b, kind == 2 ? '[' : '{');
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		if (kind == 3) {
			buf_puts(b, keys[next_random(seed) % COUNT(keys)]);
			buf_putc(b, ':');
		}
		random_value(b, seed, depth + 1);
	}
	buf_putc(b, kind == 2 ? ']' : '}');
}

/* Compact stored text of a random object: few keys, so shapes repeat. */
static void random_item(struct buf *b, uint32_t *seed)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	struct buf raw = BUF_INIT;

	do {
		buf_reset(&raw);
		random_value(&raw, seed, 0);
	} while (raw.data[0] != '{');
	assert_int_equal(json_items_parse(&items, raw.data, raw.len, &err), 0);
	buf_reset(b);
	buf_append(b, items.text.data, items.text.len);
	json_items_release(&items);
	buf_release(&raw);
}

struct pass {
	struct columns *cols;
	int64_t records;
	int failed;
};

static int collect(void *ctx, const struct record *rec)
{
	struct pass *p = ctx;

	p->records++;
	return columns_add(p->cols, rec);
}

/* Run the column pass over texts, with a shape cache or without one. */
static void column_pass(const struct transform_options *opt,
			const struct buf *texts, size_t count, int use_shapes,
			struct pass *p)
{
	struct transform *t = transform_new(opt);
	struct shapes *sh = use_shapes ? shapes_new() : NULL;
	int64_t records, before;
	size_t i;

	p->cols = columns_new(opt->fields.names, opt->fields.count);
	p->records = 0;
	p->failed = 0;
	for (i = 0; i < count; i++) {
		before = p->records;
		if (sh && shapes_find(sh, texts[i].data, texts[i].len,
				      &records)) {
			p->records += records;
			continue;
		}
		if (transform_item(t, texts[i].data, texts[i].len, collect, p))
			p->failed = 1;
		else if (sh)
			shapes_add(sh, p->records - before);
	}
	shapes_free(sh);
	transform_free(t);
}

static void test_shapes_column_pass_same(void **state)
{
	const struct transform_options options[] = {
		{ 0 },
		{ .fields = LIST("b", "a", "url") },
		{ .omit = LIST("a") },
		{ .unwind = LIST("a", "b") },
		{ .unwind = LIST("pageFunctionResult"),
		  .fields = LIST("url", "pageFunctionResult", "errorInfo") },
		{ .flatten = LIST("a", "b") },
		{ .skip_hidden = 1, .skip_empty = 1 },
		{ .skip_failed_pages = 1, .unwind = LIST("b") },
	};
	enum { ITEMS = 3000 };
	struct buf *texts = calloc(ITEMS, sizeof(*texts));
	struct pass every, cached;
	uint32_t seed = 88172645u;
	size_t i, c, len_a, len_b;

	(void)state;
	assert_non_null(texts);
	for (i = 0; i < ITEMS; i++)
		random_item(&texts[i], &seed);

	for (i = 0; i < COUNT(options); i++) {
		column_pass(&options[i], texts, ITEMS, 0, &every);
		column_pass(&options[i], texts, ITEMS, 1, &cached);
		assert_int_equal(cached.failed, every.failed);
		assert_int_equal(cached.records, every.records);
		assert_int_equal(columns_count(cached.cols),
				 columns_count(every.cols));
		for (c = 0; c < columns_count(every.cols); c++)
			assert_string_equal(columns_name(cached.cols, c, &len_a),
					    columns_name(every.cols, c, &len_b));
		/* The items must make the check worth something. */
		assert_true(every.records > 1000);
		assert_true(columns_count(every.cols) > 3);
		columns_free(every.cols);
		columns_free(cached.cols);
	}
	for (i = 0; i < ITEMS; i++)
		buf_release(&texts[i]);
	free(texts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes_same_and_different),
		cmocka_unit_test(test_shapes_not_compact),
		cmocka_unit_test(test_shapes_gives_up),
		cmocka_unit_test(test_shapes_column_pass_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
