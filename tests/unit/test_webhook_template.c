/*
 * Unit tests for src/webhooks/template.c and headers.c: the default
 * template, variables outside and inside strings, dot paths, falsy values,
 * errors, limits, and headers templates. Every successful render is parsed
 * again with json_parse() and must be written back unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"
#include "webhooks/spec.h"
#include "webhooks/template.h"

#define RESOURCE							\
	"{\"id\":\"r1\",\"defaultDatasetId\":\"d1\",\"exitCode\":0,"	\
	"\"statusMessage\":\"\",\"finishedAt\":null,\"ok\":false,"	\
	"\"stats\":{\"n\":1.50,\"z\":0.0},\"tags\":[\"x\",\"y\"],"	\
	"\"empty\":{},\"quote\":\"say \\\"hi\\\"\\\\\",\"dup\":1,\"dup\":2}"
#define EVENT_DATA "{\"actorId\":\"a1\",\"actorRunId\":\"r1\"}"

static const struct webhook_vars vars = {
	.user_id = "\"u1\"",
	.created_at = "\"2026-01-02T03:04:05.678Z\"",
	.event_type = "\"ACTOR.RUN.SUCCEEDED\"",
	.event_data = EVENT_DATA,
	.resource = RESOURCE,
	.globals = "{\"dateISO\":\"2026-01-02T03:04:05.678Z\","
		   "\"dateUnix\":1767323045678}",
};

static const struct webhook_vars no_vars;

/* Parse text with json_parse() and check that json_write() gives it back. */
static void assert_round_trip(const char *text, size_t len)
{
	struct json_error err;
	struct json_doc *doc = json_parse(text, len, &err);
	struct buf again = BUF_INIT;

	if (!doc)
		fail_msg("rendered text is not JSON (%s at %zu): %s",
			 err.message, err.offset, text);
	json_write(&again, json_root(doc));
	assert_int_equal(again.len, len);
	assert_memory_equal(again.data, text, len);
	buf_release(&again);
	json_doc_free(doc);
}

/* Render and compare with expected, with a prefix kept in front. */
static void assert_render(const char *template, int interpolate,
			  const struct webhook_vars *v, const char *expected)
{
	struct buf out = BUF_INIT;
	char err[512] = "";

	buf_puts(&out, "prefix:");
	if (webhook_render(template, interpolate, v, &out, err, sizeof(err)))
		fail_msg("render failed: %s", err);
	assert_string_equal(out.data + 7, expected);
	assert_memory_equal(out.data, "prefix:", 7);
	assert_round_trip(out.data + 7, out.len - 7);
	buf_release(&out);
}

/* Render expecting failure with a message containing part; out unchanged. */
static void assert_render_error(const char *template, int interpolate,
				const struct webhook_vars *v, const char *part)
{
	struct buf out = BUF_INIT;
	char err[512] = "";

	buf_puts(&out, "prefix:");
	assert_int_equal(webhook_render(template, interpolate, v, &out, err,
					sizeof(err)), -1);
	if (!strstr(err, part))
		fail_msg("message '%s' lacks '%s'", err, part);
	assert_int_equal(out.len, 7);
	assert_string_equal(out.data, "prefix:");
	buf_release(&out);
}

static void test_webhook_template_default(void **state)
{
	(void)state;
	assert_render(NULL, 0, &vars,
		      "{\"userId\":\"u1\","
		      "\"createdAt\":\"2026-01-02T03:04:05.678Z\","
		      "\"eventType\":\"ACTOR.RUN.SUCCEEDED\","
		      "\"eventData\":" EVENT_DATA ","
		      "\"resource\":" RESOURCE "}");
	assert_render(webhook_default_template, 1, &vars,
		      "{\"userId\":\"u1\","
		      "\"createdAt\":\"2026-01-02T03:04:05.678Z\","
		      "\"eventType\":\"ACTOR.RUN.SUCCEEDED\","
		      "\"eventData\":" EVENT_DATA ","
		      "\"resource\":" RESOURCE "}");
}

static void test_webhook_template_default_missing(void **state)
{
	(void)state;
	assert_render(NULL, 0, &no_vars,
		      "{\"userId\":null,\"createdAt\":null,\"eventType\":null,"
		      "\"eventData\":null,\"resource\":null}");
}

