/*
 * Quoting user input inside error messages; see echo.h.
 */
#include "webhooks/echo.h"

char *webhook_echo(char *dst, size_t size, const char *s, size_t len)
{
	size_t keep = len > WEBHOOK_ECHO_MAX ? WEBHOOK_ECHO_MAX : len;
	size_t i, n = 0;

	if (!size)
		return dst;
	for (i = 0; i < keep && n + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (keep < len) {
		for (i = 0; i < 3 && n + 1 < size; i++)
			dst[n++] = '.';
	}
	dst[n] = '\0';
	return dst;
}
