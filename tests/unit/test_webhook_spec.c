/*
 * Unit tests for src/webhooks/spec.c: event names, parsing and validating
 * webhook objects (ad-hoc and persistent), the Base64 `webhooks` option
 * and writing a webhook's fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/base64.h"
#include "util/json.h"
#include "webhooks/spec.h"
#include "webhooks/template.h"

#define URL "\"requestUrl\":\"http://127.0.0.1:8080/hook\""
#define EVENTS "\"eventTypes\":[\"ACTOR.RUN.SUCCEEDED\"]"

/* Parse text as JSON and then as a webhook; returns webhook_spec_from_json(). */
static int parse_spec(const char *text, int persistent, struct webhook_spec *s,
		      char *err, size_t errlen)
{
	struct json_error jerr;
	struct json_doc *doc = json_parse(text, strlen(text), &jerr);
	int rc;

	if (!doc)
		fail_msg("test input is not JSON (%s): %s", jerr.message, text);
	rc = webhook_spec_from_json(json_root(doc), persistent, s, err, errlen);
	json_doc_free(doc);
	return rc;
}

static void assert_spec_error(const char *text, int persistent,
			      const char *part)
{
	struct webhook_spec s;
	char err[512] = "";

	assert_int_equal(parse_spec(text, persistent, &s, err, sizeof(err)), -1);
	if (!strstr(err, part))
		fail_msg("message '%s' lacks '%s' for %s", err, part, text);
	/* A failed parse leaves nothing to free. */
	assert_null(s.request_url);
	assert_null(s.payload_template);
	assert_null(s.condition_actor_id);
}

static void assert_spec_ok(const char *text, int persistent)
{
	struct webhook_spec s;
	char err[512] = "";

	if (parse_spec(text, persistent, &s, err, sizeof(err)))
		fail_msg("parse failed: %s for %s", err, text);
	webhook_spec_release(&s);
}

static void test_webhook_spec_event_names(void **state)
{
	(void)state;
	assert_string_equal(webhook_event_name(WEBHOOK_EVENT_CREATED),
			    "ACTOR.RUN.CREATED");
	assert_string_equal(webhook_event_name(WEBHOOK_EVENT_TIMED_OUT),
			    "ACTOR.RUN.TIMED_OUT");
	assert_null(webhook_event_name(0));
	assert_null(webhook_event_name(WEBHOOK_EVENT_FAILED |
				       WEBHOOK_EVENT_ABORTED));
	assert_string_equal(webhook_event_name(WEBHOOK_EVENT_RESURRECTED),
			    "ACTOR.RUN.RESURRECTED");
	assert_string_equal(webhook_event_name(WEBHOOK_EVENT_BUILD_ABORTED),
			    "ACTOR.BUILD.ABORTED");
	assert_null(webhook_event_name(2048));

	assert_int_equal(webhook_event_for_status("READY"),
			 WEBHOOK_EVENT_CREATED);
	assert_int_equal(webhook_event_for_status("SUCCEEDED"),
			 WEBHOOK_EVENT_SUCCEEDED);
	assert_int_equal(webhook_event_for_status("FAILED"),
			 WEBHOOK_EVENT_FAILED);
	assert_int_equal(webhook_event_for_status("TIMED-OUT"),
			 WEBHOOK_EVENT_TIMED_OUT);
	assert_int_equal(webhook_event_for_status("ABORTED"),
			 WEBHOOK_EVENT_ABORTED);
	assert_int_equal(webhook_event_for_status("RUNNING"), 0);
	assert_int_equal(webhook_event_for_status("TIMING-OUT"), 0);
	assert_int_equal(webhook_event_for_status("ABORTING"), 0);
	assert_int_equal(webhook_event_for_status("TIMED_OUT"), 0);
	assert_int_equal(webhook_event_for_status(NULL), 0);

	assert_int_equal(webhook_event_from_name("ACTOR.RUN.ABORTED", 17),
			 WEBHOOK_EVENT_ABORTED);
	assert_int_equal(webhook_event_from_name("ACTOR.RUN.ABORTEDX", 18), 0);
	assert_int_equal(webhook_event_from_name("ACTOR.RUN.ABORTED", 16), 0);
}