static void test_webhook_template_outside_strings(void **state)
{
	(void)state;
	assert_render("{ \"id\" : {{resource.id}},\n\"ds\": "
		      "{{resource.defaultDatasetId}}, \"n\": {{resource.stats.n}},"
		      " \"when\": {{globals.dateISO}}, \"unix\": "
		      "{{globals.dateUnix}}, \"ev\": {{eventData}} }", 0, &vars,
		      "{\"id\":\"r1\",\"ds\":\"d1\",\"n\":1.50,"
		      "\"when\":\"2026-01-02T03:04:05.678Z\","
		      "\"unix\":1767323045678,\"ev\":" EVENT_DATA "}");
	assert_render("{{resource.tags}}", 0, &vars, "[\"x\",\"y\"]");
	assert_render("[{{userId}},{{userId}}]", 0, &vars, "[\"u1\",\"u1\"]");
}

static void test_webhook_template_falsy_null(void **state)
{
	(void)state;
	assert_render("[{{resource.exitCode}},{{resource.statusMessage}},"
		      "{{resource.finishedAt}},{{resource.ok}},"
		      "{{resource.stats.z}},{{resource.nothing}},"
		      "{{resource.empty}},{{resource.tags}},{{resource.quote}}]",
		      0, &vars,
		      "[null,null,null,null,null,null,{},[\"x\",\"y\"],"
		      "\"say \\\"hi\\\"\\\\\"]");
}

static void test_webhook_template_strings_kept(void **state)
{
	(void)state;
	assert_render("{\"a\":\"{{resource.id}}\",\"b\":\"x {{userId}} y\","
		      "\"c\":\"{{nope}}\",\"{{userId}}\":{{userId}}}", 0, &vars,
		      "{\"a\":\"{{resource.id}}\",\"b\":\"x {{userId}} y\","
		      "\"c\":\"{{nope}}\",\"{{userId}}\":\"u1\"}");
}

static void test_webhook_template_escaped_quotes(void **state)
{
	(void)state;
	assert_render("{\"a\":\"\\\"{{userId}}\",\"b\":{{userId}}}", 0, &vars,
		      "{\"a\":\"\\\"{{userId}}\",\"b\":\"u1\"}");
	/* A string ending in an escaped backslash closes at its quote. */
	assert_render("{\"a\":\"C:\\\\\",\"b\":{{userId}}}", 0, &vars,
		      "{\"a\":\"C:\\\\\",\"b\":\"u1\"}");
}

static void test_webhook_template_interpolate_typed(void **state)
{
	(void)state;
	assert_render("{\"a\":\"{{resource.stats}}\",\"b\":\"{{resource.exitCode}}\","
		      "\"c\":\"{{resource.ok}}\",\"d\":\"{{resource.finishedAt}}\","
		      "\"e\":\"{{resource.missing}}\",\"f\":\"{{resource.id.x}}\","
		      "\"g\":[\"{{resource.missing}}\",\"{{userId}}\"]}", 1, &vars,
		      "{\"a\":{\"n\":1.50,\"z\":0.0},\"b\":0,\"c\":false,"
		      "\"d\":null,\"f\":null,\"g\":[null,\"u1\"]}");
	assert_render("\"{{resource.id}}\"", 1, &vars, "\"r1\"");
	assert_render("\"{{resource.missing}}\"", 1, &vars, "null");
	assert_render("\"{{resource}}\"", 1, &no_vars, "null");
}

static void test_webhook_template_interpolate_partial(void **state)
{
	(void)state;
	assert_render("{\"f\":\"id={{resource.id}} n={{resource.stats.n}}"
		      " ok={{resource.ok}} null={{resource.finishedAt}}"
		      " miss={{resource.missing}} obj={{resource.empty}}"
		      " arr={{resource.tags}} q={{resource.quote}}\"}", 1, &vars,
		      "{\"f\":\"id=r1 n=1.50 ok=false null=null miss=undefined"
		      " obj={} arr=[\\\"x\\\",\\\"y\\\"] q=say \\\"hi\\\"\\\\\"}");
	/* Keys stay, and text that is not a variable stays. */
	assert_render("{\"{{userId}}\":\"{{ userId }} {{{userId}}} {{}} {{userId\"}",
		      1, &vars,
		      "{\"{{userId}}\":\"{{ userId }} {u1} {{}} {{userId\"}");
	/* Escapes of a string without variables are kept as written. */
	assert_render("[\"\\u0041\\/\"]", 1, &vars, "[\"\\u0041\\/\"]");
	/* An escaped variable is a variable once decoded. */
	assert_render("[\"\\u007b{userId}}\"]", 1, &vars, "[\"u1\"]");
}

