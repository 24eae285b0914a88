/*
 * Unit tests for the csv writer (src/export/write_csv.c), fed by
 * columns.c: the export cases byte for byte, quoting of cells and header
 * names, cell text of each leaf type, and one row per record() call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/writer.h"

#include "test_records.h"

static struct writer_options csv_options(char delimiter)
{
	struct writer_options opt = { 0 };

	opt.delimiter = delimiter;
	return opt;
}

/* Export items (a JSON array) as the pipeline does, into one string. */
static char *export_csv(const struct writer_options *opt, char *const *fields,
			size_t field_count, const char *items)
{
	struct columns *cols = columns_new(fields, field_count);
	struct buf out = BUF_INIT;
	struct test_items t;
	void *state;
	size_t i;

	items_parse(&t, items);
	for (i = 0; i < t.count; i++)
		assert_int_equal(columns_add(cols, &t.recs[i]), 0);

	state = writer_csv.begin(opt, cols, &out);
	assert_non_null(state);
	for (i = 0; i < t.count; i++)
		assert_int_equal(writer_csv.record(state, &t.recs[i], &out), 0);
	assert_int_equal(writer_csv.end(state, &out), 0);

	buf_puts(&out, "");
	items_release(&t);
	columns_free(cols);
	return buf_detach(&out, NULL);
}

static void assert_csv(char delimiter, const char *items, const char *expected)
{
	struct writer_options opt = csv_options(delimiter);
	char *text = export_csv(&opt, NULL, 0, items);

	assert_string_equal(text, expected);
	free(text);
}

static void test_write_csv_basic(void **state)
{
	(void)state;
	assert_csv(',', "[{\"a\":1,\"b\":\"x\"},{\"a\":2,\"b\":\"y\"}]",
		   "a,b\n1,x\n2,y\n");
}

static void test_write_csv_nested_object(void **state)
{
	(void)state;
	assert_csv(',', "[{\"id\":1,\"shop\":{\"city\":\"Brno\","
		   "\"zip\":\"60200\"}}]",
		   "id,shop/city,shop/zip\n1,Brno,60200\n");
}

static void test_write_csv_array_of_objects(void **state)
{
	(void)state;
	assert_csv(',', "[{\"id\":1,\"offers\":[{\"p\":1},{\"p\":2}]}]",
		   "id,offers/0/p,offers/1/p\n1,1,2\n");
}

static void test_write_csv_tab_quotes_tab(void **state)
{
	(void)state;
	assert_csv('\t', "[{\"a\":\"x\\ty\",\"b\":\"plain\"}]",
		   "a\tb\n\"x\ty\"\tplain\n");
}

static void test_write_csv_null_absent_booleans(void **state)
{
	(void)state;
	assert_csv(',', "[{\"a\":null,\"b\":true,\"c\":false},{\"d\":1},"
		   "{\"c\":{}}]",
		   "a,b,c,d\n,true,false,\n,,,1\n,,,\n");
}

static void test_write_csv_numbers_verbatim(void **state)
{
	(void)state;
	assert_csv(',', "[{\"a\":1.50,\"b\":-0e+3,"
		   "\"c\":12345678901234567890123,\"d\":0.1}]",
		   "a,b,c,d\n1.50,-0e+3,12345678901234567890123,0.1\n");
}

static void test_write_csv_quoting(void **state)
{
	(void)state;
	assert_csv(',', "[{\"q\":\"say \\\"hi\\\"\",\"c\":\"a,b\","
		   "\"lf\":\"l1\\nl2\",\"cr\":\"x\\ry\",\"s\":\" sp \","
		   "\"e\":\"\",\"only\":\"\\\"\"}]",
		   "q,c,lf,cr,s,e,only\n"
		   "\"say \"\"hi\"\"\",\"a,b\",\"l1\nl2\",\"x\ry\", sp ,,"
		   "\"\"\"\"\n");
}

static void test_write_csv_header_quoting(void **state)
{
	(void)state;
	assert_csv(',', "[{\"a,b\":1,\"c\\\"d\":2,\"e\\nf\":{\"g\":3}}]",
		   "\"a,b\",\"c\"\"d\",\"e\nf/g\"\n1,2,3\n");
}

static void test_write_csv_semicolon(void **state)
{
	(void)state;
	assert_csv(';', "[{\"a\":\"x,y\",\"b\":\"p;q\",\"c;d\":1}]",
		   "a;b;\"c;d\"\nx,y;\"p;q\";1\n");
}

/* The pipeline accepts any one byte, so a number may need quotes too. */
static void test_write_csv_delimiter_in_number(void **state)
{
	(void)state;
	assert_csv('.', "[{\"a\":1.5,\"b\":2}]", "a.b\n\"1.5\".2\n");
	assert_csv('e', "[{\"a\":true,\"b\":false}]",
		   "aeb\n\"true\"e\"false\"\n");
}

static void test_write_csv_utf8_kept(void **state)
{
	(void)state;
	assert_csv(',', "[{\"s\":\"Brno \xe2\x80\x93 \xf0\x9f\x98\x80\","
		   "\"e\":\"\\u00e9\\ud83d\\ude00\",\"\xc5\xa1\":1}]",
		   "s,e,\xc5\xa1\n"
		   "Brno \xe2\x80\x93 \xf0\x9f\x98\x80,\xc3\xa9\xf0\x9f\x98\x80,1\n");
}

