/*
 * Unit tests for src/export/write_xlsx.c and the zip stream under it. Each
 * test writes a workbook into a private temporary directory, and python3's
 * zipfile (which checks every entry's CRC) and xml.etree read the result
 * back cell by cell.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "export/columns.h"
#include "export/writer.h"
#include "util/buf.h"
#include "util/json.h"

#define CELL_CHARS_MAX 32767

/*
 * Print the workbook named by argv[1] as JSON: the sheet names, and each
 * cell of the first sheet by reference, as ["s", text], ["n", text of the
 * number], ["b", "0" or "1"]. Strings may be inline (constant-memory mode)
 * or shared, and _xHHHH_ escapes are decoded as Excel decodes them.
 */
static const char READ_XLSX_PY[] =
	"import json, re, sys, zipfile\n"
	"import xml.etree.ElementTree as ET\n"
	"NS = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'\n"
	"ESC = re.compile(r'_x([0-9A-Fa-f]{4})_')\n"
	"def text(el):\n"
	"    s = ''.join(t.text or '' for t in el.iter(NS + 't'))\n"
	"    return ESC.sub(lambda m: chr(int(m.group(1), 16)), s)\n"
	"z = zipfile.ZipFile(sys.argv[1])\n"
	"assert z.testzip() is None\n"
	"shared = []\n"
	"if 'xl/sharedStrings.xml' in z.namelist():\n"
	"    root = ET.fromstring(z.read('xl/sharedStrings.xml'))\n"
	"    shared = [text(si) for si in root.iter(NS + 'si')]\n"
	"book = ET.fromstring(z.read('xl/workbook.xml'))\n"
	"out = {'sheets': [s.get('name') for s in book.iter(NS + 'sheet')],\n"
	"       'cells': {}}\n"
	"sheet = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))\n"
	"for c in sheet.iter(NS + 'c'):\n"
	"    t = c.get('t', 'n')\n"
	"    v = c.find(NS + 'v')\n"
	"    if t == 'inlineStr':\n"
	"        cell = ['s', text(c.find(NS + 'is'))]\n"
	"    elif t == 's':\n"
	"        cell = ['s', shared[int(v.text)]]\n"
	"    else:\n"
	"        cell = [t, v.text if v is not None else '']\n"
	"    out['cells'][c.get('r')] = cell\n"
	"json.dump(out, sys.stdout)\n";

/* The number of rows of the sheet and the reference of its last cell. */
static const char READ_EXTENT_PY[] =
	"import sys, zipfile\n"
	"import xml.etree.ElementTree as ET\n"
	"NS = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'\n"
	"z = zipfile.ZipFile(sys.argv[1])\n"
	"rows, last = 0, ''\n"
	"for event, el in ET.iterparse(z.open('xl/worksheets/sheet1.xml')):\n"
	"    if el.tag == NS + 'c':\n"
	"        last = el.get('r')\n"
	"    elif el.tag == NS + 'row':\n"
	"        rows += 1\n"
	"        el.clear()\n"
	"print(rows, last)\n";

/* A private TMPDIR for one test, so the test finds every file made in it. */
struct scratch {
	char dir[256];
	char *old_tmpdir;
};

