/*
 * XML names and escaped text; see xml_text.h for the rules.
 */
#include "export/xml_text.h"

#include <stdint.h>
#include <string.h>

#include <libxml/chvalid.h>

#include "util/swar.h"

/* The code point utf8_decode() gives for a byte that starts no character. */
#define UTF8_INVALID UINT32_MAX

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define REPLACEMENT "\xef\xbf\xbd"

/*
 * Decode the UTF-8 character at the start of s. Returns its length in
 * bytes and stores its code point in *cp. A malformed or overlong sequence,
 * a surrogate or a value above U+10FFFF gives UTF8_INVALID and length 1,
 * so the caller moves on by one byte.
 */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	*cp = UTF8_INVALID;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 1;
	}
	if (n > len)
		return 1;

	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 1;
	*cp = c;
	return n;
}

/*
 * NameStartChar and NameChar of XML 1.0 fifth edition, section 2.3, less
 * ':'.
 */
static int is_name_start_5th(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		       c == '_';
	return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) ||
	       (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) ||
	       (c >= 0x37f && c <= 0x1fff) || (c >= 0x200c && c <= 0x200d) ||
	       (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) ||
	       (c >= 0x3001 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfdcf) ||
	       (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}

static int is_name_char_5th(uint32_t c)
{
	return is_name_start_5th(c) || c == '-' || c == '.' ||
	       (c >= '0' && c <= '9') || c == 0xb7 ||
	       (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040);
}

/*
 * Names must also follow the fourth edition: Letter, Digit, CombiningChar
 * and Extender of its Appendix B, as libxml2's chvalid tables give them.
 * expat, the parser of Python's xml modules, still applies those rules, so
 * it rejects emoji, characters above U+FFFF and letters such as U+01C5.
 */
static int is_letter_4th(uint32_t c)
{
	return xmlIsBaseChar(c) || xmlIsIdeographic(c);
}

static int is_name_start(uint32_t c)
{
	if (c < 0x80)
		return is_name_start_5th(c);
	return is_name_start_5th(c) && is_letter_4th(c);
}

static int is_name_char(uint32_t c)
{
	if (c < 0x80)
		return is_name_char_5th(c);
	return is_name_char_5th(c) &&
	       (is_letter_4th(c) || xmlIsDigit(c) || xmlIsCombining(c) ||
		xmlIsExtender(c));
}

int xml_name_valid(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len, i, n;
	uint32_t c;

	if (!name || !*name)
		return 0;
	len = strlen(name);
	for (i = 0; i < len; i += n) {
		n = utf8_decode(s + i, len - i, &c);
		if (i == 0 ? !is_name_start(c) : !is_name_char(c))
			return 0;
	}
	return 1;
}

/*
 * ASCII bytes in names: NAME_START may start a name, NAME_CHAR only
 * follow. Every other byte, non-ASCII ones included, is 0 and sends
 * xml_name_put() to the full check.
 */
enum { NAME_OTHER, NAME_START, NAME_CHAR };

#define S NAME_START
#define N NAME_CHAR
static const unsigned char ascii_name_class[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, N, N, 0,		/* 20 */
	N, N, N, N, N, N, N, N, N, N, 0, 0, 0, 0, 0, 0,		/* 30 */
	0, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,		/* 40 */
	S, S, S, S, S, S, S, S, S, S, S, 0, 0, 0, 0, S,		/* 50 */
	0, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,		/* 60 */
	S, S, S, S, S, S, S, S, S, S, S, 0, 0, 0, 0, 0,		/* 70 */
};
#undef S
#undef N

int xml_name_is_ascii(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	if (!len || p[0] >= 0x80 || ascii_name_class[p[0]] != NAME_START)
		return 0;
	for (i = 1; i < len; i++)
		if (p[i] >= 0x80 || ascii_name_class[p[i]] == NAME_OTHER)
			return 0;
	return 1;
}

void xml_name_put(struct buf *out, const char *key, size_t len)
{
	const unsigned char *s = (const unsigned char *)key;
	size_t i, n;
	uint32_t c;

	if (len == 0) {
		buf_putc(out, '_');
		return;
	}
	/* Nearly every key is already an ASCII name: copy it in one go. */
	if (xml_name_is_ascii(key, len)) {
		buf_append(out, key, len);
		return;
	}

	for (i = 0; i < len; i += n) {
		n = utf8_decode(s + i, len - i, &c);
		if (!is_name_char(c)) {
			buf_putc(out, '_');
			continue;
		}
		if (i == 0 && !is_name_start(c))
			buf_putc(out, '_');
		buf_append(out, key + i, n);
	}
}