static void test_webhook_template_dot_paths(void **state)
{
	(void)state;
	assert_render("[{{resource.tags.1}},{{resource.tags.0}},"
		      "{{resource.tags.01}},{{resource.tags.2}},"
		      "{{resource.tags.-1}},{{resource.dup}},{{resource.}},"
		      "{{resource.id.length}},{{resource..id}},"
		      "{{resource.stats.n.x.y}}]", 0, &vars,
		      "[\"y\",\"x\",null,null,null,2,null,null,null,null]");
	assert_render("[{{resource.id}},{{eventData.actorId}}]", 0, &no_vars,
		      "[null,null]");
}

static void test_webhook_template_unknown_variable(void **state)
{
	(void)state;
	assert_render_error("{\"a\":{{foo}}}", 0, &vars,
			    "Template variable '{{foo}}' is not allowed");
	assert_render_error("{\"a\":{{userIdx}}}", 0, &vars, "'{{userIdx}}'");
	assert_render_error("{\"a\":{{ userId }}}", 0, &vars,
			    "'{{ userId }}'");
	assert_render_error("{\"a\":{{}}}", 0, &vars, "'{{}}'");
	assert_render_error("{\"a\":{{Resource.id}}}", 0, &vars,
			    "'{{Resource.id}}'");
	assert_render_error("{\"a\":\"{{foo.bar}}\"}", 1, &vars,
			    "'{{foo.bar}}'");
	assert_render_error("{\"a\":\"x {{foo}} y\"}", 1, &vars, "'{{foo}}'");
	/* Checked even when the value is missing. */
	assert_render_error("[{{foo}}]", 0, &no_vars, "'{{foo}}'");
}

static void test_webhook_template_never_json(void **state)
{
	(void)state;
	assert_render_error("{\"a\": {{userId}}", 0, &vars,
			    "not valid JSON after its variables are replaced");
	assert_render_error("{\"a\": {{userId", 0, &vars, "not valid JSON");
	assert_render_error("hello", 0, &vars, "not valid JSON");
	assert_render_error("", 0, &vars, "not valid JSON");
	assert_render_error("\"open {{userId}}", 0, &vars, "not valid JSON");
	assert_render_error("{\"a\":1}}", 1, &vars, "not valid JSON");
	assert_render_error("{{{userId}}}", 0, &vars, "'{{{userId}}'");
}

static void test_webhook_template_bad_value(void **state)
{
	struct webhook_vars bad = vars;

	(void)state;
	bad.resource = "{\"id\":";
	assert_render_error("[{{resource.id}}]", 0, &bad,
			    "The value of template variable 'resource' is not"
			    " valid JSON");
	/* A value that is not used is not parsed. */
	assert_render("[{{userId}}]", 0, &bad, "[\"u1\"]");
}

static void test_webhook_template_nul_in_value(void **state)
{
	struct webhook_vars v = vars;

	(void)state;
	v.user_id = "\"a\\u0000b\"";
	assert_render("[{{userId}},\"<{{userId}}>\"]", 1, &v,
		      "[\"a\\u0000b\",\"<a\\u0000b>\"]");
}

static void test_webhook_template_too_long(void **state)
{
	size_t n = WEBHOOK_TEMPLATE_MAX + 1;
	char *t = malloc(n + 1);

	(void)state;
	memset(t, ' ', n);
	t[0] = '1';
	t[n] = '\0';
	assert_render_error(t, 0, &vars, "65537 bytes long, more than the 65536");
	t[n - 1] = '\0';
	assert_render(t, 0, &vars, "1");
	free(t);
}

