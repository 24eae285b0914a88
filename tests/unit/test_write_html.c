/*
 * Unit tests for the html writer (src/export/write_html.c), fed by
 * columns.c: the whole document, escaping of names and values, characters
 * HTML cannot hold, and a check of the output with xmllint when installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "export/writer.h"

#include "test_records.h"

/* Export items (a JSON array) as the pipeline does, into one string. */
static char *export_html(const char *items)
{
	struct writer_options opt = { 0 };
	struct columns *cols = columns_new(NULL, 0);
	struct buf out = BUF_INIT;
	struct test_items t;
	void *state;
	size_t i;

	items_parse(&t, items);
	for (i = 0; i < t.count; i++)
		assert_int_equal(columns_add(cols, &t.recs[i]), 0);

	state = writer_html.begin(&opt, cols, &out);
	assert_non_null(state);
	for (i = 0; i < t.count; i++)
		assert_int_equal(writer_html.record(state, &t.recs[i], &out), 0);
	assert_int_equal(writer_html.end(state, &out), 0);

	items_release(&t);
	columns_free(cols);
	return buf_detach(&out, NULL);
}

#define HEAD								\
	"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\"/>\n"	\
	"<title>Dataset items</title>\n</head>\n<body>\n<table>\n"	\
	"<thead>\n"
#define TAIL "</tbody>\n</table>\n</body>\n</html>\n"

/* Assert that the document of items has this header row and these rows. */
static void assert_rows(const char *items, const char *header,
			const char *rows)
{
	char *text = export_html(items);
	struct buf expected = BUF_INIT;

	buf_printf(&expected, HEAD "%s\n</thead>\n<tbody>\n%s" TAIL,
		   header, rows);
	assert_string_equal(text, expected.data);
	buf_release(&expected);
	free(text);
}

static void test_write_html_document(void **state)
{
	char *text = export_html("[{\"a\":1,\"b\":\"x\"}]");

	(void)state;
	assert_string_equal(text,
		"<!DOCTYPE html>\n"
		"<html>\n"
		"<head>\n"
		"<meta charset=\"utf-8\"/>\n"
		"<title>Dataset items</title>\n"
		"</head>\n"
		"<body>\n"
		"<table>\n"
		"<thead>\n"
		"<tr><th>a</th><th>b</th></tr>\n"
		"</thead>\n"
		"<tbody>\n"
		"<tr><td>1</td><td>x</td></tr>\n"
		"</tbody>\n"
		"</table>\n"
		"</body>\n"
		"</html>\n");
	free(text);
}

static void test_write_html_nested_columns(void **state)
{
	(void)state;
	assert_rows("[{\"id\":1,\"offers\":[{\"p\":1},{\"p\":2}]},"
		    "{\"shop\":{\"city\":\"Brno\"}}]",
		    "<tr><th>id</th><th>offers/0/p</th><th>offers/1/p</th>"
		    "<th>shop/city</th></tr>",
		    "<tr><td>1</td><td>1</td><td>2</td><td></td></tr>\n"
		    "<tr><td></td><td></td><td></td><td>Brno</td></tr>\n");
}

static void test_write_html_escapes_values(void **state)
{
	(void)state;
	assert_rows("[{\"v\":\"<a href=\\\"x\\\">Tom & Jerry's</a>\"}]",
		    "<tr><th>v</th></tr>",
		    "<tr><td>&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s"
		    "&lt;/a&gt;</td></tr>\n");
}

static void test_write_html_escapes_names(void **state)
{
	(void)state;
	assert_rows("[{\"<b>\":1,\"a&b\":{\"'q'\":2},\"\\\"\":3}]",
		    "<tr><th>&lt;b&gt;</th><th>a&amp;b/&#39;q&#39;</th>"
		    "<th>&quot;</th></tr>",
		    "<tr><td>1</td><td>2</td><td>3</td></tr>\n");
}

static void test_write_html_leaf_types(void **state)
{
	(void)state;
	assert_rows("[{\"n\":null,\"t\":true,\"f\":false,\"x\":1.50e3,"
		    "\"s\":\"\"},{}]",
		    "<tr><th>n</th><th>t</th><th>f</th><th>x</th><th>s</th>"
		    "</tr>",
		    "<tr><td></td><td>true</td><td>false</td><td>1.50e3</td>"
		    "<td></td></tr>\n"
		    "<tr><td></td><td></td><td></td><td></td><td></td></tr>\n");
}

static void test_write_html_utf8_kept(void **state)
{
	(void)state;
	assert_rows("[{\"\xc5\xa1\":\"\\ud83d\\ude00 \xe2\x80\x93 "
		    "\xef\xbf\xbd \xef\xbf\xbc\"}]",
		    "<tr><th>\xc5\xa1</th></tr>",
		    "<tr><td>\xf0\x9f\x98\x80 \xe2\x80\x93 \xef\xbf\xbd "
		    "\xef\xbf\xbc</td></tr>\n");
}

/* Controls other than TAB, LF and CR, and U+FFFE and U+FFFF, become
 * U+FFFD, while TAB, LF, CR and DEL are kept as they are. */
static void test_write_html_replaces_controls(void **state)
{
	(void)state;
	assert_rows("[{\"v\":\"a\\u0000b\\u0001c\\u000bd\\u000ce\\u001f"
		    "f\\ufffeg\\uffffh\\t\\r\\ni\\u007fj\"}]",
		    "<tr><th>v</th></tr>",
		    "<tr><td>a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd"
		    "d\xef\xbf\xbd" "e\xef\xbf\xbd" "f\xef\xbf\xbd"
		    "g\xef\xbf\xbd" "h\t\r\ni\x7fj</td></tr>\n");
}