/*
 * Return the text that replaces the ASCII byte c in character data, or in
 * an attribute value when attribute is set. NULL means copy c, and "" means
 * drop it.
 * Control characters other than tab, LF and CR cannot appear in XML 1.0 at
 * all, so they are dropped. A literal CR would reach the reader as LF, and
 * a literal tab or LF in an attribute as a space, so those are written as
 * character references.
 */
static const char *ascii_escape(unsigned char c, int attribute)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return attribute ? "&quot;" : NULL;
	case '\r':
		return "&#13;";
	case '\n':
		return attribute ? "&#10;" : NULL;
	case '\t':
		return attribute ? "&#9;" : NULL;
	default:
		return c < 0x20 ? "" : NULL;
	}
}

/*
 * Append the text from copied up to at, then replace in place of the n
 * bytes at at. Returns the new copied offset.
 */
static size_t put_replacement(struct buf *out, const char *s, size_t copied,
			      size_t at, size_t n, const char *replace)
{
	buf_append(out, s + copied, at - copied);
	buf_puts(out, replace);
	return at + n;
}

/* The general case: any bytes, checked as UTF-8 character by character. */
void xml_text_put(struct buf *out, const char *s, size_t len, int attribute)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, copied = 0, n;
	const char *replace;
	uint32_t c;

	while (i < len) {
		/* Skip the run of printable ASCII that needs no escape: most
		 * of any text, at a few comparisons a byte. */
		while (i < len && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '&' &&
		       p[i] != '<' && p[i] != '>' && (p[i] != '"' || !attribute))
			i++;
		if (i == len)
			break;
		n = 1;
		if (p[i] < 0x80) {
			replace = ascii_escape(p[i], attribute);
		} else {
			n = utf8_decode(p + i, len - i, &c);
			if (c == UTF8_INVALID)
				replace = REPLACEMENT;
			else if (c == 0xfffe || c == 0xffff)
				replace = "";
			else
				replace = NULL;
		}
		if (replace)
			copied = put_replacement(out, s, copied, i, n, replace);
		i += n;
	}
	buf_append(out, s + copied, len - copied);
}

/*
 * What xml_valid_text_put() must look at in valid UTF-8: TEXT_STOP bytes
 * always, ATTRIBUTE_STOP bytes (tab, LF and '"') in attribute values only.
 * 0xef starts U+FFFE and U+FFFF (ef bf be, ef bf bf).
 */
enum { TEXT_PLAIN, ATTRIBUTE_STOP, TEXT_STOP };

#define A ATTRIBUTE_STOP
#define T TEXT_STOP
static const unsigned char text_class[256] = {
	T, T, T, T, T, T, T, T, T, A, A, T, T, T, T, T,		/* 00 */
	T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T,		/* 10 */
	0, 0, A, 0, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, T, 0, T, 0,		/* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* a0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* b0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* c0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* d0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, T,		/* e0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* f0 */
};
#undef A
#undef T

/*
 * The next byte from i on that text_class[] marks for a look, or len. The
 * word test flags a superset (tab and LF in text too), which the table
 * then sorts out.
 */
static size_t next_stop(const unsigned char *p, size_t i, size_t len,
			unsigned char limit)
{
	uint64_t w, mask;

	while (len - i >= 8) {
		w = swar_load(p + i);
		mask = swar_below(w, 0x20) | swar_eq(w, '&') | swar_eq(w, '<') |
		       swar_eq(w, '>') | swar_eq(w, 0xef) | swar_eq(w, '"');
		if (!mask) {
			i += 8;
			continue;
		}
		i += swar_first(mask);
		if (text_class[p[i]] > limit)
			return i;
		i++;	/* a tab, LF or '"' in character data */
	}
	while (i < len && text_class[p[i]] <= limit)
		i++;
	return i;
}

void xml_valid_text_put(struct buf *out, const char *s, size_t len,
			int attribute)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char limit = attribute ? TEXT_PLAIN : ATTRIBUTE_STOP;
	size_t i = 0, copied = 0, n;
	const char *replace;

	for (;;) {
		i = next_stop(p, i, len, limit);
		if (i == len)
			break;
		n = 1;
		if (p[i] < 0x80) {
			replace = ascii_escape(p[i], attribute);
		} else if (i + 2 < len && p[i + 1] == 0xbf &&
			   (p[i + 2] == 0xbe || p[i + 2] == 0xbf)) {
			replace = "";
			n = 3;
		} else {
			replace = NULL;
		}
		if (replace)
			copied = put_replacement(out, s, copied, i, n, replace);
		i += n;
	}
	buf_append(out, s + copied, len - copied);
}
