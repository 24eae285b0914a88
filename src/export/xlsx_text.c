/*
 * xlsx cell text; see xlsx_text.h. Escaping for XML is xml_text.h's.
 */
#include "export/xlsx_text.h"

#include <string.h>

#include "export/xml_text.h"

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/*
 * 1 if s (n bytes) starts with an ECMA-376 escape such as "_x0041_",
 * which spreadsheet readers decode as U+0041.
 */
static int starts_with_escape(const char *s, size_t n)
{
	return n >= 7 && s[0] == '_' && s[1] == 'x' && is_hex(s[2]) &&
	       is_hex(s[3]) && is_hex(s[4]) && is_hex(s[5]) && s[6] == '_';
}

/* 1 for a byte that XML drops or that readers trim: controls, space. */
static int is_blank_or_control(char c)
{
	return (unsigned char)c <= 0x20;
}

static void put_open(struct buf *out, const char *s, size_t len)
{
	if (len && (is_blank_or_control(s[0]) ||
		    is_blank_or_control(s[len - 1])))
		buf_puts(out, "<t xml:space=\"preserve\">");
	else
		buf_puts(out, "<t>");
}

/* Length of the UTF-8 sequence that starts with the byte lead. */
static size_t sequence_length(unsigned char lead)
{
	if (lead < 0x80)
		return 1;
	if (lead < 0xe0)
		return 2;
	if (lead < 0xf0)
		return 3;
	return 4;
}

/*
 * Copy the len bytes at s into clean without the characters XML cannot
 * contain, up to XLSX_CELL_CHARS_MAX characters. They are counted as Excel
 * counts them, in UTF-16 code units, so a character above U+FFFF (4 bytes
 * in UTF-8, such as an emoji) counts twice.
 */
static void clean_text(struct buf *clean, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, units = 0, width;

	buf_reset(clean);
	for (i = 0; i < len; i += n) {
		n = sequence_length(p[i]);
		if (n > len - i)
			break;
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r')
			continue;
		if (n == 3 && p[i] == 0xef && p[i + 1] == 0xbf &&
		    (p[i + 2] == 0xbe || p[i + 2] == 0xbf))
			continue;
		width = n == 4 ? 2 : 1;
		if (units + width > XLSX_CELL_CHARS_MAX)
			break;
		buf_append(clean, s + i, n);
		units += width;
	}
	buf_append(clean, "", 0);
}

size_t xlsx_text_put(struct xlsx_text *t, struct buf *out, const char *s,
		     size_t len)
{
	const char *text;
	size_t i, from, start;

	/*
	 * Common case: nothing to cut (a UTF-16 code unit takes at least one
	 * byte of UTF-8), no '_' that could start an escape.
	 */
	if (len <= XLSX_CELL_CHARS_MAX && !memchr(s, '_', len)) {
		put_open(out, s, len);
		start = out->len;
		xml_valid_text_put(out, s, len, 0);
		len = out->len - start;
		buf_puts(out, "</t>");
		return len;
	}

	/*
	 * Clean first, so that an escape formed by a dropped character is
	 * found too, then write "_x005F_" for the '_' of each escape.
	 */
	clean_text(&t->clean, s, len);
	text = t->clean.data;
	len = t->clean.len;
	put_open(out, text, len);
	start = out->len;
	for (i = from = 0; i < len; i++) {
		if (text[i] != '_' || !starts_with_escape(text + i, len - i))
			continue;
		xml_valid_text_put(out, text + from, i - from, 0);
		buf_puts(out, "_x005F_");
		from = i + 1;
	}
	xml_valid_text_put(out, text + from, len - from, 0);
	len = out->len - start;
	buf_puts(out, "</t>");
	return len;
}

void xlsx_text_release(struct xlsx_text *t)
{
	buf_release(&t->clean);
}
