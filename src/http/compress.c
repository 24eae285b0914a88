/*
 * Response compression; see compress.h. The levels trade size for speed.
 * Measured on 50,000 items of bench/export/gen-items.mjs as JSON Lines,
 * compressed in 64 KiB chunks with a flush after each, on one core of a
 * 2-core VM with zlib 1.2.13 and brotli 1.0.9: gzip level 4 gives 15.8%
 * of the input at 126 MB/s, and brotli quality 4 gives 15.6% at 136 MB/s.
 * zlib's default level 6 gives 14.6% at 79 MB/s, so a large export would
 * spend most of its time compressing.
 */
#include "http/compress.h"

#include <brotli/encode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/log.h"

#define GZIP_LEVEL 4
#define GZIP_WINDOW_BITS (15 + 16)	/* 32 KiB window, gzip header */
#define GZIP_MEM_LEVEL 8		/* zlib's default: 128 KiB of hash */
#define BROTLI_QUALITY 4
#define BROTLI_WINDOW_BITS 18		/* 256 KiB window */

/* Bytes of input the compressed reader asks its inner reader for. */
#define INPUT_CHUNK (64 * 1024)
/* Output room made before each call into a library. */
#define OUTPUT_STEP (16 * 1024)

struct encoder {
	enum content_coding coding;
	z_stream zs;
	BrotliEncoderState *br;
	int failed;
};

struct encoder *encoder_new(enum content_coding coding)
{
	struct encoder *e = xcalloc(1, sizeof(*e));

	e->coding = coding;
	if (coding == CODING_GZIP) {
		if (deflateInit2(&e->zs, GZIP_LEVEL, Z_DEFLATED,
				 GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
				 Z_DEFAULT_STRATEGY) == Z_OK)
			return e;
	} else if (coding == CODING_BR) {
		e->br = BrotliEncoderCreateInstance(NULL, NULL, NULL);
		if (e->br &&
		    BrotliEncoderSetParameter(e->br, BROTLI_PARAM_QUALITY,
					      BROTLI_QUALITY) &&
		    BrotliEncoderSetParameter(e->br, BROTLI_PARAM_LGWIN,
					      BROTLI_WINDOW_BITS))
			return e;
		if (e->br)
			BrotliEncoderDestroyInstance(e->br);
	}
	log_error("http", "cannot create a %s encoder: the compression"
		  " library failed to initialize",
		  content_coding_name(coding));
	free(e);
	return NULL;
}

void encoder_free(struct encoder *e)
{
	if (!e)
		return;
	if (e->coding == CODING_GZIP)
		deflateEnd(&e->zs);
	else if (e->br)
		BrotliEncoderDestroyInstance(e->br);
	free(e);
}

/* encoder_write() for gzip. A flush is complete once deflate() leaves
 * output room unused. */
static int gzip_write(struct encoder *e, const unsigned char *in, size_t len,
		      int finish, struct buf *out)
{
	for (;;) {
		/* avail_in is 32 bits wide: feed larger inputs in parts. */
		uInt part = len > (1u << 30) ? 1u << 30 : (uInt)len;
		int last = part == len;
		int flush = Z_NO_FLUSH;
		int rc;

		if (last)
			flush = finish ? Z_FINISH : Z_SYNC_FLUSH;

		e->zs.next_in = (Bytef *)in;
		e->zs.avail_in = part;
		do {
			buf_grow(out, OUTPUT_STEP);
			e->zs.next_out = (Bytef *)out->data + out->len;
			e->zs.avail_out = (uInt)(out->cap - out->len - 1);
			rc = deflate(&e->zs, flush);
			out->len = (size_t)((char *)e->zs.next_out - out->data);
			if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
				return -1;
		} while (flush == Z_FINISH ? rc != Z_STREAM_END :
			 e->zs.avail_in || !e->zs.avail_out);
		in += part;
		len -= part;
		if (last)
			return 0;
	}
}