static void test_webhook_spec_full(void **state)
{
	struct webhook_spec s;
	char err[512] = "";

	(void)state;
	assert_int_equal(parse_spec(
		"{\"eventTypes\":[\"ACTOR.RUN.FAILED\",\"ACTOR.RUN.TIMED_OUT\","
		"\"ACTOR.RUN.FAILED\"],\"requestUrl\":\"https://example.test/a?b=1\","
		"\"payloadTemplate\":\"{\\\"run\\\": {{resource.id}}}\","
		"\"headersTemplate\":\"{\\\"X-Run\\\": \\\"{{resource.id}}\\\"}\","
		"\"shouldInterpolateStrings\":true,\"doNotRetry\":true,"
		"\"ignoreSslErrors\":false,\"idempotencyKey\":\"k1\","
		"\"description\":\"d\",\"unknownField\":[1,2],"
		"\"condition\":{\"actorId\":\"ignored\"}}",
		0, &s, err, sizeof(err)), 0);
	assert_int_equal(s.event_types,
			 WEBHOOK_EVENT_FAILED | WEBHOOK_EVENT_TIMED_OUT);
	assert_string_equal(s.request_url, "https://example.test/a?b=1");
	assert_string_equal(s.payload_template, "{\"run\": {{resource.id}}}");
	assert_string_equal(s.headers_template,
			    "{\"X-Run\": \"{{resource.id}}\"}");
	assert_int_equal(s.should_interpolate_strings, 1);
	assert_int_equal(s.do_not_retry, 1);
	assert_int_equal(s.ignore_ssl_errors, 0);
	assert_int_equal(s.is_ad_hoc, 1);
	assert_string_equal(s.idempotency_key, "k1");
	assert_string_equal(s.description, "d");
	assert_null(s.condition_actor_id);
	assert_null(s.condition_actor_task_id);
	webhook_spec_release(&s);
	assert_null(s.request_url);
	assert_int_equal(s.event_types, 0);
}

static void test_webhook_spec_minimal(void **state)
{
	struct webhook_spec s;
	char err[512] = "";

	(void)state;
	assert_int_equal(parse_spec("{" EVENTS "," URL ",\"payloadTemplate\":null,"
				    "\"doNotRetry\":null,\"description\":null}",
				    0, &s, err, sizeof(err)), 0);
	assert_int_equal(s.event_types, WEBHOOK_EVENT_SUCCEEDED);
	assert_null(s.payload_template);
	assert_null(s.headers_template);
	assert_null(s.description);
	assert_null(s.idempotency_key);
	assert_int_equal(s.do_not_retry, 0);
	assert_int_equal(s.should_interpolate_strings, 0);
	webhook_spec_release(&s);
}

static void test_webhook_spec_not_object(void **state)
{
	(void)state;
	assert_spec_error("[]", 0, "A webhook must be a JSON object, got array");
	assert_spec_error("\"x\"", 0, "got string");
	assert_spec_error("null", 1, "got null");
}

static void test_webhook_spec_event_types(void **state)
{
	(void)state;
	assert_spec_error("{" URL "}", 0, "Field 'eventTypes' is required");
	assert_spec_error("{\"eventTypes\":null," URL "}", 0,
			  "Field 'eventTypes' is required");
	assert_spec_error("{\"eventTypes\":\"ACTOR.RUN.FAILED\"," URL "}", 0,
			  "Field 'eventTypes' must be an array of event types,"
			  " got string");
	assert_spec_error("{\"eventTypes\":[]," URL "}", 0,
			  "Field 'eventTypes' must not be empty");
	assert_spec_error("{\"eventTypes\":[\"ACTOR.RUN.FAILED\",3]," URL "}", 0,
			  "Field 'eventTypes' item 1 must be a string, got number");
	assert_spec_error("{\"eventTypes\":[\"TEST\"]," URL "}",
			  0, "unknown event type 'TEST'."
			  " Allowed: ACTOR.RUN.CREATED, ACTOR.RUN.SUCCEEDED,"
			  " ACTOR.RUN.FAILED, ACTOR.RUN.TIMED_OUT,"
			  " ACTOR.RUN.ABORTED, ACTOR.RUN.RESURRECTED,"
			  " ACTOR.BUILD.CREATED, ACTOR.BUILD.SUCCEEDED,"
			  " ACTOR.BUILD.FAILED, ACTOR.BUILD.TIMED_OUT and"
			  " ACTOR.BUILD.ABORTED.");
	assert_spec_error("{\"eventTypes\":[\"actor.run.failed\"]," URL "}", 0,
			  "'actor.run.failed'");
	assert_spec_error("{\"eventTypes\":[\"ACTOR.RUN.TIMED-OUT\"]," URL "}", 0,
			  "'ACTOR.RUN.TIMED-OUT'");
	assert_spec_error("{\"eventTypes\":[\"TEST\"]," URL "}", 0, "'TEST'");
}

