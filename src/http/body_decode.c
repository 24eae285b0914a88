/*
 * Decoding of compressed request bodies; see body_decode.h. gzip and
 * deflate go through zlib's inflate, br through Brotli's decoder. HTTP's
 * "deflate" coding is the zlib format, but some clients send raw deflate
 * data, so a stream whose first bytes are not a zlib header is inflated as
 * raw deflate.
 */
#include "http/body_decode.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <zlib.h>

/* Decoded bytes are appended in steps of at most this many. */
#define DECODE_STEP (64 * 1024)

/* Window bits for inflateInit2(): 15 plus 16 reads gzip only. */
#define GZIP_WINDOW (15 + 16)
#define ZLIB_WINDOW 15
#define RAW_WINDOW (-15)

struct body_decoder {
	enum body_encoding encoding;
	z_stream zs;
	int zs_ready;
	BrotliDecoderState *br;
	int ended;		/* the encoded stream is complete */
	int failed;
	const char *error;
	char error_text[96];	/* when error needs formatting */
	unsigned char first[2];	/* deflate: the first two bytes */
	size_t first_len;
};

enum body_encoding body_encoding_parse(const char *header)
{
	if (!header || !*header || !strcasecmp(header, "identity"))
		return BODY_IDENTITY;
	if (!strcasecmp(header, "gzip") || !strcasecmp(header, "x-gzip"))
		return BODY_GZIP;
	if (!strcasecmp(header, "deflate"))
		return BODY_DEFLATE;
	if (!strcasecmp(header, "br"))
		return BODY_BR;
	return BODY_UNSUPPORTED;
}

const char *body_encoding_name(enum body_encoding encoding)
{
	switch (encoding) {
	case BODY_GZIP:
		return "gzip";
	case BODY_DEFLATE:
		return "deflate";
	case BODY_BR:
		return "br";
	default:
		return "identity";
	}
}

static int zlib_start(struct body_decoder *d, int window)
{
	memset(&d->zs, 0, sizeof(d->zs));
	if (inflateInit2(&d->zs, window) != Z_OK)
		return -1;
	d->zs_ready = 1;
	return 0;
}

struct body_decoder *body_decoder_new(enum body_encoding encoding)
{
	struct body_decoder *d = xcalloc(1, sizeof(*d));

	d->encoding = encoding;
	if (encoding == BODY_BR) {
		d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
		if (!d->br)
			abort();	/* out of memory, as xmalloc() */
	} else if (encoding == BODY_GZIP && zlib_start(d, GZIP_WINDOW)) {
		abort();
	}
	return d;
}

void body_decoder_free(struct body_decoder *d)
{
	if (!d)
		return;
	if (d->zs_ready)
		inflateEnd(&d->zs);
	if (d->br)
		BrotliDecoderDestroyInstance(d->br);
	free(d);
}

static enum body_decode_result fail(struct body_decoder *d, const char *why)
{
	d->failed = 1;
	d->error = why;
	return BODY_DECODE_INVALID;
}

/* Make room for the next step of output and return its size, at least 1. */
static size_t output_room(struct buf *out, size_t limit)
{
	size_t room = limit > out->len ? limit - out->len : 0;

	if (room > DECODE_STEP)
		room = DECODE_STEP;
	/* Room for one byte past the limit, so that a body that goes on
	 * past it is seen as too large. */
	room++;
	buf_grow(out, room);
	return room;
}

static enum body_decode_result zlib_feed(struct body_decoder *d,
					 const unsigned char *in, size_t n,
					 struct buf *out, size_t limit)
{
	size_t room, produced;
	uInt before;
	int rc;

