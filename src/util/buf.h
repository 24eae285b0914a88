/*
 * Growable byte buffer used for request bodies, JSON output and log lines.
 * The data is always NUL-terminated so it can be handed to C string APIs,
 * but it may also contain NUL bytes; len is authoritative.
 */
#ifndef ACTORD_UTIL_BUF_H
#define ACTORD_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;	/* owned; NULL until the first append */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/*
 * Every appending function aborts the process when memory runs out: a
 * server that cannot allocate a few kilobytes cannot answer anyway, and
 * checking each call would bury the logic.
 */
void buf_reserve(struct buf *b, size_t extra);	/* the slow path */

/* Make room for extra more bytes and the terminating NUL. */
static inline void buf_grow(struct buf *b, size_t extra)
{
	if (b->cap - b->len <= extra)
		buf_reserve(b, extra);
}

/*
 * The appends are inline because the export writers call them for every
 * few bytes of output: a call each cost about a tenth of an xml export.
 */
static inline void buf_append(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static inline void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

static inline void buf_putc(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Append s as a JSON string literal, quotes included. */
void buf_put_json_string(struct buf *b, const char *s, size_t len);
static inline void buf_put_json_cstr(struct buf *b, const char *s)
{
	buf_put_json_string(b, s, strlen(s));
}

/* Append s with each byte that is not part of valid UTF-8 (RFC 3629)
 * replaced by U+FFFD, for text echoed into JSON that must stay UTF-8. */
void buf_put_valid_utf8(struct buf *b, const char *s, size_t len);

void buf_reset(struct buf *b);		/* len = 0, keeps memory */
void buf_release(struct buf *b);	/* frees memory, back to BUF_INIT */

/* Hand the data to the caller, who frees it; b becomes BUF_INIT. */
char *buf_detach(struct buf *b, size_t *len);

/* Allocation helpers with the same abort-on-failure contract. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
