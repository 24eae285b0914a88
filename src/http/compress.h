/*
 * Response compression: an encoder for gzip (zlib) or br (libbrotlienc)
 * that appends to a buffer, one-shot compression of a whole body, and a
 * content reader that compresses another content reader's output chunk
 * by chunk. response.c decides which responses use them.
 */
#ifndef ACTORD_HTTP_COMPRESS_H
#define ACTORD_HTTP_COMPRESS_H

#include <microhttpd.h>
#include <stddef.h>

#include "http/accept_encoding.h"
#include "util/buf.h"

struct encoder;

/* An encoder for CODING_GZIP or CODING_BR; NULL when the library fails. */
struct encoder *encoder_new(enum content_coding coding);
void encoder_free(struct encoder *e);

/*
 * Compress len bytes of in and append the output to out. With finish the
 * stream ends; otherwise the output is flushed, so everything written so
 * far can be decoded by the client at once. Returns 0, or -1 when the
 * library fails, and after a failure the encoder takes no more input.
 */
int encoder_write(struct encoder *e, const void *in, size_t len, int finish,
		  struct buf *out);

/* Replace body with its compressed form; -1 leaves body as it was. */
int compress_body(enum content_coding coding, struct buf *body);

/*
 * A content reader that passes the output of reader through an encoder
 * of coding, and its free callback. Memory stays bounded: one input
 * chunk, its compressed form, and the encoder's state. The encoder is
 * made on the first read, so a HEAD response costs none. The inner
 * reader may return 0 only after suspending the connection, as MHD
 * requires with its internal threads; the output read before goes out
 * flushed.
 */
struct compressed_reader;

struct compressed_reader *compressed_reader_new(enum content_coding coding,
						MHD_ContentReaderCallback reader,
						void *ctx,
						MHD_ContentReaderFreeCallback free_fn);
ssize_t compressed_reader_read(void *cls, uint64_t pos, char *out, size_t max);
void compressed_reader_free(void *cls);

#endif
