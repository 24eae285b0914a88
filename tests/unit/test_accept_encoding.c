/*
 * Unit tests for src/http/accept_encoding.c and the encoder of
 * src/http/compress.c. The parser tests cover q-values, "*", refusals
 * with q=0, case and whitespace. The encoder tests check that zlib
 * decodes gzip output, whole or flushed chunk by chunk, to the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "http/accept_encoding.h"
#include "http/compress.h"
#include "util/buf.h"

struct choice_case {
	const char *header;
	enum content_coding coding;
	int identity_refused;
};

static void check_cases(const struct choice_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct coding_choice c = accept_encoding_choose(cases[i].header);

		if (c.coding != cases[i].coding ||
		    c.identity_refused != cases[i].identity_refused)
			fail_msg("Accept-Encoding \"%s\": got %s (identity"
				 " refused %d), expected %s (%d)",
				 cases[i].header ? cases[i].header : "(none)",
				 content_coding_name(c.coding),
				 c.identity_refused,
				 content_coding_name(cases[i].coding),
				 cases[i].identity_refused);
	}
}

static void test_accept_encoding_basic(void **state)
{
	static const struct choice_case cases[] = {
		{ NULL, CODING_IDENTITY, 0 },
		{ "", CODING_IDENTITY, 0 },
		{ "identity", CODING_IDENTITY, 0 },
		{ "gzip", CODING_GZIP, 0 },
		{ "x-gzip", CODING_GZIP, 0 },
		{ "br", CODING_BR, 0 },
		{ "deflate", CODING_IDENTITY, 0 },
		{ "compress, zstd", CODING_IDENTITY, 0 },
		{ "gzip, deflate", CODING_GZIP, 0 },
		{ "gzip, deflate, br", CODING_BR, 0 },
		{ "br, gzip", CODING_BR, 0 },
		{ "*", CODING_BR, 0 },
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_accept_encoding_qvalues(void **state)
{
	static const struct choice_case cases[] = {
		{ "gzip;q=0.5, br;q=0.4", CODING_GZIP, 0 },
		{ "gzip;q=0.5, br;q=0.5", CODING_BR, 0 },
		{ "gzip;q=1, br;q=0.999", CODING_GZIP, 0 },
		{ "br;q=1.000, gzip", CODING_BR, 0 },
		{ "br;q=0.001", CODING_BR, 0 },
		{ "gzip;q=0, br", CODING_BR, 0 },
		{ "br;q=0, gzip", CODING_GZIP, 0 },
		{ "br;q=0.0, gzip;q=0.00", CODING_IDENTITY, 0 },
		{ "*;q=0.3, gzip;q=0.2", CODING_BR, 0 },
		{ "*;q=0.1, br;q=0", CODING_GZIP, 0 },
		{ "identity;q=1, gzip;q=0.5", CODING_IDENTITY, 0 },
		{ "identity;q=0.5, gzip", CODING_GZIP, 0 },
		{ "identity;q=0.5, gzip;q=0.5", CODING_GZIP, 0 },
		{ "gzip;q=0.5", CODING_GZIP, 0 },
		{ "gzip;level=1;q=0.5, br;q=0.4", CODING_GZIP, 0 },
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_accept_encoding_refusals(void **state)
{
	static const struct choice_case cases[] = {
		{ "identity;q=0", CODING_IDENTITY, 1 },
		{ "identity;q=0, gzip", CODING_GZIP, 1 },
		{ "*;q=0", CODING_IDENTITY, 1 },
		{ "*;q=0, br", CODING_BR, 1 },
		{ "*;q=0, identity", CODING_IDENTITY, 0 },
		{ "br;q=0, gzip;q=0, identity;q=0", CODING_IDENTITY, 1 },
		/* The first mention of a coding counts. */
		{ "gzip;q=0, gzip", CODING_IDENTITY, 0 },
		{ "identity, identity;q=0, gzip", CODING_GZIP, 0 },
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_accept_encoding_syntax(void **state)
{
	static const struct choice_case cases[] = {
		{ "GZIP", CODING_GZIP, 0 },
		{ "Br;Q=0.5, gzip;q=0.4", CODING_BR, 0 },
		{ "  gzip  ,\tbr ; q=0.1 ", CODING_GZIP, 0 },
		{ "gzip ; q = 0.5 , br ; q=0.4", CODING_GZIP, 0 },
		{ ",, ,gzip,,", CODING_GZIP, 0 },
		/* An element with an invalid q-value counts as absent. */
		{ "br;q=2, gzip;q=0.1", CODING_GZIP, 0 },
		{ "br;q=abc", CODING_IDENTITY, 0 },
		{ "br;q=", CODING_IDENTITY, 0 },
		{ "br;q=0.1234", CODING_IDENTITY, 0 },
		{ "br;q=1.5", CODING_IDENTITY, 0 },
		{ "br;q=-1", CODING_IDENTITY, 0 },
		{ "br;q", CODING_IDENTITY, 0 },
		{ "br junk, gzip", CODING_GZIP, 0 },
		{ "identity;q=x, gzip", CODING_GZIP, 0 },
		{ "gzipx, brotli, gz", CODING_IDENTITY, 0 },
		{ ";q=1", CODING_IDENTITY, 0 },
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Decode a whole gzip stream with zlib, asserting that it is complete. */
static void gunzip(const struct buf *in, struct buf *out)
{
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)in->data;
	zs.avail_in = (uInt)in->len;
	do {
		buf_grow(out, 65536);
		zs.next_out = (Bytef *)out->data + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1);
		rc = inflate(&zs, Z_NO_FLUSH);
		out->len = (size_t)((char *)zs.next_out - out->data);
	} while (rc == Z_OK);
	assert_int_equal(rc, Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0);
	inflateEnd(&zs);
}