static void test_write_html_no_columns(void **state)
{
	(void)state;
	assert_rows("[{},{}]", "<tr></tr>", "<tr></tr>\n<tr></tr>\n");
	assert_rows("[]", "<tr></tr>", "");
}

/* Each call appends exactly its own part, as the pipeline drains out. */
static void test_write_html_one_row_per_call(void **state)
{
	struct writer_options opt = { 0 };
	struct columns *cols = columns_new(NULL, 0);
	struct test_items t;
	struct buf out = BUF_INIT;
	void *st;
	size_t i;

	(void)state;
	items_parse(&t, "[{\"a\":1},{\"b\":2}]");
	for (i = 0; i < t.count; i++)
		assert_int_equal(columns_add(cols, &t.recs[i]), 0);

	st = writer_html.begin(&opt, cols, &out);
	assert_string_equal(out.data, HEAD "<tr><th>a</th><th>b</th></tr>\n"
			    "</thead>\n<tbody>\n");
	buf_reset(&out);
	assert_int_equal(writer_html.record(st, &t.recs[0], &out), 0);
	assert_string_equal(out.data, "<tr><td>1</td><td></td></tr>\n");
	buf_reset(&out);
	assert_int_equal(writer_html.record(st, &t.recs[1], &out), 0);
	assert_string_equal(out.data, "<tr><td></td><td>2</td></tr>\n");
	buf_reset(&out);
	assert_int_equal(writer_html.end(st, &out), 0);
	assert_string_equal(out.data, TAIL);

	buf_release(&out);
	items_release(&t);
	columns_free(cols);
}

/* Under the sanitizers this shows abort() frees what begin() made. */
static void test_write_html_abort(void **state)
{
	struct writer_options opt = { 0 };
	struct columns *cols = columns_new(NULL, 0);
	struct test_items t;
	struct buf out = BUF_INIT;
	void *st;

	(void)state;
	items_parse(&t, "[{\"a\":1}]");
	assert_int_equal(columns_add(cols, &t.recs[0]), 0);
	st = writer_html.begin(&opt, cols, &out);
	assert_int_equal(writer_html.record(st, &t.recs[0], &out), 0);
	writer_html.abort(st);
	buf_release(&out);
	items_release(&t);
	columns_free(cols);
}

static void test_write_html_description(void **state)
{
	(void)state;
	assert_string_equal(writer_html.format, "html");
	assert_string_equal(writer_html.content_type,
			    "text/html; charset=utf-8");
	assert_string_equal(writer_html.extension, "html");
	assert_int_equal(writer_html.tabular, 1);
	assert_int_equal(writer_html.bom_by_default, 0);
}

/*
 * Run xmllint with mode ("--html", or "" for XML) on path, and append what
 * it prints to output. Returns its exit status: its HTML parser reports
 * errors on stderr but still exits with 0, so callers check both.
 */
static int run_xmllint(const char *mode, const char *path, struct buf *output)
{
	struct buf cmd = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p;

	buf_printf(&cmd, "xmllint %s --noout '%s' 2>&1", mode, path);
	p = popen(cmd.data, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_append(output, chunk, n);
	buf_release(&cmd);
	return pclose(p);
}

static void test_write_html_xmllint(void **state)
{
	char path[] = "/tmp/actord-test-html-XXXXXX";
	struct buf html_output = BUF_INIT, xml_output = BUF_INIT;
	int html_status, xml_status;
	char *text;
	int fd;

	(void)state;
	if (system("command -v xmllint >/dev/null 2>&1"))
		skip();
	text = export_html(
		"[{\"<k>&\":\"<script>alert('x')</script> & \\\"q\\\"\","
		"\"n\":null,\"b\":true,\"num\":-1.5e-3,"
		"\"ctl\":\"a\\u0000\\u0001\\u000b\\u000c\\ufffe\\uffff z\","
		"\"ws\":\"\\t\\r\\n\",\"emoji\":\"\\ud83d\\ude00\","
		"\"deep\":{\"a\":[{\"b\":\"]]>\"}]}},"
		"{},{\"extra\":\"<!-- x -->\"}]");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
	html_status = run_xmllint("--html", path, &html_output);
	xml_status = run_xmllint("", path, &xml_output);
	unlink(path);

	buf_puts(&html_output, "");
	buf_puts(&xml_output, "");
	assert_string_equal(html_output.data, "");
	assert_int_equal(html_status, 0);
	/* The document is well-formed XML as well. */
	assert_string_equal(xml_output.data, "");
	assert_int_equal(xml_status, 0);

	buf_release(&html_output);
	buf_release(&xml_output);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_html_document),
		cmocka_unit_test(test_write_html_nested_columns),
		cmocka_unit_test(test_write_html_escapes_values),
		cmocka_unit_test(test_write_html_escapes_names),
		cmocka_unit_test(test_write_html_leaf_types),
		cmocka_unit_test(test_write_html_utf8_kept),
		cmocka_unit_test(test_write_html_replaces_controls),
		cmocka_unit_test(test_write_html_no_columns),
		cmocka_unit_test(test_write_html_one_row_per_call),
		cmocka_unit_test(test_write_html_abort),
		cmocka_unit_test(test_write_html_description),
		cmocka_unit_test(test_write_html_xmllint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
