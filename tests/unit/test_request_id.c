/*
 * Unit tests for src/util/sha256.c and src/util/request_id.c. Expected
 * digests are the FIPS 180-4 example ("abc") and values from Node.js
 * crypto.createHash('sha256'). Inputs of 55, 56 and 64 bytes put the
 * length field in the last block, in an extra block, and after a full
 * block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/request_id.h"
#include "util/sha256.h"

static void assert_digest(const char *data, size_t len, const char *hex)
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	char text[2 * SHA256_DIGEST_SIZE + 1];
	size_t i;

	sha256(data, len, digest);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(text + 2 * i, 3, "%02x", digest[i]);
	assert_string_equal(text, hex);
}

static void assert_repeated_a(size_t n, const char *hex)
{
	char data[256];

	memset(data, 'a', n);
	assert_digest(data, n, hex);
}

static void test_request_id_sha256_abc(void **state)
{
	(void)state;
	assert_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
		      "b00361a396177a9cb410ff61f20015ad");
}

static void test_request_id_sha256_empty(void **state)
{
	(void)state;
	assert_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
		      "27ae41e4649b934ca495991b7852b855");
}

static void test_request_id_sha256_block_edges(void **state)
{
	(void)state;
	assert_repeated_a(55, "9f4390f8d30c2dd92ec9f095b65e2b9a"
			  "e9b0a925a5258e241c9f1e910f734318");
	assert_repeated_a(56, "b35439a4ac6f0948b6d6f9e3c6af0f5f"
			  "590ce20f1bde7090ef7970686ec6738a");
	assert_repeated_a(64, "ffe054fe7ae0cb6dc65c3af9b61d5209"
			  "f439851db43d0ba5997337df154668eb");
}

static void test_request_id_from_key(void **state)
{
	char id[REQUEST_ID_SIZE];

	(void)state;
	request_id_from_key("http://example.com", 18, id);
	assert_string_equal(id, "8OamqXBCpPHxyH9");
	request_id_from_key("", 0, id);
	assert_string_equal(id, "47DEQpj8HBSaTIm");
}

static void test_request_id_skips_plus_and_slash(void **state)
{
	char id[REQUEST_ID_SIZE];
	char key[201];

	(void)state;
	/* Base64 of this digest starts "wqkI2Y9d+Yet5Btf": the '+' is
	 * dropped and the id takes the next character instead. */
	memset(key, 'a', 200);
	key[200] = '\0';
	request_id_from_key(key, 200, id);
	assert_string_equal(id, "wqkI2Y9dYet5Btf");
	request_id_from_key("http://g.com", 12, id);
	assert_string_equal(id, "AtrHQxNSEu6KfTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_id_sha256_abc),
		cmocka_unit_test(test_request_id_sha256_empty),
		cmocka_unit_test(test_request_id_sha256_block_edges),
		cmocka_unit_test(test_request_id_from_key),
		cmocka_unit_test(test_request_id_skips_plus_and_slash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
