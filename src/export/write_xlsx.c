/*
 * The xlsx writer (see writer.h): one worksheet named "Items", a header
 * row of column names, then one row per record. libxlsxwriter builds the
 * workbook in constant-memory mode into a temporary file, which end()
 * hands over in pieces of 64 KiB.
 */
#include "export/writer.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "util/log.h"

#define SHEET_NAME "Items"
#define PIECE_SIZE (64 * 1024)

/* Excel's maximum characters in a cell. libxlsxwriter rejects longer text. */
#define CELL_CHARS_MAX 32767

/*
 * Integer literals from 2^53 up are written as string cells, because a
 * double represents every integer below 2^53 exactly but not all above
 * it. Long ids such as 12345678901234567890123 so keep their digits.
 */
#define EXACT_INTEGER_LIMIT 9007199254740992.0

/*
 * One export. The temporary file at path exists from begin() until end()
 * has closed the workbook, and fd stays open until the last piece is
 * read. failed is set by any error, and then record() and end() return -1.
 */
struct xlsx {
	lxw_workbook *workbook;		/* NULL once closed */
	lxw_worksheet *sheet;
	const struct columns *cols;
	const struct json **cells;	/* columns_count() entries */
	size_t col_count;
	lxw_row_t row;			/* the next row to write */
	char *tmpdir;			/* read by libxlsxwriter until closed */
	char *path;			/* NULL once unlinked */
	int fd;
	off_t size, sent;		/* of the closed workbook */
	struct buf clean, text;		/* scratch for one cell's string */
	int failed;
};

static void remove_file(struct xlsx *x)
{
	if (x->path) {
		unlink(x->path);
		free(x->path);
		x->path = NULL;
	}
	if (x->fd >= 0) {
		close(x->fd);
		x->fd = -1;
	}
}

static void xlsx_free(struct xlsx *x)
{
	if (x->workbook) {
		/*
		 * lxw_workbook_free() (libxlsxwriter 1.1.4) leaves the
		 * worksheet's constant-memory temporary file open, so it is
		 * closed here. workbook_close() would close it too, but only
		 * after assembling the whole file.
		 */
		if (x->sheet && x->sheet->optimize_tmpfile) {
			fclose(x->sheet->optimize_tmpfile);
			x->sheet->optimize_tmpfile = NULL;
			x->sheet->file = NULL;
		}
		lxw_workbook_free(x->workbook);
	}
	remove_file(x);
	free(x->cells);
	free(x->tmpdir);
	buf_release(&x->clean);
	buf_release(&x->text);
	free(x);
}

/*
 * Decode the UTF-8 sequence at s, of at most n bytes, into *cp. Returns
 * its length, or 0 for a byte that starts no valid sequence (overlong
 * forms, UTF-16 surrogates and code points above U+10FFFF included).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* 1 if XML 1.0 allows code point c in a document (its Char production). */
