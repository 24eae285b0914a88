/*
 * Standard Base64 (RFC 4648, with padding) decoding and encoding.
 */
#ifndef ACTORD_UTIL_BASE64_H
#define ACTORD_UTIL_BASE64_H

#include "util/buf.h"

/* Append the decoded bytes to out; -1 on a character outside the
 * alphabet or bad padding. Whitespace is skipped. */
int base64_decode(const char *src, size_t len, struct buf *out);
void base64_encode(const void *src, size_t len, struct buf *out);

#endif
