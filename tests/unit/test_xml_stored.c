/*
 * Unit tests for the one-pass xml path of untransformed exports
 * (src/export/xml_stored.c), through writer_xml.stored_item and
 * writer_rss.stored_item. For every item it accepts, its output must be
 * byte for byte what the tree writer gives. Items it must leave to the
 * tree writer leave the output as it was. Broken text must never make it
 * read out of bounds, which AddressSanitizer checks in CI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/writer.h"
#include "export/xml_text.h"
#include "test_records.h"

static const struct writer_options options = {
	',', 0, "items", "item", "", "", "",
};

/* The stored form of a JSON object: compact, as the push path keeps it. */
static char *stored_text(const char *item, size_t *len)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	char *text;

	if (json_items_parse(&items, item, strlen(item), &err))
		fail_msg("not a JSON object (%s): %s", err.message, item);
	assert_int_equal(items.count, 1);
	text = buf_detach(&items.text, len);
	json_items_release(&items);
	return text;
}

/* What record() appends for item, parsed into a tree. */
static char *tree_output(const struct writer *w, const char *item)
{
	struct buf head = BUF_INIT, out = BUF_INIT, array = BUF_INIT;
	struct test_items t;
	void *state;

	buf_printf(&array, "[%s]", item);
	items_parse(&t, array.data);
	state = w->begin(&options, NULL, &head);
	assert_int_equal(w->record(state, &t.recs[0], &out), 0);
	w->abort(state);
	items_release(&t);
	buf_release(&head);
	buf_release(&array);
	return buf_detach(&out, NULL);
}

/*
 * Run stored_item() on the len bytes of text after "prefix" in the output
 * buffer. Returns its result and stores what it appended in *got (NULL on
 * -1, after checking that the buffer still holds only the prefix).
 */
static int stored_output(const struct writer *w, const char *text,
			 size_t len, char **got)
{
	struct buf head = BUF_INIT, out = BUF_INIT;
	void *state;
	int rc;

	buf_puts(&out, "prefix");
	state = w->begin(&options, NULL, &head);
	rc = w->stored_item(state, text, len, &out);
	w->abort(state);
	buf_release(&head);
	*got = NULL;
	if (rc == 0) {
		*got = strdup(out.data + 6);
		assert_non_null(*got);
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(out.len, 6);
		assert_string_equal(out.data, "prefix");
	}
	buf_release(&out);
	return rc;
}

/* stored_item() on item in xml and rss: -1, or 0 and the tree's output. */
static int compare_paths(const char *item)
{
	static const struct writer *const writers[] = { &writer_xml,
							&writer_rss };
	char *text, *tree, *got;
	size_t len, i;
	int rc = 0, first = 0;

	text = stored_text(item, &len);
	for (i = 0; i < 2; i++) {
		rc = stored_output(writers[i], text, len, &got);
		if (rc == 0) {
			tree = tree_output(writers[i], item);
			if (strcmp(got, tree))
				fail_msg("item %s\none pass: %s\ntree:     %s",
					 item, got, tree);
			free(tree);
			free(got);
		}
		if (i == 0)
			first = rc;
		assert_int_equal(rc, first);
	}
	free(text);
	return rc;
}