static void scratch_init(struct scratch *s)
{
	const char *base = getenv("TMPDIR");

	snprintf(s->dir, sizeof(s->dir), "%s/test_write_xlsx.XXXXXX",
		 base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	s->old_tmpdir = base ? strdup(base) : NULL;
	assert_int_equal(setenv("TMPDIR", s->dir, 1), 0);
}

/* Entries in dir other than . and .. whose names start with prefix. */
static int count_files(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static int count_open_fds(void)
{
	return count_files("/proc/self/fd", "");
}

static void scratch_path(const struct scratch *s, const char *name,
			 char *path, size_t size)
{
	snprintf(path, size, "%s/%s", s->dir, name);
}

/* Remove the test's own files, then check the writer left none behind. */
static void scratch_release(struct scratch *s)
{
	static const char *const ours[] = { "out.xlsx", "read.py", "out.json" };
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		scratch_path(s, ours[i], path, sizeof(path));
		unlink(path);
	}
	assert_int_equal(count_files(s->dir, ""), 0);
	assert_int_equal(rmdir(s->dir), 0);
	if (s->old_tmpdir)
		setenv("TMPDIR", s->old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(s->old_tmpdir);
}

/* One parsed JSON object as a record. */
struct item {
	struct json_doc *doc;
	struct record_field *fields;
	struct record rec;
};

static void item_parse(struct item *it, const char *text, size_t len)
{
	struct json_error err;
	const struct json *m;
	size_t i = 0;

	it->doc = json_parse(text, len, &err);
	if (!it->doc)
		fail_msg("invalid test item at %zu: %s", err.offset,
			 err.message);
	assert_int_equal(json_root(it->doc)->type, JSON_OBJECT);
	it->fields = calloc(json_root(it->doc)->count + 1,
			    sizeof(*it->fields));
	assert_non_null(it->fields);
	for (m = json_root(it->doc)->child; m; m = m->next, i++) {
		it->fields[i].key = m->key;
		it->fields[i].key_len = m->key_len;
		it->fields[i].value = m;
	}
	it->rec.fields = it->fields;
	it->rec.count = i;
}

static void item_release(struct item *it)
{
	json_doc_free(it->doc);
	free(it->fields);
}

/*
 * Call end() and append what it hands out to out, then write out to the
 * file at path. Returns the size of the file.
 */
static size_t finish(void *state, struct buf *out, const char *path)
{
	FILE *f = fopen(path, "wb");
	size_t size;

	assert_non_null(f);
	assert_int_equal(writer_xlsx.end(state, out), 0);
	assert_int_equal(fwrite(out->data, 1, out->len, f), out->len);
	assert_int_equal(fclose(f), 0);
	size = out->len;
	buf_reset(out);
	return size;
}

/* Run a python script on out.xlsx and append its output to result. */
static void run_python(const struct scratch *s, const char *script,
		       struct buf *result)
{
	char py[512], xlsx[512], json[512], cmd[2048];
	FILE *f;
	char chunk[4096];
	size_t n;
	int rc;

	scratch_path(s, "read.py", py, sizeof(py));
	scratch_path(s, "out.xlsx", xlsx, sizeof(xlsx));
	scratch_path(s, "out.json", json, sizeof(json));
	f = fopen(py, "w");
	assert_non_null(f);
	fputs(script, f);
	assert_int_equal(fclose(f), 0);

	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' > '%s'", py, xlsx, json);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("python3 cannot read the workbook %s (status %d);"
			 " see its error above", xlsx, rc);

	f = fopen(json, "rb");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(result, chunk, n);
	fclose(f);
}

/* The reference of a cell, column index col from 0 and row from 1: "B3". */
static void cell_ref(size_t col, size_t row, char *ref, size_t size)
{
	char letters[8];
	size_t n = 0, i;

	col++;
	while (col) {
		letters[n++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	for (i = 0; i < n; i++)
		ref[i] = letters[n - 1 - i];
	snprintf(ref + n, size - n, "%zu", row);
}

/* The workbook as read back: sheet names and cells. */
struct book {
	struct buf text;
	struct json_doc *doc;
	const struct json *cells;
	const struct columns *cols;
};

static void book_read(struct book *b, const struct scratch *s,
		      const struct columns *cols)
{
	struct json_error err;

	memset(b, 0, sizeof(*b));
	run_python(s, READ_XLSX_PY, &b->text);
	b->doc = json_parse(b->text.data, b->text.len, &err);
	if (!b->doc)
		fail_msg("python3 printed invalid JSON at %zu: %s", err.offset,
			 err.message);
	b->cells = json_get(json_root(b->doc), "cells");
	assert_non_null(b->cells);
	b->cols = cols;
}

static void book_release(struct book *b)
{
	json_doc_free(b->doc);
	buf_release(&b->text);
}

static size_t column_index(const struct columns *cols, const char *name)
{
	size_t i, len;

	for (i = 0; i < columns_count(cols); i++)
		if (!strcmp(columns_name(cols, i, &len), name))
			return i;
	fail_msg("no column named '%s'", name);
	return 0;
}

/* The cell of column name in row (1 is the header), or NULL if empty. */
static const struct json *book_cell(const struct book *b, const char *name,
				    size_t row)
{
	char ref[16];

	cell_ref(column_index(b->cols, name), row, ref, sizeof(ref));
	return json_get(b->cells, ref);
}

static void check_string(const struct book *b, const char *name,
			  size_t row, const char *value, size_t len)
{
	const struct json *c = book_cell(b, name, row);

	if (!c)
		fail_msg("column '%s' row %zu: empty, expected a string",
			 name, row);
	assert_true(json_is_string(c->child, "s"));
	assert_int_equal(c->child->next->len, len);
	assert_memory_equal(c->child->next->str, value, len);
}

#define CHECK_STRING(b, name, row, lit) \
	check_string((b), (name), (row), (lit), sizeof(lit) - 1)

static void check_number(const struct book *b, const char *name,
			  size_t row, double value)
{
	const struct json *c = book_cell(b, name, row);

	if (!c)
		fail_msg("column '%s' row %zu: empty, expected a number",
			 name, row);
	assert_true(json_is_string(c->child, "n"));
	assert_true(strtod(c->child->next->str, NULL) == value);
	assert_int_equal(signbit(strtod(c->child->next->str, NULL)),
			 signbit(value));
}

static void check_boolean(const struct book *b, const char *name,
			   size_t row, int value)
{
	const struct json *c = book_cell(b, name, row);

	if (!c)
		fail_msg("column '%s' row %zu: empty, expected a boolean",
			 name, row);
	assert_true(json_is_string(c->child, "b"));
	assert_true(json_is_string(c->child->next, value ? "1" : "0"));
}

static void check_empty(const struct book *b, const char *name, size_t row)
{
	assert_null(book_cell(b, name, row));
}

/*
 * Collect the columns of the items, write them all, collect the output
 * into out.xlsx and read it back.
 */
static void write_items(const struct scratch *s, struct item *items,
			size_t count, struct columns **cols, struct book *b)
{
	struct writer_options opt = { 0 };
	struct buf out = BUF_INIT;
	char path[512];
	void *state;
	size_t i;

	*cols = columns_new(NULL, 0);
	assert_non_null(*cols);
	for (i = 0; i < count; i++)
		assert_int_equal(columns_add(*cols, &items[i].rec), 0);

	state = writer_xlsx.begin(&opt, *cols, &out);
	assert_non_null(state);
	/* The package's first parts go out at once: a zip starts "PK". */
	assert_true(out.len > 4);
	assert_memory_equal(out.data, "PK\3\4", 4);
	for (i = 0; i < count; i++)
		assert_int_equal(writer_xlsx.record(state, &items[i].rec,
						    &out), 0);
	scratch_path(s, "out.xlsx", path, sizeof(path));
	finish(state, &out, path);
	buf_release(&out);
	book_read(b, s, *cols);
}

static void test_write_xlsx_writer_fields(void **state)
{
	(void)state;
	assert_string_equal(writer_xlsx.format, "xlsx");
	assert_string_equal(writer_xlsx.content_type,
			    "application/vnd.openxmlformats-officedocument"
			    ".spreadsheetml.sheet");
	assert_string_equal(writer_xlsx.extension, "xlsx");
	assert_int_equal(writer_xlsx.tabular, 1);
	assert_int_equal(writer_xlsx.bom_by_default, 0);
}

static const char ITEM_VALUES[] =
	"{\"id\":1,\"price\":0.1,\"big\":12345678901234567890123,"
	"\"ok\":true,\"note\":null,\"name\":\"Z\\u00fcrich \\u6771\\u4eac "
	"\\ud83d\\ude00\",\"author\":{\"name\":\"Ann\"},"
	"\"ctl\":\"a\\u0001b\\u0000c\\u001fd\\uffffe\","
	"\"ws\":\"t\\tl\\nc\\r\",\"esc\":\"_x0041_ and _X0041_\","
	"\"empty\":\"\",\"k_x0042_\\u0002\":\"key\",\"html\":\"<a & b>\"}";

static const char ITEM_SPARSE[] =
	"{\"id\":-2.5e3,\"ok\":false,\"extra\":\"only here\"}";

static void test_write_xlsx_cells(void **state)
{
	struct scratch s;
	struct item items[2];
	struct columns *cols;
	struct book b;
	const struct json *sheets;

	(void)state;
	scratch_init(&s);
	item_parse(&items[0], ITEM_VALUES, sizeof(ITEM_VALUES) - 1);
	item_parse(&items[1], ITEM_SPARSE, sizeof(ITEM_SPARSE) - 1);
	write_items(&s, items, 2, &cols, &b);

	sheets = json_get(json_root(b.doc), "sheets");
	assert_int_equal(sheets->count, 1);
	assert_true(json_is_string(sheets->child, "Items"));

	/* The header row: names as strings, escapes and controls handled. */
	CHECK_STRING(&b, "id", 1, "id");
	CHECK_STRING(&b, "author/name", 1, "author/name");
	CHECK_STRING(&b, "k_x0042_\002", 1, "k_x0042_");
	CHECK_STRING(&b, "extra", 1, "extra");

	check_number(&b, "id", 2, 1);
	check_number(&b, "price", 2, 0.1);
	CHECK_STRING(&b, "big", 2, "12345678901234567890123");
	check_boolean(&b, "ok", 2, 1);
	check_empty(&b, "note", 2);
	CHECK_STRING(&b, "name", 2, "Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac "
		      "\xf0\x9f\x98\x80");
	CHECK_STRING(&b, "author/name", 2, "Ann");
	CHECK_STRING(&b, "ctl", 2, "abcde");
	CHECK_STRING(&b, "ws", 2, "t\tl\nc\r");
	CHECK_STRING(&b, "esc", 2, "_x0041_ and _X0041_");
	/* An empty string is no cell at all, as null is. */
	check_empty(&b, "empty", 2);
	CHECK_STRING(&b, "k_x0042_\002", 2, "key");
	CHECK_STRING(&b, "html", 2, "<a & b>");
	check_empty(&b, "extra", 2);

	check_number(&b, "id", 3, -2500);
	check_boolean(&b, "ok", 3, 0);
	CHECK_STRING(&b, "extra", 3, "only here");
	check_empty(&b, "price", 3);
	check_empty(&b, "name", 3);

	book_release(&b);
	columns_free(cols);
	item_release(&items[0]);
	item_release(&items[1]);
	scratch_release(&s);
}

/*
 * Numbers go to number cells when the file keeps their value. Integers
 * from 2^53 up, and literals that no finite double represents, become
 * string cells.
 */
static const char ITEM_NUMBERS[] =
	"{\"below\":9007199254740991,\"limit\":9007199254740992,"
	"\"neg\":-9007199254740993,\"exp\":1E5,\"zero\":-0,"
	"\"frac\":0.30000000000000004,\"huge\":1e400,\"tiny\":1e-400,"
	"\"max\":1.7976931348623157e308,\"small\":2.5e-300,"
	"\"long\":1.00000000000000000000000000000000000000000000000000000"
	"000000000000000000001}";

static void test_write_xlsx_numbers(void **state)
{
	struct scratch s;
	struct item item;
	struct columns *cols;
	struct book b;

	(void)state;
	scratch_init(&s);
	item_parse(&item, ITEM_NUMBERS, sizeof(ITEM_NUMBERS) - 1);
	write_items(&s, &item, 1, &cols, &b);

	check_number(&b, "below", 2, 9007199254740991.0);
	CHECK_STRING(&b, "limit", 2, "9007199254740992");
	CHECK_STRING(&b, "neg", 2, "-9007199254740993");
	check_number(&b, "exp", 2, 100000);
	check_number(&b, "zero", 2, -0.0);
	/* Numbers keep 16 significant digits: 0.30000000000000004 is 0.3. */
	check_number(&b, "frac", 2, 0.3);
	CHECK_STRING(&b, "huge", 2, "1e400");
	CHECK_STRING(&b, "tiny", 2, "1e-400");
	CHECK_STRING(&b, "max", 2, "1.7976931348623157e308");
	check_number(&b, "small", 2, 2.5e-300);
	check_number(&b, "long", 2, 1);

	book_release(&b);
	columns_free(cols);
	item_release(&item);
	scratch_release(&s);
}

/*
 * 40000 characters of 1, 2, 3 and 4 bytes in turn are cut to 32767 UTF-16
 * code units, as Excel counts, on a character boundary: the emoji counts
 * twice. An escaped "_x0041_" counts as the 7 characters it reads back as.
 */
static void test_write_xlsx_long_string(void **state)
{
	static const char pattern[] = "a\xc3\xa9\xe6\x9d\xb1\xf0\x9f\x98\x80";
	struct scratch s;
	struct buf json = BUF_INIT, expected = BUF_INIT;
	struct item items[2];
	struct columns *cols;
	struct book b;
	size_t i;

	(void)state;
	scratch_init(&s);
	buf_puts(&json, "{\"long\":\"");
	for (i = 0; i < 10000; i++)
		buf_puts(&json, pattern);
	buf_puts(&json, "\"}");
	item_parse(&items[0], json.data, json.len);

	/* 6553 patterns are 32765 units, and 'a' and U+00E9 fit after. */
	for (i = 0; i < 6553; i++)
		buf_puts(&expected, pattern);
	buf_append(&expected, pattern, 3);

	/* 4681 times 7 characters are 32767. */
	buf_reset(&json);
	buf_puts(&json, "{\"long\":\"");
	for (i = 0; i < 5000; i++)
		buf_puts(&json, "_x0041_");
	buf_puts(&json, "\"}");
	item_parse(&items[1], json.data, json.len);

	write_items(&s, items, 2, &cols, &b);
	check_string(&b, "long", 2, expected.data, expected.len);
	buf_reset(&expected);
	for (i = 0; i < 4681; i++)
		buf_puts(&expected, "_x0041_");
	check_string(&b, "long", 3, expected.data, expected.len);

	book_release(&b);
	columns_free(cols);
	item_release(&items[0]);
	item_release(&items[1]);
	buf_release(&json);
	buf_release(&expected);
	scratch_release(&s);
}

/* Leading and trailing whitespace survives: the <t> has xml:space. */
static void test_write_xlsx_whitespace(void **state)
{
	static const char item_text[] =
		"{\"lead\":\" a\",\"trail\":\"b\\n\",\"both\":\"\\tc \","
		"\"ctl\":\"\\u0001 d\",\"inner\":\"e f\"}";
	struct scratch s;
	struct item item;
	struct columns *cols;
	struct book b;

	(void)state;
	scratch_init(&s);
	item_parse(&item, item_text, sizeof(item_text) - 1);
	write_items(&s, &item, 1, &cols, &b);
	CHECK_STRING(&b, "lead", 2, " a");
	CHECK_STRING(&b, "trail", 2, "b\n");
	CHECK_STRING(&b, "both", 2, "\tc ");
	CHECK_STRING(&b, "ctl", 2, " d");
	CHECK_STRING(&b, "inner", 2, "e f");
	book_release(&b);
	columns_free(cols);
	item_release(&item);
	scratch_release(&s);
}

/*
 * The worksheet is deflated as rows come: compressed bytes leave during
 * record() long before end(), no file is made in TMPDIR, and the cells
 * read back in order.
 */
static void test_write_xlsx_streams_rows(void **state)
{
	struct scratch s;
	struct writer_options opt = { 0 };
	struct buf out = BUF_INIT, json = BUF_INIT, file = BUF_INIT;
	struct columns *cols;
	struct item item;
	struct book b;
	char path[512], expected[64];
	size_t i, after_begin, before_end;
	FILE *f;
	void *st;
	int fds;

	(void)state;
	scratch_init(&s);
	fds = count_open_fds();
	cols = columns_new(NULL, 0);
	buf_puts(&json, "{\"n\":0,\"s\":\"\"}");
	item_parse(&item, json.data, json.len);
	assert_int_equal(columns_add(cols, &item.rec), 0);
	item_release(&item);

	st = writer_xlsx.begin(&opt, cols, &out);
	after_begin = out.len;
	/* Text that compresses poorly, so output flows before the end. */
	for (i = 0; i < 20000; i++) {
		buf_reset(&json);
		buf_printf(&json, "{\"n\":%zu,\"s\":\"%08lx%08lx\"}", i,
			   (unsigned long)(i * 2654435761u),
			   (unsigned long)(i * 40503u + 12345u));
		item_parse(&item, json.data, json.len);
		assert_int_equal(writer_xlsx.record(st, &item.rec, &out), 0);
		item_release(&item);
		/* The caller sends and drops what was appended. */
		buf_append(&file, out.data, out.len);
		buf_reset(&out);
	}
	before_end = file.len;
	assert_true(before_end > after_begin + 100000);
	assert_int_equal(count_files(s.dir, ""), 0);

	assert_int_equal(writer_xlsx.end(st, &out), 0);
	assert_true(out.len < before_end);
	buf_append(&file, out.data, out.len);
	assert_int_equal(count_open_fds(), fds);
	scratch_path(&s, "out.xlsx", path, sizeof(path));
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(file.data, 1, file.len, f), file.len);
	assert_int_equal(fclose(f), 0);

	book_read(&b, &s, cols);
	for (i = 0; i < 20000; i += 4999) {
		check_number(&b, "n", i + 2, (double)i);
		snprintf(expected, sizeof(expected), "%08lx%08lx",
			 (unsigned long)(i * 2654435761u),
			 (unsigned long)(i * 40503u + 12345u));
		check_string(&b, "s", i + 2, expected, strlen(expected));
	}
	book_release(&b);
	columns_free(cols);
	buf_release(&json);
	buf_release(&out);
	buf_release(&file);
	scratch_release(&s);
}

/* abort() at any point frees everything and leaves no descriptor open. */
static void test_write_xlsx_abort(void **state)
{
	struct writer_options opt = { 0 };
	struct buf out = BUF_INIT;
	struct columns *cols;
	struct item item;
	void *st;
	int fds, i;

	(void)state;
	fds = count_open_fds();
	item_parse(&item, ITEM_VALUES, sizeof(ITEM_VALUES) - 1);
	cols = columns_new(NULL, 0);
	assert_int_equal(columns_add(cols, &item.rec), 0);

	st = writer_xlsx.begin(&opt, cols, &out);
	writer_xlsx.abort(st);

	st = writer_xlsx.begin(&opt, cols, &out);
	for (i = 0; i < 3000; i++)
		assert_int_equal(writer_xlsx.record(st, &item.rec, &out), 0);
	writer_xlsx.abort(st);
	assert_int_equal(count_open_fds(), fds);

	columns_free(cols);
	item_release(&item);
	buf_release(&out);
}

/* A worksheet has a header and 1,048,575 rows, so one more record fails. */
static void test_write_xlsx_row_limit(void **state)
{
	struct writer_options opt = { 0 };
	struct buf out = BUF_INIT;
	struct columns *cols;
	struct item item;
	void *st;
	long i;

	(void)state;
	item_parse(&item, "{\"n\":1}", 7);
	cols = columns_new(NULL, 0);
	assert_int_equal(columns_add(cols, &item.rec), 0);

	st = writer_xlsx.begin(&opt, cols, &out);
	for (i = 0; i < 1048575; i++) {
		if (writer_xlsx.record(st, &item.rec, &out))
			fail_msg("record %ld failed", i);
		buf_reset(&out);
	}
	assert_int_equal(writer_xlsx.record(st, &item.rec, &out), -1);
	assert_int_equal(writer_xlsx.end(st, &out), -1);

	columns_free(cols);
	item_release(&item);
	buf_release(&out);
}

/*
 * The memory the constant-memory test bounds, in KiB: the peak resident
 * size, except under AddressSanitizer, whose quarantine keeps freed
 * blocks resident, so the resident size grows with every row written.
 * There it is the live heap, which memory_sample() turns into a peak.
 */
#if defined(__SANITIZE_ADDRESS__)
#define MEASURE_LIVE_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEASURE_LIVE_HEAP 1
#endif
#endif

#ifdef MEASURE_LIVE_HEAP
/* Part of the sanitizer runtime. GCC installs no header declaring it. */
size_t __sanitizer_get_current_allocated_bytes(void);

static long memory_used_kib(void)
{
	return (long)(__sanitizer_get_current_allocated_bytes() / 1024);
}
#else
static long memory_used_kib(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}
#endif

static long memory_peak_kib;

static void memory_sample(void)
{
	long used = memory_used_kib();

	if (used > memory_peak_kib)
		memory_peak_kib = used;
}

/*
 * 200,000 rows of 10 columns raise the peak memory by less than 32 MiB,
 * writing and handing out the file included. The rows make a sheet of
 * over 50 MB of XML, so a writer that kept them in memory would exceed
 * the bound. This is a bound on memory, not a timing.
 */
static void test_write_xlsx_constant_memory(void **state)
{
	struct scratch s;
	struct writer_options opt = { 0 };
	struct buf out = BUF_INIT, json = BUF_INIT, extent = BUF_INIT;
	struct columns *cols;
	struct item item;
	char path[512];
	void *st = NULL;
	long i, before = 0, growth;
	size_t size = 0;
	FILE *f;

	(void)state;
	scratch_init(&s);
	scratch_path(&s, "out.xlsx", path, sizeof(path));
	f = fopen(path, "wb");
	assert_non_null(f);
	cols = columns_new(NULL, 0);
	for (i = 0; i < 200000; i++) {
		buf_reset(&json);
		buf_printf(&json, "{\"id\":%ld,\"name\":\"item number %ld\","
			   "\"price\":%ld.25,\"ok\":%s,\"none\":null,"
			   "\"url\":\"https://example.com/items/%ld\","
			   "\"qty\":%ld,\"tag\":\"t%ld\",\"ratio\":0.%ld,"
			   "\"note\":\"some text that repeats\"}",
			   i, i, i, i % 2 ? "true" : "false", i, i % 97,
			   i % 13, i + 1);
		item_parse(&item, json.data, json.len);
		if (i == 0) {
			assert_int_equal(columns_add(cols, &item.rec), 0);
			assert_int_equal(columns_count(cols), 10);
			st = writer_xlsx.begin(&opt, cols, &out);
		}
		assert_int_equal(writer_xlsx.record(st, &item.rec, &out), 0);
		item_release(&item);
		assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
		size += out.len;
		buf_reset(&out);
		if (i == 999) {
			before = memory_used_kib();
			memory_peak_kib = before;
		} else if (i % 1000 == 999) {
			memory_sample();
		}
	}
	assert_int_equal(writer_xlsx.end(st, &out), 0);
	memory_sample();
	assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
	assert_int_equal(fclose(f), 0);
	size += out.len;
	growth = memory_peak_kib - before;
	if (growth >= 32 * 1024)
		fail_msg("peak memory grew by %ld KiB over 199,000 rows",
			 growth);
	assert_true(size > 0);

	run_python(&s, READ_EXTENT_PY, &extent);
	assert_string_equal(extent.data, "200001 J200001\n");

	columns_free(cols);
	buf_release(&json);
	buf_release(&extent);
	buf_release(&out);
	scratch_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_xlsx_writer_fields),
		cmocka_unit_test(test_write_xlsx_cells),
		cmocka_unit_test(test_write_xlsx_numbers),
		cmocka_unit_test(test_write_xlsx_long_string),
		cmocka_unit_test(test_write_xlsx_whitespace),
		cmocka_unit_test(test_write_xlsx_streams_rows),
		cmocka_unit_test(test_write_xlsx_abort),
		cmocka_unit_test(test_write_xlsx_constant_memory),
		cmocka_unit_test(test_write_xlsx_row_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
