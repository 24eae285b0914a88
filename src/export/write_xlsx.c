/*
 * The xlsx writer (see writer.h): a workbook with one worksheet named
 * "Items", a header row of column names, then one row per record. The
 * small parts of the package go out first, stored, and the worksheet XML
 * is deflated into the zip stream (zip_stream.h) as rows come, so the
 * client gets bytes from the first row on and memory stays constant.
 * Cell text follows xlsx_text.h.
 *
 * libxlsxwriter, the usual C library for this, assembles its zip file in
 * workbook_close() (version 1.1.4), after the last row: nothing could
 * reach the client before the whole export was done.
 */
#include "export/writer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "export/xlsx_text.h"
#include "export/zip_stream.h"
#include "util/log.h"

/* Excel's limits: 16384 columns (XFD), 1048576 rows. */
#define MAX_COLUMNS 16384
#define MAX_ROWS 1048576

/* Worksheet XML is deflated in pieces of about this many bytes. */
#define SHEET_PIECE (64 * 1024)

/*
 * Integer literals from 2^53 up are written as string cells, because a
 * double represents every integer below 2^53 exactly but not all above
 * it. Long ids such as 12345678901234567890123 so keep their digits.
 */
#define EXACT_INTEGER_LIMIT 9007199254740992.0

#define XML_DECLARATION \
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define MAIN_NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define PACKAGE_RELS_NS \
	"http://schemas.openxmlformats.org/package/2006/relationships"
#define DOC_RELS_NS \
	"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define SPREADSHEETML "application/vnd.openxmlformats-officedocument.spreadsheetml"

/* The parts besides the worksheet, in the order they are written. */
static const struct part {
	const char *name;
	const char *xml;
} parts[] = {
	{ "[Content_Types].xml", XML_DECLARATION
	  "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	  "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	  "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	  "<Override PartName=\"/xl/workbook.xml\" ContentType=\"" SPREADSHEETML ".sheet.main+xml\"/>"
	  "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"" SPREADSHEETML ".worksheet+xml\"/>"
	  "<Override PartName=\"/xl/styles.xml\" ContentType=\"" SPREADSHEETML ".styles+xml\"/>"
	  "</Types>" },
	{ "_rels/.rels", XML_DECLARATION
	  "<Relationships xmlns=\"" PACKAGE_RELS_NS "\">"
	  "<Relationship Id=\"rId1\" Type=\"" DOC_RELS_NS "/officeDocument\" Target=\"xl/workbook.xml\"/>"
	  "</Relationships>" },
	{ "xl/workbook.xml", XML_DECLARATION
	  "<workbook xmlns=\"" MAIN_NS "\" xmlns:r=\"" DOC_RELS_NS "\">"
	  "<sheets><sheet name=\"Items\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
	  "</workbook>" },
	{ "xl/_rels/workbook.xml.rels", XML_DECLARATION
	  "<Relationships xmlns=\"" PACKAGE_RELS_NS "\">"
	  "<Relationship Id=\"rId1\" Type=\"" DOC_RELS_NS "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	  "<Relationship Id=\"rId2\" Type=\"" DOC_RELS_NS "/styles\" Target=\"styles.xml\"/>"
	  "</Relationships>" },
	/* A minimal style sheet: one font, the two fills every workbook
	 * starts with (none, gray125), one border and one cell format. */
	{ "xl/styles.xml", XML_DECLARATION
	  "<styleSheet xmlns=\"" MAIN_NS "\">"
	  "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
	  "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
	  "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
	  "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
	  "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
	  "<cellXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs>"
	  "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
	  "</styleSheet>" },
};

#define SHEET_NAME "xl/worksheets/sheet1.xml"
#define SHEET_HEAD XML_DECLARATION "<worksheet xmlns=\"" MAIN_NS "\"><sheetData>"
#define SHEET_TAIL "</sheetData></worksheet>"

/* A column's letters in cell references: "A", "Z", "AA", up to "XFD". */
struct column_ref {
	char letters[4];
	unsigned char len;
};

/*
 * One export. failed is set by any error, and then record() and end()
 * return -1.
 */
struct xlsx {
	struct zip_stream *zip;
	const struct columns *cols;
	const struct json **cells;	/* columns_count() entries */
	struct column_ref *refs;
	size_t col_count;
	unsigned long row;		/* the next row, 1-based */
	char row_digits[12];		/* row as decimal text */
	size_t row_digits_len;
	struct buf sheet;		/* worksheet XML not yet deflated */
	struct xlsx_text text;		/* scratch of xlsx_text_put() */
	int failed;
};