	d->zs.next_in = (Bytef *)in;
	d->zs.avail_in = (uInt)n;
	while (d->zs.avail_in > 0 && !d->ended) {
		room = output_room(out, limit);
		d->zs.next_out = (Bytef *)out->data + out->len;
		d->zs.avail_out = (uInt)room;
		before = d->zs.avail_in;
		rc = inflate(&d->zs, Z_NO_FLUSH);
		produced = room - d->zs.avail_out;
		out->len += produced;
		out->data[out->len] = '\0';
		if (out->len > limit)
			return BODY_DECODE_TOO_LARGE;
		if (rc == Z_STREAM_END)
			d->ended = 1;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return fail(d, d->zs.msg ? d->zs.msg : "corrupt data");
		else if (!produced && d->zs.avail_in == before)
			return fail(d, "corrupt data");
	}
	/* Bytes after the end of the stream. */
	if (d->ended && d->zs.avail_in > 0)
		return fail(d, "data after the end of the compressed stream");
	return BODY_DECODE_OK;
}

/*
 * deflate: wait for two bytes, then pick the zlib format when they are a
 * zlib header (method 8 in the low bits of the first byte, and the two
 * bytes read big-endian a multiple of 31), raw deflate otherwise.
 */
static enum body_decode_result deflate_feed(struct body_decoder *d,
					    const unsigned char *in, size_t n,
					    struct buf *out, size_t limit)
{
	enum body_decode_result rc;
	unsigned header;

	if (d->zs_ready)
		return zlib_feed(d, in, n, out, limit);
	while (d->first_len < 2 && n > 0) {
		d->first[d->first_len++] = *in++;
		n--;
	}
	if (d->first_len < 2)
		return BODY_DECODE_OK;
	header = (unsigned)d->first[0] << 8 | d->first[1];
	if (zlib_start(d, (d->first[0] & 0x0f) == 8 && header % 31 == 0 ?
			  ZLIB_WINDOW : RAW_WINDOW))
		abort();
	rc = zlib_feed(d, d->first, 2, out, limit);
	if (rc != BODY_DECODE_OK || n == 0)
		return rc;
	return zlib_feed(d, in, n, out, limit);
}

static enum body_decode_result brotli_feed(struct body_decoder *d,
					   const unsigned char *in, size_t n,
					   struct buf *out, size_t limit)
{
	BrotliDecoderResult rc;
	size_t room, avail_out;
	uint8_t *next_out;

	for (;;) {
		room = output_room(out, limit);
		next_out = (uint8_t *)out->data + out->len;
		avail_out = room;
		rc = BrotliDecoderDecompressStream(d->br, &n, &in, &avail_out,
						   &next_out, NULL);
		out->len += room - avail_out;
		out->data[out->len] = '\0';
		if (out->len > limit)
			return BODY_DECODE_TOO_LARGE;
		switch (rc) {
		case BROTLI_DECODER_RESULT_SUCCESS:
			d->ended = 1;
			if (n > 0)
				return fail(d, "data after the end of the"
					    " compressed stream");
			return BODY_DECODE_OK;
		case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
			return BODY_DECODE_OK;
		case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
			continue;
		default:
			snprintf(d->error_text, sizeof(d->error_text),
				 "Brotli decoder error %s",
				 BrotliDecoderErrorString(
					 BrotliDecoderGetErrorCode(d->br)));
			return fail(d, d->error_text);
		}
	}
}

enum body_decode_result body_decoder_feed(struct body_decoder *d,
					  const void *in, size_t n,
					  struct buf *out, size_t limit)
{
	if (d->failed)
		return BODY_DECODE_INVALID;
	if (n == 0)
		return BODY_DECODE_OK;
	if (d->ended)
		return fail(d, "data after the end of the compressed stream");
	switch (d->encoding) {
	case BODY_BR:
		return brotli_feed(d, in, n, out, limit);
	case BODY_DEFLATE:
		return deflate_feed(d, in, n, out, limit);
	default:
		return zlib_feed(d, in, n, out, limit);
	}
}

enum body_decode_result body_decoder_finish(struct body_decoder *d)
{
	if (d->failed)
		return BODY_DECODE_INVALID;
	if (!d->ended)
		return fail(d, "the compressed stream ends early");
	return BODY_DECODE_OK;
}

const char *body_decoder_error(const struct body_decoder *d)
{
	return d->error ? d->error : "corrupt data";
}