static void test_webhook_template_result_too_large(void **state)
{
	size_t value_len = 100000, i;
	char *big = malloc(value_len + 3);
	struct webhook_vars v = vars;
	struct buf t = BUF_INIT;

	(void)state;
	big[0] = '"';
	memset(big + 1, 'a', value_len);
	big[value_len + 1] = '"';
	big[value_len + 2] = '\0';
	v.user_id = big;

	buf_putc(&t, '[');
	for (i = 0; i < 50; i++)
		buf_puts(&t, i ? ",{{userId}}" : "{{userId}}");
	buf_putc(&t, ']');
	assert_render_error(t.data, 0, &v, "larger than 4194304 bytes");

	buf_reset(&t);
	buf_puts(&t, "\"");
	for (i = 0; i < 50; i++)
		buf_puts(&t, "{{userId}}");
	buf_puts(&t, "\"");
	assert_render_error(t.data, 1, &v, "larger than 4194304 bytes");
	buf_release(&t);
	free(big);
}

/* Thousands of variables render in one pass. */
static void test_webhook_template_many_variables(void **state)
{
	struct buf t = BUF_INIT, expected = BUF_INIT;
	size_t i;

	(void)state;
	buf_putc(&t, '[');
	buf_putc(&expected, '[');
	for (i = 0; i < 5000; i++) {
		buf_puts(&t, i ? ",{{userId}}" : "{{userId}}");
		buf_puts(&expected, i ? ",\"u1\"" : "\"u1\"");
	}
	buf_putc(&t, ']');
	buf_putc(&expected, ']');
	assert_render(t.data, 1, &vars, expected.data);
	buf_release(&t);
	buf_release(&expected);
}

static void test_webhook_template_deep_nesting(void **state)
{
	struct buf t = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < JSON_MAX_DEPTH + 10; i++)
		buf_putc(&t, '[');
	buf_puts(&t, "{{userId}}");
	for (i = 0; i < JSON_MAX_DEPTH + 10; i++)
		buf_putc(&t, ']');
	assert_render_error(t.data, 1, &vars, "not valid JSON");
	buf_release(&t);
}

static void test_webhook_template_sample_vars(void **state)
{
	struct buf out = BUF_INIT;
	char err[512] = "";

	(void)state;
	assert_int_equal(webhook_render(NULL, 1, &webhook_sample_vars, &out,
					err, sizeof(err)), 0);
	assert_non_null(strstr(out.data, "\"resource\":{\"id\":"));
	assert_round_trip(out.data, out.len);
	buf_release(&out);
}

/*
 * Mutated templates: each render either fails with a message and leaves
 * out as it was, or gives JSON that parses. Under the sanitizer build this
 * also checks that no input reads out of bounds.
 */
static void test_webhook_template_mutations(void **state)
{
	static const char *const seeds[] = {
		"{\"a\":{{resource.id}},\"b\":\"x {{userId}}\",\"c\":[{{eventData}}]}",
		"[\"{{resource.stats}}\",{{globals.dateUnix}},\"\\\"{{userId}}\"]",
		"{\"h\":\"{{resource.tags.1}}\",\"e\":\"\\u007b{x}}\"}",
	};
	static const char pieces[] = "{}[]\"\\:,. 0a";
	unsigned seed = 12345;
	size_t round, k;

	(void)state;
	for (round = 0; round < 3000; round++) {
		const char *base = seeds[round % 3];
		size_t len = strlen(base);
		char *t = malloc(len + 1);
		struct buf out = BUF_INIT;
		char err[512];
		int rc;

		memcpy(t, base, len + 1);
		for (k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			t[(seed >> 8) % len] = pieces[(seed >> 20) % (sizeof(pieces) - 1)];
		}
		buf_puts(&out, "x");
		err[0] = '\0';
		rc = webhook_render(t, (int)(round & 1), &vars, &out, err,
				    sizeof(err));
		if (rc) {
			assert_int_equal(rc, -1);
			assert_true(err[0] != '\0');
			assert_int_equal(out.len, 1);
		} else {
			assert_round_trip(out.data + 1, out.len - 1);
		}
		buf_release(&out);
		free(t);
	}
}

/* Render a headers template expecting success. */
static void assert_headers(const char *template, int interpolate,
			   const struct webhook_vars *v, const char *expected)
{
	struct buf out = BUF_INIT;
	char err[512] = "";

	if (webhook_render_headers(template, interpolate, v, &out, err,
				   sizeof(err)))
		fail_msg("headers render failed: %s", err);
	assert_string_equal(out.data, expected);
	assert_round_trip(out.data, out.len);
	buf_release(&out);
}