static void column_ref_init(struct column_ref *ref, size_t index)
{
	char reversed[4];
	size_t n = 0, i;

	/* Bijective base 26: A..Z, then AA. */
	for (index++; index && n < 3; index = (index - 1) / 26)
		reversed[n++] = (char)('A' + (index - 1) % 26);
	for (i = 0; i < n; i++)
		ref->letters[i] = reversed[n - 1 - i];
	ref->letters[n] = '\0';
	ref->len = (unsigned char)n;
}

static void set_row(struct xlsx *x, unsigned long row)
{
	x->row = row;
	x->row_digits_len = (size_t)snprintf(x->row_digits,
					     sizeof(x->row_digits), "%lu", row);
}

/* Append '<c r="B7"' for column i of the current row. */
static void put_cell_start(struct xlsx *x, size_t i)
{
	buf_append(&x->sheet, "<c r=\"", 6);
	buf_append(&x->sheet, x->refs[i].letters, x->refs[i].len);
	buf_append(&x->sheet, x->row_digits, x->row_digits_len);
	buf_putc(&x->sheet, '"');
}

/*
 * An empty string, or one whose characters XML cannot contain, gets no
 * cell, as null does.
 */
static void put_string_cell(struct xlsx *x, size_t i, const char *s,
			    size_t len)
{
	size_t mark = x->sheet.len;

	put_cell_start(x, i);
	buf_puts(&x->sheet, " t=\"inlineStr\"><is>");
	if (!xlsx_text_put(&x->text, &x->sheet, s, len)) {
		x->sheet.len = mark;
		x->sheet.data[mark] = '\0';
		return;
	}
	buf_puts(&x->sheet, "</is></c>");
}