static int brotli_write(struct encoder *e, const unsigned char *in,
			size_t len, int finish, struct buf *out)
{
	BrotliEncoderOperation op = finish ? BROTLI_OPERATION_FINISH :
				    BROTLI_OPERATION_FLUSH;
	const uint8_t *next_in = in;
	size_t avail_in = len;

	for (;;) {
		size_t avail_out;
		uint8_t *next_out;

		buf_grow(out, OUTPUT_STEP);
		next_out = (uint8_t *)out->data + out->len;
		avail_out = out->cap - out->len - 1;
		if (!BrotliEncoderCompressStream(e->br, op, &avail_in, &next_in,
						 &avail_out, &next_out, NULL))
			return -1;
		out->len = (size_t)((char *)next_out - out->data);
		if (avail_in || BrotliEncoderHasMoreOutput(e->br))
			continue;
		if (!finish || BrotliEncoderIsFinished(e->br))
			return 0;
	}
}

int encoder_write(struct encoder *e, const void *in, size_t len, int finish,
		  struct buf *out)
{
	int rc;

	if (e->failed)
		return -1;
	rc = e->coding == CODING_GZIP ? gzip_write(e, in, len, finish, out) :
	     brotli_write(e, in, len, finish, out);
	if (out->data)
		out->data[out->len] = '\0';	/* struct buf's invariant */
	if (rc) {
		log_error("http", "%s compression failed",
			  content_coding_name(e->coding));
		e->failed = 1;
	}
	return rc;
}

int compress_body(enum content_coding coding, struct buf *body)
{
	struct encoder *e = encoder_new(coding);
	struct buf out = BUF_INIT;

	if (!e)
		return -1;
	buf_grow(&out, body->len / 4);
	if (encoder_write(e, body->data, body->len, 1, &out)) {
		encoder_free(e);
		buf_release(&out);
		return -1;
	}
	encoder_free(e);
	buf_release(body);
	*body = out;
	return 0;
}

struct compressed_reader {
	enum content_coding coding;
	MHD_ContentReaderCallback reader;
	void *ctx;
	MHD_ContentReaderFreeCallback free_fn;
	struct encoder *encoder;	/* made on the first read */
	char *input;			/* INPUT_CHUNK bytes, with the encoder */
	uint64_t input_pos;		/* bytes read from reader so far */
	struct buf output;		/* compressed, not yet handed to MHD */
	size_t output_pos;
	int finished;			/* the stream's end is in output */
};

struct compressed_reader *compressed_reader_new(enum content_coding coding,
						MHD_ContentReaderCallback reader,
						void *ctx,
						MHD_ContentReaderFreeCallback free_fn)
{
	struct compressed_reader *c = xcalloc(1, sizeof(*c));

	c->coding = coding;
	c->reader = reader;
	c->ctx = ctx;
	c->free_fn = free_fn;
	return c;
}

/* Read the next chunk from the inner reader and compress it into output.
 * Returns 1 with output filled, 0 when the inner reader has nothing now,
 * or MHD_CONTENT_READER_END_WITH_ERROR. */
static ssize_t refill(struct compressed_reader *c)
{
	ssize_t n;
	int rc;

	if (!c->encoder) {
		c->encoder = encoder_new(c->coding);
		if (!c->encoder)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		c->input = xmalloc(INPUT_CHUNK);
	}
	buf_reset(&c->output);
	c->output_pos = 0;
	n = c->reader(c->ctx, c->input_pos, c->input, INPUT_CHUNK);
	if (n == 0 || n == MHD_CONTENT_READER_END_WITH_ERROR)
		return n;
	if (n == MHD_CONTENT_READER_END_OF_STREAM) {
		c->finished = 1;
		rc = encoder_write(c->encoder, NULL, 0, 1, &c->output);
	} else {
		c->input_pos += (uint64_t)n;
		rc = encoder_write(c->encoder, c->input, (size_t)n, 0,
				   &c->output);
	}
	return rc ? MHD_CONTENT_READER_END_WITH_ERROR : 1;
}

ssize_t compressed_reader_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct compressed_reader *c = cls;
	size_t n;

	(void)pos;
	while (c->output_pos == c->output.len) {
		ssize_t rc;

		if (c->finished)
			return MHD_CONTENT_READER_END_OF_STREAM;
		rc = refill(c);
		if (rc <= 0)
			return rc;
	}
	n = c->output.len - c->output_pos;
	if (n > max)
		n = max;
	memcpy(out, c->output.data + c->output_pos, n);
	c->output_pos += n;
	return (ssize_t)n;
}

void compressed_reader_free(void *cls)
{
	struct compressed_reader *c = cls;

	if (c->free_fn)
		c->free_fn(c->ctx);
	encoder_free(c->encoder);
	free(c->input);
	buf_release(&c->output);
	free(c);
}