static void assert_headers_error(const char *template, int interpolate,
				 const struct webhook_vars *v, const char *part)
{
	struct buf out = BUF_INIT;
	char err[512] = "";

	buf_puts(&out, "keep");
	assert_int_equal(webhook_render_headers(template, interpolate, v, &out,
						err, sizeof(err)), -1);
	if (!strstr(err, part))
		fail_msg("message '%s' lacks '%s'", err, part);
	assert_string_equal(out.data, "keep");
	buf_release(&out);
}

static void test_webhook_template_headers(void **state)
{
	struct webhook_vars crlf = vars;

	(void)state;
	assert_headers("{\"Authorization\": \"Bearer {{resource.id}}\","
		       " \"X-N\": {{resource.exitCode}}, \"X-B\": true,"
		       " \"X-Num\": 5}", 1, &vars,
		       "{\"Authorization\":\"Bearer r1\",\"X-N\":null,"
		       "\"X-B\":true,\"X-Num\":5}");
	assert_headers("{}", 0, &vars, "{}");
	assert_headers("{{eventData}}", 0, &vars, EVENT_DATA);

	assert_headers_error("[1]", 0, &vars, "must give a JSON object, got array");
	assert_headers_error("{{resource.tags}}", 0, &vars, "got array");
	assert_headers_error("{{userId}}", 0, &vars, "got string");
	assert_headers_error("{\"Bad Name\":\"x\"}", 0, &vars,
			     "Header name 'Bad Name'");
	assert_headers_error("{\"\":\"x\"}", 0, &vars, "is empty");
	assert_headers_error("{\"X\":\"a\\nb\"}", 0, &vars, "CR, LF or NUL");
	assert_headers_error("{\"X\":\"a\\u0000b\"}", 0, &vars, "CR, LF or NUL");
	assert_headers_error("{\"X\":{\"a\":1}}", 0, &vars, "is an object");
	assert_headers_error("{\"X\":[]}", 0, &vars, "is an array");
	assert_headers_error("{\"X\":{{foo}}}", 0, &vars, "'{{foo}}'");
	assert_headers_error(NULL, 0, &vars, "no headers template");

	crlf.user_id = "\"u1\\r\\nX-Injected: 1\"";
	assert_headers_error("{\"X-User\":\"{{userId}}\"}", 1, &crlf,
			     "CR, LF or NUL");
}

static void test_webhook_template_reserved_headers(void **state)
{
	(void)state;
	assert_true(webhook_header_is_reserved("content-type", 12));
	assert_true(webhook_header_is_reserved("HOST", 4));
	assert_true(webhook_header_is_reserved("X-Apify-Webhook-Dispatch-Id", 27));
	assert_false(webhook_header_is_reserved("X-Apify-Webhook-Dispatch", 24));
	assert_false(webhook_header_is_reserved("Authorization", 13));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook_template_default),
		cmocka_unit_test(test_webhook_template_default_missing),
		cmocka_unit_test(test_webhook_template_outside_strings),
		cmocka_unit_test(test_webhook_template_falsy_null),
		cmocka_unit_test(test_webhook_template_strings_kept),
		cmocka_unit_test(test_webhook_template_escaped_quotes),
		cmocka_unit_test(test_webhook_template_interpolate_typed),
		cmocka_unit_test(test_webhook_template_interpolate_partial),
		cmocka_unit_test(test_webhook_template_dot_paths),
		cmocka_unit_test(test_webhook_template_unknown_variable),
		cmocka_unit_test(test_webhook_template_never_json),
		cmocka_unit_test(test_webhook_template_bad_value),
		cmocka_unit_test(test_webhook_template_nul_in_value),
		cmocka_unit_test(test_webhook_template_too_long),
		cmocka_unit_test(test_webhook_template_result_too_large),
		cmocka_unit_test(test_webhook_template_many_variables),
		cmocka_unit_test(test_webhook_template_deep_nesting),
		cmocka_unit_test(test_webhook_template_sample_vars),
		cmocka_unit_test(test_webhook_template_mutations),
		cmocka_unit_test(test_webhook_template_headers),
		cmocka_unit_test(test_webhook_template_reserved_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