/* 1 if the literal is an integer of at most 15 digits: exact as it is. */
static int is_short_integer(const char *s, size_t len)
{
	size_t i = s[0] == '-';

	if (len - i > 15 || i == len)
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * Write the number cell of literal v: its double with 16 significant
 * digits ("%.16G"). Integers from 2^53 up, and literals that are not a
 * finite double or whose 16 digits would round to infinity, become string
 * cells holding the literal.
 */
static void put_number_cell(struct xlsx *x, size_t i, const struct json *v)
{
	char small[64], text[32];
	char *literal = small, *end;
	double d;
	int finite;

	if (is_short_integer(v->str, v->len)) {
		put_cell_start(x, i);
		buf_append(&x->sheet, "><v>", 4);
		buf_append(&x->sheet, v->str, v->len);
		buf_append(&x->sheet, "</v></c>", 8);
		return;
	}

	/* The literal points into the item's source, not NUL-terminated. */
	if (v->len >= sizeof(small))
		literal = xmalloc(v->len + 1);
	memcpy(literal, v->str, v->len);
	literal[v->len] = '\0';
	errno = 0;
	d = strtod(literal, &end);
	finite = errno == 0 && end == literal + v->len && isfinite(d) &&
		 !(json_number_is_integer(v) && fabs(d) >= EXACT_INTEGER_LIMIT);
	if (literal != small)
		free(literal);
	if (finite) {
		snprintf(text, sizeof(text), "%.16G", d);
		finite = isfinite(strtod(text, NULL));
	}
	if (!finite) {
		put_string_cell(x, i, v->str, v->len);
		return;
	}
	put_cell_start(x, i);
	buf_append(&x->sheet, "><v>", 4);
	buf_puts(&x->sheet, text);
	buf_append(&x->sheet, "</v></c>", 8);
}

/* Write one cell of the current row. A null or absent value stays empty. */
static void put_cell(struct xlsx *x, size_t i, const struct json *v)
{
	struct buf json = BUF_INIT;

	if (!v || v->type == JSON_NULL)
		return;
	switch (v->type) {
	case JSON_FALSE:
	case JSON_TRUE:
		put_cell_start(x, i);
		buf_puts(&x->sheet, v->type == JSON_TRUE ?
			 " t=\"b\"><v>1</v></c>" : " t=\"b\"><v>0</v></c>");
		return;
	case JSON_NUMBER:
		put_number_cell(x, i, v);
		return;
	case JSON_STRING:
		put_string_cell(x, i, v->str, v->len);
		return;
	default:
		/* columns_row() returns leaves only, but keep others as JSON. */
		json_write(&json, v);
		put_string_cell(x, i, json.data, json.len);
		buf_release(&json);
		return;
	}
}

static void put_row_start(struct xlsx *x)
{
	buf_append(&x->sheet, "<row r=\"", 8);
	buf_append(&x->sheet, x->row_digits, x->row_digits_len);
	buf_append(&x->sheet, "\">", 2);
}

/* Deflate the worksheet XML collected so far into out. */
static int flush_sheet(struct xlsx *x, struct buf *out)
{
	if (zip_deflate_write(x->zip, out, x->sheet.data, x->sheet.len)) {
		log_warn("export", "xlsx: cannot compress the worksheet at row"
			 " %lu: more than 4 GiB of XML or a zlib error",
			 x->row);
		x->failed = 1;
		return -1;
	}
	buf_reset(&x->sheet);
	return 0;
}

static void xlsx_free(struct xlsx *x)
{
	zip_stream_free(x->zip);
	free(x->cells);
	free(x->refs);
	buf_release(&x->sheet);
	xlsx_text_release(&x->text);
	free(x);
}

/*
 * Write the package's small parts and the header row. On failure
 * x->failed is set and the state still returned, because the pipeline
 * does not check begin()'s result: the error reaches it as -1 from the
 * next record() or end().
 */
static void *xlsx_begin(const struct writer_options *opt,
			const struct columns *cols, struct buf *out)
{
	struct xlsx *x = xcalloc(1, sizeof(*x));
	const char *name;
	size_t i, len;

	(void)opt;
	x->cols = cols;
	x->col_count = columns_count(cols);
	x->cells = xcalloc(x->col_count, sizeof(*x->cells));
	x->refs = xcalloc(x->col_count, sizeof(*x->refs));
	x->zip = zip_stream_new();
	if (x->col_count > MAX_COLUMNS) {
		log_warn("export", "xlsx: %zu columns, more than Excel's %d",
			 x->col_count, MAX_COLUMNS);
		x->failed = 1;
		return x;
	}
	for (i = 0; i < x->col_count; i++)
		column_ref_init(&x->refs[i], i);

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		zip_store(x->zip, out, parts[i].name, parts[i].xml,
			  strlen(parts[i].xml));
	if (zip_deflate_begin(x->zip, out, SHEET_NAME,
			      Z_DEFAULT_COMPRESSION)) {
		log_warn("export", "xlsx: cannot start compressing the"
			 " worksheet");
		x->failed = 1;
		return x;
	}

	buf_puts(&x->sheet, SHEET_HEAD);
	set_row(x, 1);
	put_row_start(x);
	for (i = 0; i < x->col_count; i++) {
		name = columns_name(cols, i, &len);
		put_string_cell(x, i, name, len);
	}
	buf_puts(&x->sheet, "</row>\n");
	set_row(x, 2);
	return x;
}

/* Write the next row. Past Excel's last row the export fails. */
static int xlsx_record(void *state, const struct record *rec, struct buf *out)
{
	struct xlsx *x = state;
	size_t i;

	if (x->failed)
		return -1;
	if (x->row > MAX_ROWS) {
		log_warn("export", "xlsx: export failed at item %d because"
			 " an Excel worksheet has %d rows below its header;"
			 " request fewer items with offset and limit",
			 MAX_ROWS, MAX_ROWS - 1);
		x->failed = 1;
		return -1;
	}

	columns_row(x->cols, rec, x->cells);
	put_row_start(x);
	for (i = 0; i < x->col_count; i++)
		put_cell(x, i, x->cells[i]);
	buf_append(&x->sheet, "</row>\n", 7);
	set_row(x, x->row + 1);
	if (x->sheet.len >= SHEET_PIECE)
		return flush_sheet(x, out);
	return 0;
}

/* Finish the worksheet, then the archive, into out. */
static int xlsx_end(void *state, struct buf *out)
{
	struct xlsx *x = state;
	int rc = -1;

	if (x->failed)
		goto out;
	buf_puts(&x->sheet, SHEET_TAIL);
	if (flush_sheet(x, out))
		goto out;
	if (zip_deflate_end(x->zip, out) || zip_finish(x->zip, out)) {
		log_warn("export", "xlsx: cannot finish the zip archive");
		goto out;
	}
	rc = 0;

out:
	xlsx_free(x);
	return rc;
}

static void xlsx_abort(void *state)
{
	xlsx_free(state);
}

const struct writer writer_xlsx = {
	"xlsx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"xlsx", 1, 0,
	xlsx_begin, xlsx_record, NULL, xlsx_end, xlsx_abort,
};
