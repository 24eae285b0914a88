/*
 * Quoting user input inside error messages, shared by spec.c and
 * template.c: messages end up in JSON error bodies and logs, so an echoed
 * value is shortened and kept to printable ASCII.
 */
#ifndef ACTORD_WEBHOOKS_ECHO_H
#define ACTORD_WEBHOOKS_ECHO_H

#include <stddef.h>

/* Longest echoed value in bytes, before "...". */
#define WEBHOOK_ECHO_MAX 80

/*
 * Copy len bytes of s into dst (size bytes, NUL-terminated), with each
 * byte outside printable ASCII as '?', and "..." in place of the bytes
 * past WEBHOOK_ECHO_MAX. Returns dst.
 */
char *webhook_echo(char *dst, size_t size, const char *s, size_t len);

/* Room for an echoed value: WEBHOOK_ECHO_MAX bytes, "..." and the NUL. */
#define WEBHOOK_ECHO_SIZE (WEBHOOK_ECHO_MAX + 4)

#endif