static void make_text(struct buf *text, int lines)
{
	int i;

	for (i = 0; i < lines; i++)
		buf_printf(text, "{\"index\":%d,\"url\":\"https://example.com/%d\"}\n",
			   i, i * 7919 % 10007);
}

static void test_compress_gzip_whole(void **state)
{
	struct buf text = BUF_INIT, body = BUF_INIT, decoded = BUF_INIT;

	(void)state;
	make_text(&text, 20000);
	buf_append(&body, text.data, text.len);
	assert_int_equal(compress_body(CODING_GZIP, &body), 0);
	assert_true(body.len < text.len / 3);
	gunzip(&body, &decoded);
	assert_int_equal(decoded.len, text.len);
	assert_memory_equal(decoded.data, text.data, text.len);
	buf_release(&text);
	buf_release(&body);
	buf_release(&decoded);
}

/* Each flushed chunk decodes on its own: a client sees every chunk's
 * bytes without waiting for the next one. */
static void test_compress_gzip_flushed(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT, decoded = BUF_INIT;
	struct encoder *e = encoder_new(CODING_GZIP);
	size_t pos = 0, step = 1000;
	z_stream zs;

	(void)state;
	assert_non_null(e);
	make_text(&text, 2000);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	buf_grow(&decoded, text.len + 1);
	while (pos < text.len) {
		size_t n = text.len - pos < step ? text.len - pos : step;

		buf_reset(&out);
		assert_int_equal(encoder_write(e, text.data + pos, n, 0, &out), 0);
		pos += n;
		zs.next_in = (Bytef *)out.data;
		zs.avail_in = (uInt)out.len;
		zs.next_out = (Bytef *)decoded.data + decoded.len;
		zs.avail_out = (uInt)(decoded.cap - decoded.len - 1);
		assert_int_equal(inflate(&zs, Z_SYNC_FLUSH), Z_OK);
		decoded.len = (size_t)((char *)zs.next_out - decoded.data);
		assert_int_equal(decoded.len, pos);
	}
	buf_reset(&out);
	assert_int_equal(encoder_write(e, NULL, 0, 1, &out), 0);
	zs.next_in = (Bytef *)out.data;
	zs.avail_in = (uInt)out.len;
	zs.next_out = (Bytef *)decoded.data + decoded.len;
	zs.avail_out = (uInt)(decoded.cap - decoded.len - 1);
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_memory_equal(decoded.data, text.data, text.len);
	inflateEnd(&zs);
	encoder_free(e);
	buf_release(&text);
	buf_release(&out);
	buf_release(&decoded);
}

static void test_compress_empty_body(void **state)
{
	struct buf body = BUF_INIT, decoded = BUF_INIT;

	(void)state;
	assert_int_equal(compress_body(CODING_GZIP, &body), 0);
	assert_true(body.len > 0);
	gunzip(&body, &decoded);
	assert_int_equal(decoded.len, 0);
	assert_int_equal(compress_body(CODING_BR, &decoded), 0);
	assert_true(decoded.len > 0);
	buf_release(&body);
	buf_release(&decoded);
}

/* accept_encoding_allows: whether a record kept in one coding may be
 * sent as it is. */
static void test_accept_encoding_allows(void **state)
{
	(void)state;
	assert_false(accept_encoding_allows(NULL, "gzip"));
	assert_false(accept_encoding_allows("", "gzip"));
	assert_true(accept_encoding_allows("gzip, deflate, br", "br"));
	assert_true(accept_encoding_allows("gzip, deflate, br", "deflate"));
	assert_true(accept_encoding_allows("x-gzip", "gzip"));
	assert_true(accept_encoding_allows("GZIP;q=0.1", "gzip"));
	assert_false(accept_encoding_allows("gzip;q=0", "gzip"));
	assert_false(accept_encoding_allows("gzip", "br"));
	assert_true(accept_encoding_allows("*", "deflate"));
	assert_false(accept_encoding_allows("*, deflate;q=0", "deflate"));
	assert_false(accept_encoding_allows("identity", "gzip"));
	assert_false(accept_encoding_allows("gzip;q=x", "gzip"));
	assert_false(accept_encoding_allows("gzip", "compress"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_encoding_basic),
		cmocka_unit_test(test_accept_encoding_qvalues),
		cmocka_unit_test(test_accept_encoding_refusals),
		cmocka_unit_test(test_accept_encoding_syntax),
		cmocka_unit_test(test_compress_gzip_whole),
		cmocka_unit_test(test_compress_gzip_flushed),
		cmocka_unit_test(test_compress_empty_body),
		cmocka_unit_test(test_accept_encoding_allows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
