/*
 * Records for writer tests: a JSON array of objects parsed into one record
 * per object, keys and values pointing into the parsed document. Included
 * by the test files that need it; each gets its own static copy.
 */
#ifndef ACTORD_TESTS_TEST_RECORDS_H
#define ACTORD_TESTS_TEST_RECORDS_H

#include <stdlib.h>
#include <string.h>

#include "export/record.h"
#include "util/json.h"

/* The records of a parsed JSON array of objects. */
struct test_items {
	struct json_doc *doc;
	struct record *recs;
	size_t count;
};

static void items_parse(struct test_items *t, const char *json)
{
	struct json_error err;
	const struct json *root, *item, *m;
	size_t i = 0, j;

	t->doc = json_parse(json, strlen(json), &err);
	if (!t->doc)
		fail_msg("parse failed at %zu: %s", err.offset, err.message);
	root = json_root(t->doc);
	assert_int_equal(root->type, JSON_ARRAY);

	t->count = root->count;
	t->recs = calloc(t->count + 1, sizeof(*t->recs));
	assert_non_null(t->recs);
	for (item = root->child; item; item = item->next, i++) {
		struct record_field *fields;

		assert_int_equal(item->type, JSON_OBJECT);
		fields = calloc(item->count + 1, sizeof(*fields));
		assert_non_null(fields);
		for (m = item->child, j = 0; m; m = m->next, j++) {
			fields[j].key = m->key;
			fields[j].key_len = m->key_len;
			fields[j].value = m;
		}
		t->recs[i].fields = fields;
		t->recs[i].count = item->count;
	}
}

static void items_release(struct test_items *t)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		free((void *)t->recs[i].fields);
	free(t->recs);
	json_doc_free(t->doc);
}

#endif
