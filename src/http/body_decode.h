/*
 * Request bodies sent with Content-Encoding gzip, deflate or br, decoded
 * while they are read, so that handlers always see the plain body. The
 * size limit applies to the decoded bytes: a small body that inflates past
 * it stops being decoded at the limit, and never takes more memory.
 */
#ifndef ACTORD_HTTP_BODY_DECODE_H
#define ACTORD_HTTP_BODY_DECODE_H

#include <stddef.h>

#include "util/buf.h"

enum body_encoding {
	BODY_IDENTITY,
	BODY_GZIP,
	BODY_DEFLATE,
	BODY_BR,
	BODY_UNSUPPORTED,
};

/*
 * Return the encoding a Content-Encoding header names. An absent or empty
 * header and "identity" are BODY_IDENTITY. "gzip", "x-gzip", "deflate"
 * and "br" are matched in any case. Anything else, a list of several
 * included, is BODY_UNSUPPORTED.
 */
enum body_encoding body_encoding_parse(const char *header);

struct body_decoder;

/* A decoder for encoding (not BODY_IDENTITY or BODY_UNSUPPORTED). */
struct body_decoder *body_decoder_new(enum body_encoding encoding);
void body_decoder_free(struct body_decoder *d);

enum body_decode_result {
	BODY_DECODE_OK,
	BODY_DECODE_TOO_LARGE,	/* out would pass limit bytes */
	BODY_DECODE_INVALID,	/* not valid data of the encoding */
};

/*
 * Decode n more bytes of the encoded body, appending to out, which may
 * not grow past limit bytes. After a result other than OK the decoder
 * takes no more input.
 */
enum body_decode_result body_decoder_feed(struct body_decoder *d,
					  const void *in, size_t n,
					  struct buf *out, size_t limit);

/* At the end of the body: OK if the encoded stream was complete. */
enum body_decode_result body_decoder_finish(struct body_decoder *d);

/* What was wrong with invalid input, e.g. "incorrect header check". */
const char *body_decoder_error(const struct body_decoder *d);

/* "gzip", "deflate" or "br", for messages. */
const char *body_encoding_name(enum body_encoding encoding);

#endif
