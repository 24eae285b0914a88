/*
 * Unit tests for the page of a dataset an items request selects, and for
 * Base64, which builds decode from uploaded source files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "export/pipeline.h"
#include "util/base64.h"

static void range(int64_t offset, int64_t limit, int desc, int64_t total,
		  int64_t from, int64_t to)
{
	struct item_range r;

	item_range_compute(offset, limit, desc, total, &r);
	assert_int_equal(r.from, from);
	assert_int_equal(r.to, to);
	assert_int_equal(r.total, total);
}

static void test_items_range_ascending(void **state)
{
	(void)state;
	range(0, 0, 0, 5, 0, 5);
	range(2, 0, 0, 5, 2, 5);
	range(1, 2, 0, 5, 1, 3);
	range(7, 2, 0, 5, 5, 5);
	range(0, 10, 0, 0, 0, 0);
}

static void test_items_range_descending(void **state)
{
	(void)state;
	/* desc: offset counts from the newest item. */
	range(0, 0, 1, 5, 0, 5);
	range(1, 2, 1, 5, 2, 4);
	range(4, 10, 1, 5, 0, 1);
	range(9, 1, 1, 5, 0, 0);
}

static void test_items_base64_round_trip(void **state)
{
	const char bytes[] = { 0, 1, 2, (char)0xff, 'a', 'b', 'c' };
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(bytes); n++) {
		buf_reset(&enc);
		buf_reset(&dec);
		base64_encode(bytes, n, &enc);
		assert_int_equal(enc.len % 4, 0);
		assert_int_equal(base64_decode(enc.data ? enc.data : "", enc.len,
					       &dec), 0);
		assert_int_equal(dec.len, n);
		if (n)
			assert_memory_equal(dec.data, bytes, n);
	}
	buf_release(&enc);
	buf_release(&dec);
}

static void test_items_base64_rejects(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(base64_decode("aGk=", 4, &out), 0);
	assert_memory_equal(out.data, "hi", 2);
	assert_int_equal(base64_decode("a*==", 4, &out), -1);
	assert_int_equal(base64_decode("aG=k", 4, &out), -1);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_range_ascending),
		cmocka_unit_test(test_items_range_descending),
		cmocka_unit_test(test_items_base64_round_trip),
		cmocka_unit_test(test_items_base64_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