static int xml_char_allowed(uint32_t c)
{
	if (c < 0x20)
		return c == '\t' || c == '\n' || c == '\r';
	return c != 0xfffe && c != 0xffff;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* 1 if s (n bytes) starts with an ECMA-376 escape such as "_x0041_". */
static int starts_with_escape(const char *s, size_t n)
{
	return n >= 7 && s[0] == '_' && s[1] == 'x' && is_hex(s[2]) &&
	       is_hex(s[3]) && is_hex(s[4]) && is_hex(s[5]) && s[6] == '_';
}

/*
 * Make the text libxlsxwriter writes for the string s of len bytes, in
 * x->text, NUL-terminated. The first pass drops what XML cannot contain:
 * C0 controls other than tab, LF and CR (U+0000 included, so the C string
 * is the whole value), U+FFFE, U+FFFF and bytes that are not valid UTF-8.
 *
 * The second pass, run on the result so that an escape formed by a dropped
 * character is found too, escapes literal text of the form _xHHHH_.
 * Spreadsheet readers decode it as U+HHHH (libxlsxwriter writes control
 * characters that way), so its underscore is written as _x005F_. The pass
 * stops before the character that would exceed CELL_CHARS_MAX, counting
 * the escapes' characters as libxlsxwriter does.
 */
static const char *cell_text(struct xlsx *x, const char *s, size_t len)
{
	const char *in;
	size_t i, n, chars = 0;
	uint32_t c;

	buf_reset(&x->clean);
	for (i = 0; i < len; i += n) {
		n = utf8_decode((const unsigned char *)s + i, len - i, &c);
		if (!n) {
			n = 1;
			continue;
		}
		if (xml_char_allowed(c))
			buf_append(&x->clean, s + i, n);
	}

	buf_reset(&x->text);
	in = x->clean.data;
	len = x->clean.len;
	for (i = 0; i < len; i += n) {
		if (starts_with_escape(in + i, len - i)) {
			if (chars + 7 > CELL_CHARS_MAX)
				break;
			buf_puts(&x->text, "_x005F_");
			chars += 7;
			n = 1;
			continue;
		}
		if (chars + 1 > CELL_CHARS_MAX)
			break;
		n = utf8_decode((const unsigned char *)in + i, len - i, &c);
		buf_append(&x->text, in + i, n);
		chars++;
	}
	buf_append(&x->text, "", 0);	/* allocates and NUL-terminates */
	/* NOTE: Excel may count characters above U+FFFF twice (UTF-16). */
	return x->text.data;
}

static int write_string(struct xlsx *x, lxw_col_t col, const char *s,
			size_t len)
{
	lxw_error err;

	err = worksheet_write_string(x->sheet, x->row, col,
				     cell_text(x, s, len), NULL);
	if (err) {
		log_warn("export", "xlsx: cannot write a string to row %u"
			 " column %u: %s", (unsigned)x->row, (unsigned)col,
			 lxw_strerror(err));
		return -1;
	}
	return 0;
}

/*
 * 1 if the number d, parsed from the literal v, goes to a number cell.
 * libxlsxwriter 1.1.4 writes numbers as "%.16G" does, so a fraction keeps
 * 16 significant digits, and a value within that rounding of DBL_MAX
 * would read back as infinity. Such values, integers from 2^53 up, and
 * literals that strtod() cannot parse to a finite double without
 * underflow become string cells containing the literal.
 */
static int number_fits_cell(const struct json *v, double d)
{
	char text[32];

	if (!isfinite(d))
		return 0;
	if (json_number_is_integer(v) && fabs(d) >= EXACT_INTEGER_LIMIT)
		return 0;
	snprintf(text, sizeof(text), "%.16G", d);
	return isfinite(strtod(text, NULL));
}

static int write_number(struct xlsx *x, lxw_col_t col, const struct json *v)
{
	char small[64];
	char *literal = small, *end;
	double d;
	int as_number;
	lxw_error err;

	/* The literal points into the item's source, not NUL-terminated. */
	if (v->len >= sizeof(small))
		literal = xmalloc(v->len + 1);
	memcpy(literal, v->str, v->len);
	literal[v->len] = '\0';
	errno = 0;
	d = strtod(literal, &end);
	as_number = errno == 0 && end == literal + v->len &&
		    number_fits_cell(v, d);
	if (literal != small)
		free(literal);

	if (!as_number)
		return write_string(x, col, v->str, v->len);
	err = worksheet_write_number(x->sheet, x->row, col, d, NULL);
	if (err) {
		log_warn("export", "xlsx: cannot write a number to row %u"
			 " column %u: %s", (unsigned)x->row, (unsigned)col,
			 lxw_strerror(err));
		return -1;
	}
	return 0;
}

/* Write one cell of the current row. A null or absent value stays empty. */
static int write_cell(struct xlsx *x, lxw_col_t col, const struct json *v)
{
	struct buf json = BUF_INIT;
	lxw_error err;
	int rc;

	if (!v || v->type == JSON_NULL)
		return 0;
	switch (v->type) {
	case JSON_FALSE:
	case JSON_TRUE:
		err = worksheet_write_boolean(x->sheet, x->row, col,
					      v->type == JSON_TRUE, NULL);
		if (err) {
			log_warn("export", "xlsx: cannot write a boolean to"
				 " row %u column %u: %s", (unsigned)x->row,
				 (unsigned)col, lxw_strerror(err));
			return -1;
		}
		return 0;
	case JSON_NUMBER:
		return write_number(x, col, v);
	case JSON_STRING:
		return write_string(x, col, v->str, v->len);
	default:
		/* columns_row() returns leaves only, but keep others as JSON. */
		json_write(&json, v);
		rc = write_string(x, col, json.data, json.len);
		buf_release(&json);
		return rc;
	}
}

/*
 * Create the temporary file and the workbook, and write the header row.
 * On failure x->failed is set and the state still returned, because the
 * pipeline does not check begin()'s result: the error reaches it as -1
 * from the next record() or end().
 */
static void *xlsx_begin(const struct writer_options *opt,
			const struct columns *cols, struct buf *out)
{
	struct xlsx *x = xcalloc(1, sizeof(*x));
	lxw_workbook_options options = { 0 };
	const char *dir = getenv("TMPDIR");
	const char *name;
	size_t i, len;
	struct buf path = BUF_INIT;

	(void)opt;
	(void)out;
	x->fd = -1;
	x->cols = cols;
	x->col_count = columns_count(cols);
	x->cells = xcalloc(x->col_count, sizeof(*x->cells));
	x->tmpdir = xstrdup(dir && *dir ? dir : "/tmp");

	if (x->col_count > LXW_COL_MAX) {
		log_warn("export", "xlsx: %zu columns, more than Excel's %d",
			 x->col_count, LXW_COL_MAX);
		goto fail;
	}

	buf_printf(&path, "%s/actord-xlsx-XXXXXX", x->tmpdir);
	x->fd = mkstemp(path.data);
	if (x->fd < 0) {
		log_warn("export", "xlsx: cannot create a temporary file in"
			 " %s: %s", x->tmpdir, strerror(errno));
		buf_release(&path);
		goto fail;
	}
	x->path = buf_detach(&path, NULL);

	options.constant_memory = LXW_TRUE;
	options.tmpdir = x->tmpdir;
	x->workbook = workbook_new_opt(x->path, &options);
	if (x->workbook)
		x->sheet = workbook_add_worksheet(x->workbook, SHEET_NAME);
	if (!x->sheet) {
		log_warn("export", "xlsx: cannot create the workbook in %s",
			 x->tmpdir);
		goto fail;
	}

	for (i = 0; i < x->col_count; i++) {
		name = columns_name(cols, i, &len);
		if (write_string(x, (lxw_col_t)i, name, len))
			goto fail;
	}
	x->row = 1;
	return x;

fail:
	x->failed = 1;
	return x;
}

/* Write the next row. Past Excel's last row the export fails. */
static int xlsx_record(void *state, const struct record *rec, struct buf *out)
{
	struct xlsx *x = state;
	size_t i;

	(void)out;
	if (x->failed)
		return -1;
	if (x->row >= LXW_ROW_MAX) {
		log_warn("export", "xlsx: export failed at item %d because"
			 " an Excel worksheet has %d rows below its header;"
			 " request fewer items with offset and limit",
			 LXW_ROW_MAX, LXW_ROW_MAX - 1);
		x->failed = 1;
		return -1;
	}

	columns_row(x->cols, rec, x->cells);
	for (i = 0; i < x->col_count; i++) {
		if (write_cell(x, (lxw_col_t)i, x->cells[i])) {
			x->failed = 1;
			return -1;
		}
	}
	x->row++;
	return 0;
}

/*
 * Close the workbook, which writes the whole file, and unlink the file.
 * TODO: nothing reaches the client before this; a writer that deflates
 * the sheet XML as rows come would send from the first row.
 */
static int close_workbook(struct xlsx *x)
{
	lxw_error err;
	struct stat st;

	err = workbook_close(x->workbook);
	x->workbook = NULL;
	x->sheet = NULL;
	if (err) {
		log_warn("export", "xlsx: cannot write the workbook to %s: %s",
			 x->path, lxw_strerror(err));
		return -1;
	}

	/* libxlsxwriter rewrote the file in place, so fd reads the result. */
	if (fstat(x->fd, &st) || lseek(x->fd, 0, SEEK_SET) < 0) {
		log_warn("export", "xlsx: cannot read %s: %s", x->path,
			 strerror(errno));
		return -1;
	}
	x->size = st.st_size;
	unlink(x->path);
	free(x->path);
	x->path = NULL;
	return 0;
}

/* Append the next piece of the file to out. -1 if the file ends early. */
static int read_piece(struct xlsx *x, struct buf *out)
{
	size_t want = PIECE_SIZE;
	ssize_t n;

	if ((off_t)want > x->size - x->sent)
		want = (size_t)(x->size - x->sent);
	buf_grow(out, want);
	while (want) {
		n = read(x->fd, out->data + out->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("export", "xlsx: cannot read the workbook"
				 " file: %s", n ? strerror(errno) :
				 "unexpected end of file");
			return -1;
		}
		out->len += (size_t)n;
		x->sent += n;
		want -= (size_t)n;
	}
	out->data[out->len] = '\0';
	return 0;
}

/*
 * The first call closes the workbook. Every call appends up to
 * PIECE_SIZE bytes of the file and returns 1, except the one that
 * appends the last bytes, which frees the state and returns 0.
 */
static int xlsx_end(void *state, struct buf *out)
{
	struct xlsx *x = state;

	if (x->failed)
		goto fail;
	if (x->workbook && close_workbook(x))
		goto fail;
	if (read_piece(x, out))
		goto fail;
	if (x->sent < x->size)
		return 1;
	xlsx_free(x);
	return 0;

fail:
	xlsx_free(x);
	return -1;
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
