/*
 * Base64; see base64.h.
 */
#include "util/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *src, size_t len, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = src[i];
		int v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = value_of(c);
		if (v < 0 || pad)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return pad > 2 ? -1 : 0;
}

void base64_encode(const void *src, size_t len, struct buf *out)
{
	const unsigned char *p = src;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		buf_putc(out, alphabet[v >> 18]);
		buf_putc(out, alphabet[(v >> 12) & 63]);
		buf_putc(out, alphabet[(v >> 6) & 63]);
		buf_putc(out, alphabet[v & 63]);
	}
	if (i < len) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		buf_putc(out, alphabet[v >> 18]);
		buf_putc(out, alphabet[(v >> 12) & 63]);
		buf_putc(out, i + 1 < len ? alphabet[(v >> 6) & 63] : '=');
		buf_putc(out, '=');
	}
}