static void test_write_csv_nul_kept(void **state)
{
	struct writer_options opt = csv_options(',');
	char *text = export_csv(&opt, NULL, 0, "[{\"a\":\"x\\u0000y\"}]");

	(void)state;
	assert_memory_equal(text, "a\nx\0y\n", 7);
	free(text);
}

static void test_write_csv_skip_header_row(void **state)
{
	struct writer_options opt = csv_options(',');
	char *text;

	(void)state;
	opt.skip_header_row = 1;
	text = export_csv(&opt, NULL, 0, "[{\"a\":1,\"b\":\"x\"},{\"b\":\"y\"}]");
	assert_string_equal(text, "1,x\n,y\n");
	free(text);
}

static void test_write_csv_fields_order(void **state)
{
	struct writer_options opt = csv_options(',');
	char *fields[] = { "b", "a" };
	char *text;

	(void)state;
	text = export_csv(&opt, fields, 2,
			  "[{\"a\":1},{\"a\":2,\"b\":{\"x\":3}}]");
	assert_string_equal(text, "b/x,a\n,1\n3,2\n");
	free(text);
}

static void test_write_csv_no_columns(void **state)
{
	(void)state;
	assert_csv(',', "[{},{\"a\":[]}]", "");
	assert_csv(',', "[]", "");
}

static void test_write_csv_no_records(void **state)
{
	struct columns *cols = columns_new(NULL, 0);
	struct writer_options opt = csv_options(',');
	struct test_items t;
	struct buf out = BUF_INIT;
	void *st;

	(void)state;
	/* Columns from an earlier pass, no record written after them. */
	items_parse(&t, "[{\"a\":1}]");
	assert_int_equal(columns_add(cols, &t.recs[0]), 0);
	st = writer_csv.begin(&opt, cols, &out);
	assert_int_equal(writer_csv.end(st, &out), 0);
	assert_int_equal(out.len, 2);
	assert_memory_equal(out.data, "a\n", 2);
	buf_release(&out);
	items_release(&t);
	columns_free(cols);
}

/* Each call appends exactly its own part, as the pipeline drains out. */
static void test_write_csv_one_row_per_call(void **state)
{
	struct columns *cols = columns_new(NULL, 0);
	struct writer_options opt = csv_options(',');
	struct test_items t;
	struct buf out = BUF_INIT;
	void *st;
	size_t i;

	(void)state;
	items_parse(&t, "[{\"a\":1},{\"b\":2},{\"a\":3,\"b\":4}]");
	for (i = 0; i < t.count; i++)
		assert_int_equal(columns_add(cols, &t.recs[i]), 0);

	st = writer_csv.begin(&opt, cols, &out);
	assert_string_equal(out.data, "a,b\n");
	buf_reset(&out);
	assert_int_equal(writer_csv.record(st, &t.recs[0], &out), 0);
	assert_string_equal(out.data, "1,\n");
	buf_reset(&out);
	assert_int_equal(writer_csv.record(st, &t.recs[1], &out), 0);
	assert_string_equal(out.data, ",2\n");
	buf_reset(&out);
	assert_int_equal(writer_csv.record(st, &t.recs[2], &out), 0);
	assert_string_equal(out.data, "3,4\n");
	buf_reset(&out);
	assert_int_equal(writer_csv.end(st, &out), 0);
	assert_int_equal(out.len, 0);

	buf_release(&out);
	items_release(&t);
	columns_free(cols);
}

/* Under the sanitizers this shows abort() frees what begin() made. */
static void test_write_csv_abort(void **state)
{
	struct columns *cols = columns_new(NULL, 0);
	struct writer_options opt = csv_options(',');
	struct test_items t;
	struct buf out = BUF_INIT;
	void *st;

	(void)state;
	items_parse(&t, "[{\"a\":1}]");
	assert_int_equal(columns_add(cols, &t.recs[0]), 0);
	st = writer_csv.begin(&opt, cols, &out);
	assert_int_equal(writer_csv.record(st, &t.recs[0], &out), 0);
	writer_csv.abort(st);
	buf_release(&out);
	items_release(&t);
	columns_free(cols);
}

static void test_write_csv_description(void **state)
{
	(void)state;
	assert_string_equal(writer_csv.format, "csv");
	assert_string_equal(writer_csv.content_type, "text/csv; charset=utf-8");
	assert_string_equal(writer_csv.extension, "csv");
	assert_int_equal(writer_csv.tabular, 1);
	assert_int_equal(writer_csv.bom_by_default, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_csv_basic),
		cmocka_unit_test(test_write_csv_nested_object),
		cmocka_unit_test(test_write_csv_array_of_objects),
		cmocka_unit_test(test_write_csv_tab_quotes_tab),
		cmocka_unit_test(test_write_csv_null_absent_booleans),
		cmocka_unit_test(test_write_csv_numbers_verbatim),
		cmocka_unit_test(test_write_csv_quoting),
		cmocka_unit_test(test_write_csv_header_quoting),
		cmocka_unit_test(test_write_csv_semicolon),
		cmocka_unit_test(test_write_csv_delimiter_in_number),
		cmocka_unit_test(test_write_csv_utf8_kept),
		cmocka_unit_test(test_write_csv_nul_kept),
		cmocka_unit_test(test_write_csv_skip_header_row),
		cmocka_unit_test(test_write_csv_fields_order),
		cmocka_unit_test(test_write_csv_no_columns),
		cmocka_unit_test(test_write_csv_no_records),
		cmocka_unit_test(test_write_csv_one_row_per_call),
		cmocka_unit_test(test_write_csv_abort),
		cmocka_unit_test(test_write_csv_description),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