static void test_webhook_spec_request_url(void **state)
{
	static const char *const good[] = {
		"http://a", "HTTPS://example.test", "http://h:1/",
		"http://h:65535/p?q#f", "http://user:pw@host.test/x",
		"http://[::1]:8080/x", "http://127.0.0.1/", "http://h.test?x",
		"https://h#frag", "http://a_b-c.test/%20",
	};
	static const char *const bad[] = {
		"ftp://h/", "http:/h", "http://", "http:///path", "//h/x",
		"http://h:0/", "http://h:65536/", "http://h:/", "http://h:8x/",
		"http://[::1/", "http://[]/", "http://h^/", "h.test/x",
		"http://user@/x", "mailto:a@b", "javascript:alert(1)",
	};
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		snprintf(text, sizeof(text), "{" EVENTS ",\"requestUrl\":\"%s\"}",
			 good[i]);
		assert_spec_ok(text, 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), "{" EVENTS ",\"requestUrl\":\"%s\"}",
			 bad[i]);
		assert_spec_error(text, 0, "Field 'requestUrl' must be an"
				  " absolute http:// or https:// URL");
	}

	assert_spec_error("{" EVENTS "}", 0, "Field 'requestUrl' is required");
	assert_spec_error("{" EVENTS ",\"requestUrl\":null}", 0,
			  "Field 'requestUrl' is required");
	assert_spec_error("{" EVENTS ",\"requestUrl\":5}", 0,
			  "Field 'requestUrl' must be a string, got number");
	assert_spec_error("{" EVENTS ",\"requestUrl\":\"http://h/a b\"}", 0,
			  "must not contain whitespace or control characters,"
			  " got 'http://h/a b' (byte 10)");
	assert_spec_error("{" EVENTS ",\"requestUrl\":\"http://h/\\r\\nX: y\"}", 0,
			  "whitespace or control characters");
	assert_spec_error("{" EVENTS ",\"requestUrl\":\"http://h/\\u007f\"}", 0,
			  "whitespace or control characters");
	assert_spec_error("{" EVENTS ",\"requestUrl\":\"http://h/\\u0000\"}", 0,
			  "must not contain the character U+0000");
}

static void test_webhook_spec_url_length(void **state)
{
	struct buf text = BUF_INIT;
	size_t path = WEBHOOK_URL_MAX - strlen("http://h/");

	(void)state;
	buf_puts(&text, "{" EVENTS ",\"requestUrl\":\"http://h/");
	while (path--)
		buf_putc(&text, 'a');
	buf_puts(&text, "\"}");
	assert_spec_ok(text.data, 0);

	text.len -= 2;
	buf_puts(&text, "a\"}");
	assert_spec_error(text.data, 0,
			  "Field 'requestUrl' is 2049 bytes long, more than the"
			  " 2048 allowed");
	buf_release(&text);
}