static void test_xml_stored_takes_common_items(void **state)
{
	static const char *const items[] = {
		"{}",
		"{\"url\":\"https://example.com/a?b=1&c=<2>\",\"title\":"
		"\"Caf\\u00e9 \\\"Le Bon\\\"\\n\\ttab \\ud83d\\ude00 \xe2\x82\xac\","
		"\"price\":{\"amount\":12.50,\"currency\":\"EUR\"},"
		"\"inStock\":false,\"rating\":null,\"count\":0,"
		"\"tags\":[\"a\",\"b\",[],[1,[2,3]],{\"x\":null}],"
		"\"seller\":{\"name\":\"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\","
		"\"location\":{\"city\":\"\xe6\x9d\xb1\xe4\xba\xac\"}},"
		"\"big\":-1.5E+300,\"empty\":\"\",\"obj\":{}}",
		"{\"a b\":1,\"1st\":2,\"-x\":3,\"\":4,\"a:b\":5,"
		"\"caf\xc3\xa9\":6,\"\xf0\x9f\x98\x80\":7,\"xmlns\":8,"
		"\"n\":{\"@x\":1,\"#y\":2,\"a.b\":3}}",
		"{\"t\":\"\\u0000\\u0001x\\r\\uffff\\ufffey\\u007f\"}",
		"{\"nested\":{\"a\":{\"a\":{\"a\":[true,false,null,\"s\"]}}}}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		assert_int_equal(compare_paths(items[i]), 0);
}

static void test_xml_stored_leaves_rare_items(void **state)
{
	static const char *const items[] = {
		"{\"@\":{\"id\":1},\"a\":2}",
		"{\"a\":{\"#\":\"text\"}}",
		"{\"a\":[{\"@\":1}]}",
		"{\"a\":1,\"b\":2,\"a\":3}",
		"{\"\\u0061\":1}",
		"{\"k\\\"q\":1}",
	};
	struct buf wide = BUF_INIT, deep = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		assert_int_equal(compare_paths(items[i]), -1);

	/* 64 top-level keys are taken, 65 are not. */
	buf_putc(&wide, '{');
	for (i = 0; i < 64; i++)
		buf_printf(&wide, "%s\"k%zu\":%zu", i ? "," : "", i, i);
	buf_putc(&wide, '}');
	assert_int_equal(compare_paths(wide.data), 0);
	wide.len--;
	buf_puts(&wide, ",\"k64\":64}");
	assert_int_equal(compare_paths(wide.data), -1);

	/* Nesting up to the depth limit is left to the tree writer. */
	buf_puts(&deep, "{\"a\":");
	for (i = 0; i < XML_MAX_DEPTH; i++)
		buf_putc(&deep, '[');
	for (i = 0; i < XML_MAX_DEPTH; i++)
		buf_putc(&deep, ']');
	buf_putc(&deep, '}');
	assert_int_equal(compare_paths(deep.data), -1);
	buf_release(&wide);
	buf_release(&deep);
}

/* Every prefix of a stored item, and text that is not compact, is -1. */
static void test_xml_stored_broken_text(void **state)
{
	static const char item[] =
		"{\"a\":\"x\\u00e9\\\"y\",\"b\":[1,true,false,null,{\"c\":-2.5e3}],"
		"\"d\":{}}";
	static const char *const not_compact[] = {
		"{ \"a\":1}", "{\"a\": 1}", "{\"a\":1 }", "[1]", "\"s\"", "",
		"{\"a\":tru}", "{\"a\":nul}", "{\"a\":\"\\u12\"}", "{\"a\":}",
		"{\"a\":1,}", "{\"a\":[1,]}", "{\"a\":1}x",
	};
	char *text, *got, *copy;
	size_t len, n, i;

	(void)state;
	text = stored_text(item, &len);
	for (n = 0; n < len; n++) {
		/* A copy of exactly n bytes, so ASan reports any overread. */
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, text, n);
		assert_int_equal(stored_output(&writer_xml, copy, n, &got), -1);
		free(copy);
	}
	assert_int_equal(stored_output(&writer_xml, text, len, &got), 0);
	free(got);
	free(text);

	for (i = 0; i < sizeof(not_compact) / sizeof(not_compact[0]); i++)
		assert_int_equal(stored_output(&writer_xml, not_compact[i],
					       strlen(not_compact[i]), &got),
				 -1);
}

/* A small seeded generator (xorshift32), the same items on every run. */
static uint32_t next_random(uint32_t *seed)
{
	uint32_t x = *seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*seed = x;
	return x;
}

static const char *pick(uint32_t *seed, const char *const *list, size_t n)
{
	return list[next_random(seed) % n];
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void random_value(struct buf *b, uint32_t *seed, unsigned depth);

static void random_object(struct buf *b, uint32_t *seed, unsigned depth)
{
	static const char *const keys[] = {
		"\"a\"", "\"b\"", "\"url\"", "\"title\"", "\"a b\"", "\"1x\"",
		"\"\"", "\"caf\xc3\xa9\"", "\"\xe2\x82\xac\"", "\"x:y\"",
		"\"@\"", "\"#\"", "\"\\u0061\"", "\"xmlns\"", "\"-\"", "\"_\"",
	};
	size_t n = next_random(seed) % 5, i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_puts(b, pick(seed, keys, COUNT(keys)));
		buf_putc(b, ':');
		random_value(b, seed, depth + 1);
	}
	buf_putc(b, '}');
}

static void random_value(struct buf *b, uint32_t *seed, unsigned depth)
{
	static const char *const scalars[] = {
		"null", "true", "false", "0", "-1.50", "2e10", "\"\"",
		"\"plain\"", "\"a<b>&c\"", "\"q\\\"\\\\\\/\"", "\"\\n\\t\\r\"",
		"\"\\u0001\\u001f\\uffff\\ufffe\"", "\"\\ud83d\\ude00\"",
		"\"\xf0\x9f\x98\x80 \xe6\x9d\xb1\"", "\"]]>\"",
	};
	size_t n, i;

	switch (depth < 5 ? next_random(seed) % 4 : 0) {
	case 1:
		random_object(b, seed, depth);
		return;
	case 2:
		n = next_random(seed) % 4;
		buf_putc(b, '[');
		for (i = 0; i < n; i++) {
			if (i)
				buf_putc(b, ',');
			random_value(b, seed, depth + 1);
		}
		buf_putc(b, ']');
		return;
	default:
		buf_puts(b, pick(seed, scalars, COUNT(scalars)));
		return;
	}
}

static void test_xml_stored_random_items(void **state)
{
	struct buf item = BUF_INIT;
	uint32_t seed = 2463534242u;
	size_t i, taken = 0;

	(void)state;
	for (i = 0; i < 3000; i++) {
		buf_reset(&item);
		random_object(&item, &seed, 0);
		if (compare_paths(item.data) == 0)
			taken++;
	}
	/* Enough of them take the one-pass path for the check to mean
	 * something; the rest have "@", "#", escaped or repeated keys. */
	assert_true(taken > 1000);
	buf_release(&item);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_stored_takes_common_items),
		cmocka_unit_test(test_xml_stored_leaves_rare_items),
		cmocka_unit_test(test_xml_stored_broken_text),
		cmocka_unit_test(test_xml_stored_random_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
