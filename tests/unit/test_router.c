/*
 * Unit tests for route matching and the Allow list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/router.h"

static void noop(struct req *r)
{
	(void)r;
}

static const struct route routes[] = {
	{ "/v2/acts", METHOD_GET | METHOD_POST, noop, 0 },
	{ "/v2/acts/:", METHOD_GET, noop, 0 },
	{ "/v2/acts/:", METHOD_DELETE, noop, 0 },
	{ "/v2/key-value-stores/:/records/:", METHOD_PUT, noop, 0 },
	{ "/v2/run", METHOD_GET | METHOD_POST, noop, ROUTE_NO_HEAD },
};

static void set_path(struct req *r, const char **segments, int n)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++)
		r->segments[i] = (char *)segments[i];
	r->segment_count = n;
}

static void test_router_captures(void **state)
{
	const char *path[] = { "v2", "key-value-stores", "abc", "records", "INPUT" };
	const struct route *found;
	struct req r;
	unsigned allowed;

	(void)state;
	set_path(&r, path, 5);
	r.method = METHOD_PUT;
	found = router_match(routes, 5, &r, &allowed);
	assert_ptr_equal(found, &routes[3]);
	assert_string_equal(r.params[0], "abc");
	assert_string_equal(r.params[1], "INPUT");
}

static void test_router_method_mismatch(void **state)
{
	const char *path[] = { "v2", "acts", "x" };
	struct req r;
	unsigned allowed;

	(void)state;
	set_path(&r, path, 3);
	r.method = METHOD_PUT;
	assert_null(router_match(routes, 5, &r, &allowed));
	assert_int_equal(allowed, METHOD_GET | METHOD_HEAD | METHOD_DELETE);
}

static void test_router_head_is_get(void **state)
{
	const char *path[] = { "v2", "acts" };
	struct req r;
	unsigned allowed;

	(void)state;
	set_path(&r, path, 2);
	r.method = METHOD_HEAD;
	assert_ptr_equal(router_match(routes, 5, &r, &allowed), &routes[0]);
}

static void test_router_no_head_flag(void **state)
{
	const char *path[] = { "v2", "run" };
	struct req r;
	unsigned allowed;

	(void)state;
	set_path(&r, path, 2);
	r.method = METHOD_HEAD;
	assert_null(router_match(routes, 5, &r, &allowed));
	assert_int_equal(allowed, METHOD_GET | METHOD_POST);
	r.method = METHOD_GET;
	assert_ptr_equal(router_match(routes, 5, &r, &allowed), &routes[4]);
}

static void test_router_no_match(void **state)
{
	const char *path[] = { "v2", "acts", "x", "extra" };
	struct req r;
	unsigned allowed;

	(void)state;
	set_path(&r, path, 4);
	r.method = METHOD_GET;
	assert_null(router_match(routes, 5, &r, &allowed));
	assert_int_equal(allowed, 0);
}

static void test_router_methods_string(void **state)
{
	char out[64];

	(void)state;
	router_methods_string(METHOD_GET | METHOD_POST, out, sizeof(out));
	assert_string_equal(out, "OPTIONS,GET,POST");
	router_methods_string(0, out, sizeof(out));
	assert_string_equal(out, "OPTIONS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_router_captures),
		cmocka_unit_test(test_router_method_mismatch),
		cmocka_unit_test(test_router_head_is_get),
		cmocka_unit_test(test_router_no_head_flag),
		cmocka_unit_test(test_router_no_match),
		cmocka_unit_test(test_router_methods_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