static void test_webhook_spec_booleans(void **state)
{
	static const char *const fields[] = {
		"shouldInterpolateStrings", "doNotRetry", "ignoreSslErrors",
	};
	char text[512], part[128];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "{" EVENTS "," URL ",\"%s\":\"true\"}",
			 fields[i]);
		snprintf(part, sizeof(part), "Field '%s' must be a boolean, got"
			 " string", fields[i]);
		assert_spec_error(text, 0, part);
		snprintf(text, sizeof(text), "{" EVENTS "," URL ",\"%s\":1}",
			 fields[i]);
		assert_spec_error(text, 0, "got number");
	}
	assert_spec_error("{" EVENTS "," URL ",\"isAdHoc\":1,"
			  "\"condition\":{\"actorId\":\"a\"}}", 1,
			  "Field 'isAdHoc' must be a boolean");
	/* isAdHoc is not read for the run option. */
	assert_spec_ok("{" EVENTS "," URL ",\"isAdHoc\":1}", 0);
}

static void test_webhook_spec_strings(void **state)
{
	struct buf text = BUF_INIT;
	size_t i;

	(void)state;
	assert_spec_error("{" EVENTS "," URL ",\"payloadTemplate\":{}}", 0,
			  "Field 'payloadTemplate' must be a string, got object");
	assert_spec_error("{" EVENTS "," URL ",\"headersTemplate\":[]}", 0,
			  "Field 'headersTemplate' must be a string, got array");
	assert_spec_error("{" EVENTS "," URL ",\"idempotencyKey\":1}", 0,
			  "Field 'idempotencyKey' must be a string, got number");
	assert_spec_error("{" EVENTS "," URL ",\"description\":false}", 0,
			  "Field 'description' must be a string, got boolean");
	assert_spec_error("{" EVENTS "," URL ",\"description\":\"a\\u0000\"}", 0,
			  "Field 'description' must not contain the character"
			  " U+0000");

	buf_puts(&text, "{" EVENTS "," URL ",\"idempotencyKey\":\"");
	for (i = 0; i <= WEBHOOK_TEXT_MAX; i++)
		buf_putc(&text, 'k');
	buf_puts(&text, "\"}");
	assert_spec_error(text.data, 0, "Field 'idempotencyKey' is 1025 bytes"
			  " long, more than the 1024 allowed");

	buf_reset(&text);
	buf_puts(&text, "{" EVENTS "," URL ",\"payloadTemplate\":\"[");
	for (i = 0; i < WEBHOOK_TEMPLATE_MAX; i++)
		buf_putc(&text, ' ');
	buf_puts(&text, "]\"}");
	assert_spec_error(text.data, 0, "Field 'payloadTemplate' is 65538 bytes"
			  " long, more than the 65536 allowed");
	buf_release(&text);
}

static void test_webhook_spec_templates(void **state)
{
	(void)state;
	assert_spec_ok("{" EVENTS "," URL ",\"payloadTemplate\":"
		       "\"{\\\"a\\\": {{resource.defaultDatasetId}},"
		       " \\\"t\\\": {{globals.dateUnix}}}\"}", 0);
	assert_spec_error("{" EVENTS "," URL ",\"payloadTemplate\":"
			  "\"{\\\"a\\\": {{run.id}}}\"}", 0,
			  "Field 'payloadTemplate' is invalid: Template variable"
			  " '{{run.id}}' is not allowed");
	assert_spec_error("{" EVENTS "," URL ",\"payloadTemplate\":"
			  "\"{\\\"a\\\": {{userId}}\"}", 0,
			  "Field 'payloadTemplate' is invalid: The template is"
			  " not valid JSON");
	/* Unknown variables in strings count only with interpolation. */
	assert_spec_ok("{" EVENTS "," URL ",\"payloadTemplate\":"
		       "\"{\\\"a\\\": \\\"{{run.id}}\\\"}\"}", 0);
	assert_spec_error("{" EVENTS "," URL ",\"shouldInterpolateStrings\":true,"
			  "\"payloadTemplate\":\"{\\\"a\\\": \\\"{{run.id}}\\\"}\"}",
			  0, "'{{run.id}}' is not allowed");

	assert_spec_ok("{" EVENTS "," URL ",\"headersTemplate\":"
		       "\"{\\\"Authorization\\\": \\\"Bearer x\\\"}\"}", 0);
	assert_spec_ok("{" EVENTS "," URL ",\"headersTemplate\":"
		       "\"{{eventData}}\"}", 0);
	assert_spec_error("{" EVENTS "," URL ",\"headersTemplate\":\"[1]\"}", 0,
			  "Field 'headersTemplate' is invalid: The headers"
			  " template must give a JSON object, got array");
	assert_spec_error("{" EVENTS "," URL ",\"headersTemplate\":"
			  "\"{\\\"A B\\\": 1}\"}", 0,
			  "Header name 'A B'");
	assert_spec_error("{" EVENTS "," URL ",\"headersTemplate\":"
			  "\"{\\\"A\\\": {{nope}}}\"}", 0,
			  "Field 'headersTemplate' is invalid: Template"
			  " variable '{{nope}}'");
}

