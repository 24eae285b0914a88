/*
 * Unit tests for src/http/body_decode.c. Bodies compressed here with zlib
 * (gzip, zlib and raw deflate), fed whole or one byte at a time, decode to
 * the original. The limit stops decoding one byte past it, and broken
 * streams are invalid. Brotli bodies are covered by the API tests, whose
 * client compresses with Node.js's zlib.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "http/body_decode.h"
#include "util/buf.h"

/* Compress in with zlib's window bits: 31 gzip, 15 zlib, -15 raw. */
static void compress_with(struct buf *out, const struct buf *in, int window)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, window, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	buf_reset(out);
	buf_grow(out, deflateBound(&zs, in->len) + 64);
	zs.next_in = (Bytef *)in->data;
	zs.avail_in = (uInt)in->len;
	zs.next_out = (Bytef *)out->data;
	zs.avail_out = (uInt)(out->cap - 1);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out->len = zs.total_out;
	deflateEnd(&zs);
}

/* Feed encoded in pieces of step bytes; returns the last result. */
static enum body_decode_result decode(enum body_encoding encoding,
				      const struct buf *encoded, size_t step,
				      size_t limit, struct buf *out)
{
	struct body_decoder *d = body_decoder_new(encoding);
	enum body_decode_result rc = BODY_DECODE_OK;
	size_t i, n;

	buf_reset(out);
	for (i = 0; i < encoded->len && rc == BODY_DECODE_OK; i += n) {
		n = encoded->len - i < step ? encoded->len - i : step;
		rc = body_decoder_feed(d, encoded->data + i, n, out, limit);
	}
	if (rc == BODY_DECODE_OK)
		rc = body_decoder_finish(d);
	body_decoder_free(d);
	return rc;
}

static void text_of(struct buf *b, size_t len)
{
	size_t i;

	buf_reset(b);
	for (i = 0; b->len < len; i++)
		buf_printf(b, "item %zu, ", i * 7919 % 100003);
	b->len = len;
}

static void test_body_decode_round_trip(void **state)
{
	static const struct {
		enum body_encoding encoding;
		int window;
	} cases[] = {
		{ BODY_GZIP, 31 }, { BODY_DEFLATE, 15 }, { BODY_DEFLATE, -15 },
	};
	static const size_t steps[] = { 1, 7, 65536, SIZE_MAX };
	struct buf plain = BUF_INIT, encoded = BUF_INIT, out = BUF_INIT;
	size_t c, s;

	(void)state;
	text_of(&plain, 300000);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		compress_with(&encoded, &plain, cases[c].window);
		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			assert_int_equal(decode(cases[c].encoding, &encoded,
						steps[s], 1 << 20, &out),
					 BODY_DECODE_OK);
			assert_int_equal(out.len, plain.len);
			assert_memory_equal(out.data, plain.data, plain.len);
		}
	}
	buf_release(&plain);
	buf_release(&encoded);
	buf_release(&out);
}

/* The limit is inclusive, and decoding stops one byte after it. */
static void test_body_decode_limit(void **state)
{
	struct buf plain = BUF_INIT, encoded = BUF_INIT, out = BUF_INIT;

	(void)state;
	text_of(&plain, 100000);
	compress_with(&encoded, &plain, 31);
	assert_int_equal(decode(BODY_GZIP, &encoded, 3, 100000, &out),
			 BODY_DECODE_OK);
	assert_int_equal(decode(BODY_GZIP, &encoded, 3, 99999, &out),
			 BODY_DECODE_TOO_LARGE);
	assert_int_equal(out.len, 100000);
	assert_int_equal(decode(BODY_GZIP, &encoded, SIZE_MAX, 1000, &out),
			 BODY_DECODE_TOO_LARGE);
	assert_int_equal(out.len, 1001);
	buf_release(&plain);
	buf_release(&encoded);
	buf_release(&out);
}

static void test_body_decode_invalid(void **state)
{
	struct buf plain = BUF_INIT, encoded = BUF_INIT, out = BUF_INIT;
	struct body_decoder *d;

	(void)state;
	text_of(&plain, 5000);
	compress_with(&encoded, &plain, 31);

	/* Cut short, then with bytes after the end. */
	encoded.len -= 4;
	assert_int_equal(decode(BODY_GZIP, &encoded, 100, 1 << 20, &out),
			 BODY_DECODE_INVALID);
	encoded.len += 4;
	buf_puts(&encoded, "junk");
	assert_int_equal(decode(BODY_GZIP, &encoded, 100, 1 << 20, &out),
			 BODY_DECODE_INVALID);

	/* zlib data is not gzip. */
	compress_with(&encoded, &plain, 15);
	assert_int_equal(decode(BODY_GZIP, &encoded, 100, 1 << 20, &out),
			 BODY_DECODE_INVALID);

	/* After an error the decoder takes nothing more. */
	d = body_decoder_new(BODY_GZIP);
	assert_int_equal(body_decoder_feed(d, "plain text", 10, &out, 100),
			 BODY_DECODE_INVALID);
	assert_non_null(body_decoder_error(d));
	assert_int_equal(body_decoder_feed(d, "\x1f\x8b", 2, &out, 100),
			 BODY_DECODE_INVALID);
	assert_int_equal(body_decoder_finish(d), BODY_DECODE_INVALID);
	body_decoder_free(d);

	/* Nothing fed: the stream never started. */
	d = body_decoder_new(BODY_BR);
	assert_int_equal(body_decoder_finish(d), BODY_DECODE_INVALID);
	body_decoder_free(d);

	buf_release(&plain);
	buf_release(&encoded);
	buf_release(&out);
}

static void test_body_decode_names(void **state)
{
	(void)state;
	assert_int_equal(body_encoding_parse(NULL), BODY_IDENTITY);
	assert_int_equal(body_encoding_parse(""), BODY_IDENTITY);
	assert_int_equal(body_encoding_parse("Identity"), BODY_IDENTITY);
	assert_int_equal(body_encoding_parse("gzip"), BODY_GZIP);
	assert_int_equal(body_encoding_parse("X-GZIP"), BODY_GZIP);
	assert_int_equal(body_encoding_parse("Deflate"), BODY_DEFLATE);
	assert_int_equal(body_encoding_parse("br"), BODY_BR);
	assert_int_equal(body_encoding_parse("gzip, br"), BODY_UNSUPPORTED);
	assert_int_equal(body_encoding_parse("zstd"), BODY_UNSUPPORTED);
	assert_string_equal(body_encoding_name(BODY_BR), "br");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_decode_round_trip),
		cmocka_unit_test(test_body_decode_limit),
		cmocka_unit_test(test_body_decode_invalid),
		cmocka_unit_test(test_body_decode_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