static void test_webhook_spec_condition(void **state)
{
	struct webhook_spec s;
	char err[512] = "";

	(void)state;
	assert_int_equal(parse_spec("{" EVENTS "," URL ",\"condition\":"
				    "{\"actorTaskId\":\"t1\",\"actorId\":null},"
				    "\"isAdHoc\":false}", 1, &s, err,
				    sizeof(err)), 0);
	assert_string_equal(s.condition_actor_task_id, "t1");
	assert_null(s.condition_actor_id);
	assert_int_equal(s.is_ad_hoc, 0);
	webhook_spec_release(&s);

	assert_spec_ok("{" EVENTS "," URL ",\"condition\":{\"actorId\":\"a\"}}", 1);
	assert_spec_error("{" EVENTS "," URL "}", 1,
			  "Field 'condition' is required");
	assert_spec_error("{" EVENTS "," URL ",\"condition\":null}", 1,
			  "Field 'condition' is required");
	assert_spec_error("{" EVENTS "," URL ",\"condition\":\"a\"}", 1,
			  "Field 'condition' must be an object with 'actorId'"
			  " or 'actorTaskId', got string");
	assert_spec_error("{" EVENTS "," URL ",\"condition\":{}}", 1,
			  "Field 'condition' must have 'actorId' or"
			  " 'actorTaskId'");
	assert_spec_error("{" EVENTS "," URL ",\"condition\":"
			  "{\"actorRunId\":\"r\"}}", 1,
			  "must have 'actorId' or 'actorTaskId'");
	assert_spec_error("{" EVENTS "," URL ",\"condition\":"
			  "{\"actorId\":\"a\",\"actorTaskId\":\"t\"}}", 1,
			  "only one of 'actorId' and 'actorTaskId', got both");
	assert_spec_error("{" EVENTS "," URL ",\"condition\":{\"actorId\":7}}", 1,
			  "Field 'actorId' must be a string, got number");
	assert_spec_error("{" EVENTS "," URL ",\"condition\":{\"actorId\":\"\"}}",
			  1, "must not have an empty 'actorId' or 'actorTaskId'");
	/* The condition is checked before the URL. */
	assert_spec_error("{" EVENTS "}", 1, "Field 'condition' is required");
}

/* Encode JSON text as Base64, then optionally rewrite the result. */
static char *encode(const char *json, int url_safe, int strip_padding)
{
	struct buf b = BUF_INIT;
	size_t i;

	base64_encode(json, strlen(json), &b);
	for (i = 0; i < b.len; i++) {
		if (url_safe && b.data[i] == '+')
			b.data[i] = '-';
		if (url_safe && b.data[i] == '/')
			b.data[i] = '_';
	}
	while (strip_padding && b.len && b.data[b.len - 1] == '=')
		b.data[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

static void assert_base64_error(const char *value, const char *part)
{
	struct webhook_spec *specs = (void *)1;
	size_t count = 99;
	char err[512] = "";

	assert_int_equal(webhook_specs_from_base64(value, &specs, &count, err,
						   sizeof(err)), -1);
	if (!strstr(err, part))
		fail_msg("message '%s' lacks '%s'", err, part);
	assert_null(specs);
	assert_int_equal(count, 0);
}

/* The JSON text below encodes with '+', '/' and one '=' of padding. */
#define TWO_HOOKS							\
	"[{\"eventTypes\":[\"ACTOR.RUN.SUCCEEDED\",\"ACTOR.RUN.FAILED\"],"	\
	"\"requestUrl\":\"http://127.0.0.1:9/a?b=>>>\","		\
	"\"payloadTemplate\":\"{\\\"x\\\":{{resource.id}}}\"},"		\
	"{\"eventTypes\":[\"ACTOR.RUN.ABORTED\"],"			\
	"\"requestUrl\":\"https://h/???\",\"idempotencyKey\":\"k\"}]"

static void assert_two_hooks(const char *value)
{
	struct webhook_spec *specs = NULL;
	size_t count = 0;
	char err[512] = "";

	if (webhook_specs_from_base64(value, &specs, &count, err, sizeof(err)))
		fail_msg("decode failed: %s (value %s)", err, value);
	assert_int_equal(count, 2);
	assert_int_equal(specs[0].event_types,
			 WEBHOOK_EVENT_SUCCEEDED | WEBHOOK_EVENT_FAILED);
	assert_string_equal(specs[0].request_url, "http://127.0.0.1:9/a?b=>>>");
	assert_string_equal(specs[0].payload_template, "{\"x\":{{resource.id}}}");
	assert_int_equal(specs[0].is_ad_hoc, 1);
	assert_int_equal(specs[1].event_types, WEBHOOK_EVENT_ABORTED);
	assert_string_equal(specs[1].idempotency_key, "k");
	webhook_specs_free(specs, count);
}

static void test_webhook_spec_base64_variants(void **state)
{
	char *standard = encode(TWO_HOOKS, 0, 0);
	char *bare = encode(TWO_HOOKS, 0, 1);
	char *url_safe = encode(TWO_HOOKS, 1, 1);
	char *spaces = xstrdup(standard);
	size_t i;

	(void)state;
	/* The test is only meaningful if the encoding has all of these. */
	assert_non_null(strchr(standard, '+'));
	assert_non_null(strchr(standard, '/'));
	assert_non_null(strchr(standard, '='));

	assert_two_hooks(standard);
	assert_two_hooks(bare);
	assert_two_hooks(url_safe);
	for (i = 0; spaces[i]; i++) {
		if (spaces[i] == '+')
			spaces[i] = ' ';
	}
	assert_two_hooks(spaces);
	free(standard);
	free(bare);
	free(url_safe);
	free(spaces);
}

static void test_webhook_spec_base64_empty_array(void **state)
{
	struct webhook_spec *specs = (void *)1;
	size_t count = 99;
	char err[512] = "";

	(void)state;
	assert_int_equal(webhook_specs_from_base64("W10=", &specs, &count, err,
						   sizeof(err)), 0);
	assert_null(specs);
	assert_int_equal(count, 0);
	webhook_specs_free(specs, count);
}

static void test_webhook_spec_base64_errors(void **state)
{
	char *not_array = encode("{\"eventTypes\":[]}", 0, 0);
	char *bad_json = encode("[{\"eventTypes\":", 0, 0);
	char *bad_utf8 = encode("[\"\xff\"]", 0, 0);
	char *bad_item = encode("[{\"eventTypes\":[\"ACTOR.RUN.FAILED\"],"
				"\"requestUrl\":\"http://h/\"},"
				"{\"eventTypes\":[\"ACTOR.RUN.FAILED\"],"
				"\"requestUrl\":\"file:///etc/passwd\"}]", 0, 0);
	char *number = encode("[5]", 0, 0);

	(void)state;
	assert_base64_error("W10*", "Parameter 'webhooks' is not valid Base64:"
			    " the character at offset 3 (byte 0x2a) is outside"
			    " the Base64 alphabet");
	assert_base64_error("W1=0", "'=' padding may only end the value");
	assert_base64_error("W10=A", "'=' padding may only end the value");
	assert_base64_error("W10AA", "5 data characters cannot encode whole"
			    " bytes");
	assert_base64_error("", "Parameter 'webhooks' is Base64 but not of valid"
			    " JSON");
	assert_base64_error(NULL, "not of valid JSON");
	assert_base64_error(bad_json, "Parameter 'webhooks' is Base64 but not of"
			    " valid JSON");
	assert_base64_error(bad_utf8, "not of valid JSON");
	assert_base64_error(not_array, "Parameter 'webhooks' must be a JSON array"
			    " of webhook objects, got object");
	assert_base64_error(bad_item, "Parameter 'webhooks', webhook at index 1:"
			    " Field 'requestUrl' must be an absolute http://");
	assert_base64_error(number, "webhook at index 0: A webhook must be a"
			    " JSON object, got number");
	free(not_array);
	free(bad_json);
	free(bad_utf8);
	free(bad_item);
	free(number);
}

static void test_webhook_spec_write_fields(void **state)
{
	struct webhook_spec s;
	struct buf out = BUF_INIT, expected = BUF_INIT;
	struct json_error jerr;
	struct json_doc *doc;
	const struct json *root;
	char err[512] = "";

	(void)state;
	assert_int_equal(parse_spec("{\"eventTypes\":[\"ACTOR.RUN.ABORTED\","
				    "\"ACTOR.RUN.CREATED\"]," URL ","
				    "\"condition\":{\"actorId\":\"a\\\"1\"},"
				    "\"description\":\"line\\nbreak\","
				    "\"ignoreSslErrors\":true}", 1, &s, err,
				    sizeof(err)), 0);
	buf_putc(&out, '{');
	webhook_spec_write_fields(&out, &s);
	buf_putc(&out, '}');

	buf_puts(&expected, "{\"isAdHoc\":false,\"eventTypes\":["
		 "\"ACTOR.RUN.CREATED\",\"ACTOR.RUN.ABORTED\"],"
		 "\"condition\":{\"actorId\":\"a\\\"1\"},"
		 "\"ignoreSslErrors\":true,\"doNotRetry\":false,"
		 "\"requestUrl\":\"http://127.0.0.1:8080/hook\","
		 "\"payloadTemplate\":");
	buf_put_json_cstr(&expected, webhook_default_template);
	buf_puts(&expected, ",\"headersTemplate\":null,"
		 "\"shouldInterpolateStrings\":false,"
		 "\"description\":\"line\\nbreak\",\"idempotencyKey\":null}");
	assert_string_equal(out.data, expected.data);

	doc = json_parse(out.data, out.len, &jerr);
	assert_non_null(doc);
	root = json_root(doc);
	assert_true(json_is_string(json_get(root, "payloadTemplate"),
				   webhook_default_template));
	json_doc_free(doc);

	/* An ad-hoc webhook with the run id the caller sets. */
	webhook_spec_release(&s);
	assert_int_equal(parse_spec("{" EVENTS "," URL ",\"headersTemplate\":"
				    "\"{}\"}", 0, &s, err, sizeof(err)), 0);
	s.condition_actor_run_id = xstrdup("r1");
	buf_reset(&out);
	webhook_spec_write_fields(&out, &s);
	assert_non_null(strstr(out.data, "\"isAdHoc\":true,"));
	assert_non_null(strstr(out.data, ",\"condition\":{\"actorRunId\":\"r1\"},"));
	assert_non_null(strstr(out.data, ",\"headersTemplate\":\"{}\","));
	webhook_spec_release(&s);
	buf_release(&out);
	buf_release(&expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook_spec_event_names),
		cmocka_unit_test(test_webhook_spec_full),
		cmocka_unit_test(test_webhook_spec_minimal),
		cmocka_unit_test(test_webhook_spec_not_object),
		cmocka_unit_test(test_webhook_spec_event_types),
		cmocka_unit_test(test_webhook_spec_request_url),
		cmocka_unit_test(test_webhook_spec_url_length),
		cmocka_unit_test(test_webhook_spec_booleans),
		cmocka_unit_test(test_webhook_spec_strings),
		cmocka_unit_test(test_webhook_spec_templates),
		cmocka_unit_test(test_webhook_spec_condition),
		cmocka_unit_test(test_webhook_spec_base64_variants),
		cmocka_unit_test(test_webhook_spec_base64_empty_array),
		cmocka_unit_test(test_webhook_spec_base64_errors),
		cmocka_unit_test(test_webhook_spec_write_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
