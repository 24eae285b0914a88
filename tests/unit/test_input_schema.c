/*
 * Unit tests for api/input_schema.c: merging task input, override and
 * schema defaults, each validation rule passing and failing with its exact
 * message, and the build-time schema check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/input_schema.h"

/*
 * Documents parsed for the current check. Each helper frees them when it
 * is done, and the teardown frees what a failed assertion left behind.
 */
static struct json_doc *docs[16];
static size_t doc_count;

static int free_docs(void **state)
{
	(void)state;
	while (doc_count)
		json_doc_free(docs[--doc_count]);
	return 0;
}

/* Parses text, which must be valid JSON; NULL text gives NULL. */
static const struct json *parse(const char *text)
{
	struct json_error err;
	struct json_doc *doc;

	if (!text)
		return NULL;
	doc = json_parse(text, strlen(text), &err);
	if (!doc)
		fail_msg("test JSON is invalid at byte %zu (%s): %s",
			 err.offset, err.message, text);
	assert_true(doc_count < sizeof(docs) / sizeof(docs[0]));
	docs[doc_count++] = doc;
	return json_root(doc);
}

/*
 * The checks are macros around helpers that print what differs and return
 * 0, so a failure reports the line of the case, not of the helper.
 */
#define assert_merge(schema, task, override, expected) \
	assert_true(merges_to(schema, task, override, expected))
#define assert_valid(schema, input) \
	assert_true(validates_to(schema, input, NULL))
#define assert_invalid(schema, input, message) \
	assert_true(validates_to(schema, input, message))
#define assert_schema_ok(schema) assert_true(checks_to(schema, NULL))
#define assert_schema_error(schema, message) \
	assert_true(checks_to(schema, message))

static int merges_to(const char *schema, const char *task,
		     const char *override, const char *expected)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc, ok;

	rc = input_merge(&out, parse(schema), parse(task), parse(override),
			 &err);
	ok = rc == 0 && out.data && !strcmp(out.data, expected);
	if (!ok)
		print_error("returned %d, output '%s', message '%s', expected '%s'\n",
			    rc, out.data ? out.data : "",
			    err.data ? err.data : "", expected);
	buf_release(&out);
	buf_release(&err);
	free_docs(NULL);
	return ok;
}

/* message NULL means the input must be valid. */
static int validates_to(const char *schema, const char *input,
			const char *message)
{
	struct buf err = BUF_INIT;
	const char *got;
	int rc, ok;

	rc = input_schema_validate(parse(schema), parse(input), &err);
	got = err.data ? err.data : "";
	if (message)
		ok = rc == -1 && !strcmp(got, message);
	else
		ok = rc == 0 && err.len == 0;
	if (!ok)
		print_error("input %s: returned %d, message '%s', expected '%s'\n",
			    input ? input : "NULL", rc, got,
			    message ? message : "(valid)");
	buf_release(&err);
	free_docs(NULL);
	return ok;
}

static int checks_to(const char *schema, const char *message)
{
	struct buf err = BUF_INIT;
	const char *got;
	int rc, ok;

	rc = input_schema_check(parse(schema), &err);
	got = err.data ? err.data : "";
	if (message)
		ok = rc == -1 && !strcmp(got, message);
	else
		ok = rc == 0 && err.len == 0;
	if (!ok)
		print_error("returned %d, message '%s', expected '%s'\n", rc, got,
			    message ? message : "(valid)");
	buf_release(&err);
	free_docs(NULL);
	return ok;
}

/* A crawler-like schema with one property for each rule under test. */
static const char crawler_schema[] =
	"{\"title\": \"Crawler input\", \"type\": \"object\","
	" \"schemaVersion\": 1, \"description\": \"Where to crawl\","
	" \"properties\": {"
	"  \"startUrls\": {\"title\": \"Start URLs\", \"type\": \"array\","
	"   \"editor\": \"requestListSources\", \"minItems\": 1, \"maxItems\": 3,"
	"   \"prefill\": [{\"url\": \"https://example.com\"}]},"
	"  \"maxPagesPerCrawl\": {\"type\": \"integer\", \"minimum\": 1,"
	"   \"maximum\": 1000, \"default\": 10, \"sectionCaption\": \"Limits\"},"
	"  \"ratio\": {\"type\": \"number\", \"minimum\": 0.5, \"maximum\": 1e1},"
	"  \"name\": {\"type\": \"string\", \"minLength\": 3, \"maxLength\": 5},"
	"  \"initial\": {\"type\": \"string\", \"maxLength\": 1},"
	"  \"mode\": {\"type\": \"string\", \"enum\": [\"fast\", \"slow\"]},"
	"  \"level\": {\"type\": \"integer\", \"enum\": [1, 2, 3]},"
	"  \"debug\": {\"type\": \"boolean\"},"
	"  \"proxy\": {\"type\": \"object\", \"required\": [\"groups\"],"
	"   \"properties\": {\"country\": {\"type\": \"string\"},"
	"    \"groups\": {\"type\": \"array\", \"maxItems\": 1},"
	"    \"auth\": {\"type\": \"object\","
	"     \"properties\": {\"user\": {\"type\": \"string\", \"minLength\": 1}}}}},"
	"  \"notes\": {\"description\": \"no type, so anything goes\"}"
	" },"
	" \"required\": [\"startUrls\"]}";

static void test_input_merge_order_and_override(void **state)
{
	(void)state;
	assert_merge(NULL, "{\"a\": 1, \"b\": 2, \"c\": 3}",
		     "{\"d\": 4, \"b\": \"two\"}",
		     "{\"a\":1,\"b\":\"two\",\"c\":3,\"d\":4}");
	assert_merge(NULL, "{\"a\": {\"x\": 1, \"y\": 2}}",
		     "{\"a\": {\"x\": 5}}",
		     "{\"a\":{\"x\":5}}");
	assert_merge(NULL, "{\"a\": 1}", "{\"a\": null}", "{\"a\":null}");
	assert_merge(NULL, "{\"a\": 1}", NULL, "{\"a\":1}");
	assert_merge(NULL, NULL, "{\"b\": [1, 2]}", "{\"b\":[1,2]}");
	assert_merge(NULL, NULL, NULL, "{}");
	assert_merge(NULL, "{}", "{}", "{}");
}

/* A repeated key is written once, at its first place, with its last value. */
static void test_input_merge_duplicate_keys(void **state)
{
	(void)state;
	assert_merge(NULL, "{\"a\": 1, \"b\": 2, \"a\": 3}", NULL,
		     "{\"a\":3,\"b\":2}");
	assert_merge(NULL, "{\"a\": 1}", "{\"c\": 1, \"a\": 2, \"c\": 3}",
		     "{\"a\":2,\"c\":3}");
}

static void test_input_merge_defaults(void **state)
{
	const char *schema =
		"{\"properties\": {"
		" \"a\": {\"type\": \"integer\", \"default\": 1},"
		" \"b\": {\"type\": \"string\", \"default\": \"bee\"},"
		" \"c\": {\"type\": \"boolean\"},"
		" \"d\": {\"type\": \"array\", \"prefill\": [1]},"
		" \"e\": {\"type\": \"array\","
		"  \"default\": [{\"url\": \"https://example.com\"}]},"
		" \"f\": {\"type\": \"string\", \"default\": \"eff\"}}}";

	(void)state;
	assert_merge(schema, "{\"a\": 7}", "{\"f\": null}",
		     "{\"a\":7,\"f\":null,\"b\":\"bee\","
		     "\"e\":[{\"url\":\"https://example.com\"}]}");
	assert_merge(schema, NULL, NULL,
		     "{\"a\":1,\"b\":\"bee\","
		     "\"e\":[{\"url\":\"https://example.com\"}],\"f\":\"eff\"}");

	/* Without an object under "properties" there are no defaults. */
	assert_merge("{\"properties\": []}", "{\"a\": 1}", NULL, "{\"a\":1}");
	assert_merge("[]", "{\"a\": 1}", NULL, "{\"a\":1}");
}

static void test_input_merge_keeps_source_text(void **state)
{
	(void)state;
	assert_merge("{\"properties\": {\"w\": {\"default\": 1.50}}}",
		     "{\"x\": 0.1, \"y\": 1e2, \"z\": 12345678901234567890}",
		     "{\"v\": -0.0, \"s\": \"caf\\u00e9 \\/ \\n\"}",
		     "{\"x\":0.1,\"y\":1e2,\"z\":12345678901234567890,"
		     "\"v\":-0.0,\"s\":\"caf\\u00e9 \\/ \\n\",\"w\":1.50}");
	assert_merge(NULL, "{\"k\\u00e9y\": 1E+2}", NULL,
		     "{\"k\\u00e9y\":1E+2}");
}

/* Builds {"<prefix>0":0,...} with count members, as written by json_write. */
static void build_object(struct buf *out, const char *prefix, size_t count)
{
	size_t i;

	buf_putc(out, '{');
	for (i = 0; i < count; i++)
		buf_printf(out, "%s\"%s%zu\":%zu", i ? "," : "", prefix, i, i);
	buf_putc(out, '}');
}

/*
 * Request bodies may contain hundreds of thousands of keys. A lookup that is
 * linear per key would make these cases run for minutes.
 */
static void test_input_many_keys(void **state)
{
	struct buf task = BUF_INIT, override = BUF_INIT, expected = BUF_INIT;
	const size_t count = 200000;

	(void)state;
	build_object(&task, "k", count);
	build_object(&override, "o", count);
	buf_append(&expected, task.data, task.len - 1);
	buf_putc(&expected, ',');
	buf_append(&expected, override.data + 1, override.len - 1);
	assert_merge("{\"properties\": {\"k7\": {\"default\": 1}}}",
		     task.data, override.data, expected.data);

	assert_invalid("{\"properties\": {\"k7\": {\"maximum\": 6},"
		       " \"missing\": {}}, \"required\": [\"missing\"]}",
		       task.data,
		       "Input is not valid: field 'k7' must be at most 6, got 7");
	buf_release(&task);
	buf_release(&override);
	buf_release(&expected);
}

static void test_input_merge_not_object(void **state)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	(void)state;
	assert_int_equal(input_merge(&out, NULL, parse("[1]"), NULL, &err), -1);
	assert_string_equal(err.data, "Task input must be a JSON object, got array");
	assert_int_equal(out.len, 0);

	buf_reset(&err);
	assert_int_equal(input_merge(&out, NULL, parse("{}"), parse("\"x\""),
				     &err), -1);
	assert_string_equal(err.data, "Input must be a JSON object, got string");
	assert_int_equal(out.len, 0);

	buf_release(&out);
	buf_release(&err);
}

static void test_input_validate_valid(void **state)
{
	(void)state;
	assert_valid(crawler_schema, "{\"startUrls\": [\"https://example.com\"]}");
	assert_valid(crawler_schema,
		     "{\"startUrls\": [{\"url\": \"https://example.com\"}],"
		     " \"maxPagesPerCrawl\": 1000, \"ratio\": 0.5,"
		     " \"name\": \"abcde\", \"initial\": \"x\","
		     " \"mode\": \"slow\", \"level\": 2.0, \"debug\": false,"
		     " \"proxy\": {\"country\": \"CZ\", \"groups\": [],"
		     "  \"auth\": {\"user\": \"u\"}},"
		     " \"notes\": [1, {\"any\": null}], \"unknown\": true}");
}

static void test_input_validate_required(void **state)
{
	(void)state;
	assert_invalid(crawler_schema, "{}",
		       "Input is not valid: field 'startUrls' is required");
	assert_invalid(crawler_schema, NULL,
		       "Input is not valid: field 'startUrls' is required");
	assert_invalid(crawler_schema, "{\"startUrls\": null}",
		       "Input is not valid: field 'startUrls' is required");

	/* A required name without a property is still required. */
	assert_invalid("{\"properties\": {}, \"required\": [\"token\"]}",
		       "{\"other\": 1}",
		       "Input is not valid: field 'token' is required");
	assert_valid("{\"properties\": {}, \"required\": [\"token\"]}",
		     "{\"token\": \"t\"}");
}

/* A null must fit the type unless the property is nullable or untyped. */
static void test_input_validate_null(void **state)
{
	(void)state;
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"name\": null}",
		       "Input is not valid: field 'name' must be a string, got null");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"maxPagesPerCrawl\": null}",
		       "Input is not valid: field 'maxPagesPerCrawl' must be an"
		       " integer, got null");
	assert_valid(crawler_schema, "{\"startUrls\": [1], \"notes\": null}");
	assert_valid("{\"properties\": {\"s\": {\"type\": \"string\","
		     " \"nullable\": true}}}", "{\"s\": null}");
	assert_valid("{\"properties\": {\"s\": {\"type\": \"string\","
		     " \"nullable\": true}}, \"required\": [\"s\"]}",
		     "{\"s\": null}");
}

static void test_input_validate_type(void **state)
{
	static const struct {
		const char *input;
		const char *message;
	} cases[] = {
		{ "{\"startUrls\": \"https://example.com\"}",
		  "Input is not valid: field 'startUrls' must be an array, got string" },
		{ "{\"startUrls\": [1], \"maxPagesPerCrawl\": \"10\"}",
		  "Input is not valid: field 'maxPagesPerCrawl' must be an integer, got string" },
		{ "{\"startUrls\": [1], \"maxPagesPerCrawl\": 1.5}",
		  "Input is not valid: field 'maxPagesPerCrawl' must be an integer, got 1.5" },
		{ "{\"startUrls\": [1], \"ratio\": true}",
		  "Input is not valid: field 'ratio' must be a number, got boolean" },
		{ "{\"startUrls\": [1], \"name\": 5}",
		  "Input is not valid: field 'name' must be a string, got number" },
		{ "{\"startUrls\": [1], \"debug\": \"yes\"}",
		  "Input is not valid: field 'debug' must be a boolean, got string" },
		{ "{\"startUrls\": [1], \"proxy\": [\"CZ\"]}",
		  "Input is not valid: field 'proxy' must be an object, got array" },
		{ "{\"startUrls\": [1], \"mode\": 1}",
		  "Input is not valid: field 'mode' must be a string, got number" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_invalid(crawler_schema, cases[i].input, cases[i].message);
	assert_invalid(crawler_schema, "[]",
		       "Input is not valid: the input must be a JSON object, got array");
}

/* Whole numbers are judged on their text, whatever the notation. */
static void test_input_validate_integer(void **state)
{
	static const char *const whole[] = {
		"0", "-0", "10", "1e2", "1E+2", "1.0", "-5.000", "150e-1",
		"0.0e5", "0e-400", "1.5e1", "12345678901234567890",
	};
	static const char *const fractional[] = {
		"1.5", "1e-1", "-0.5", "155e-1", "1.0000000000000001",
		"0.000001e5",
	};
	const char *schema = "{\"properties\": {\"n\": {\"type\": \"integer\"}}}";
	char input[64], message[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		snprintf(input, sizeof(input), "{\"n\": %s}", whole[i]);
		assert_valid(schema, input);
	}
	for (i = 0; i < sizeof(fractional) / sizeof(fractional[0]); i++) {
		snprintf(input, sizeof(input), "{\"n\": %s}", fractional[i]);
		snprintf(message, sizeof(message),
			 "Input is not valid: field 'n' must be an integer, got %s",
			 fractional[i]);
		assert_invalid(schema, input, message);
	}
}

static void test_input_validate_range(void **state)
{
	(void)state;
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"maxPagesPerCrawl\": 5000}",
		       "Input is not valid: field 'maxPagesPerCrawl' must be at most 1000, got 5000");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"maxPagesPerCrawl\": 0}",
		       "Input is not valid: field 'maxPagesPerCrawl' must be at least 1, got 0");
	assert_valid(crawler_schema, "{\"startUrls\": [1], \"maxPagesPerCrawl\": 1}");
	assert_valid(crawler_schema, "{\"startUrls\": [1], \"maxPagesPerCrawl\": 1e3}");
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"ratio\": 0.49}",
		       "Input is not valid: field 'ratio' must be at least 0.5, got 0.49");
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"ratio\": 10.01}",
		       "Input is not valid: field 'ratio' must be at most 1e1, got 10.01");
	assert_valid(crawler_schema, "{\"startUrls\": [1], \"ratio\": 10}");
}

static void test_input_validate_enum(void **state)
{
	(void)state;
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"mode\": \"medium\"}",
		       "Input is not valid: field 'mode' must be one of \"fast\", \"slow\", got \"medium\"");
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"mode\": \"Fast\"}",
		       "Input is not valid: field 'mode' must be one of \"fast\", \"slow\", got \"Fast\"");
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"level\": 4}",
		       "Input is not valid: field 'level' must be one of 1, 2, 3, got 4");
	assert_valid(crawler_schema, "{\"startUrls\": [1], \"level\": 3e0}");

	/* Enum members may be any JSON value, compared in depth. */
	assert_valid("{\"properties\": {\"p\": {\"enum\": [[1, {\"a\": null}], {\"b\": [true]}]}}}",
		     "{\"p\": {\"b\": [true]}}");
	assert_valid("{\"properties\": {\"p\": {\"enum\": [{\"a\": 1, \"b\": 2}]}}}",
		     "{\"p\": {\"b\": 2.0, \"a\": 1}}");
	assert_invalid("{\"properties\": {\"p\": {\"enum\": [{\"a\": 1}]}}}",
		       "{\"p\": {\"a\": 1, \"b\": 2}}",
		       "Input is not valid: field 'p' must be one of {\"a\":1}, got {\"a\":1,\"b\":2}");
}

/* The value quoted after "got" is cut to 100 bytes. */
static void test_input_validate_long_value(void **state)
{
	char input[300], message[300];
	char value[201];

	(void)state;
	memset(value, 'x', 200);
	value[200] = '\0';
	snprintf(input, sizeof(input), "{\"startUrls\": [1], \"mode\": \"%s\"}",
		 value);
	snprintf(message, sizeof(message),
		 "Input is not valid: field 'mode' must be one of \"fast\", \"slow\", got \"%.99s...",
		 value);
	assert_invalid(crawler_schema, input, message);
}

static void test_input_validate_length(void **state)
{
	(void)state;
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"name\": \"ab\"}",
		       "Input is not valid: field 'name' must be at least 3 characters long");
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"name\": \"abcdef\"}",
		       "Input is not valid: field 'name' must be at most 5 characters long");
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"initial\": \"xy\"}",
		       "Input is not valid: field 'initial' must be at most 1 character long");
	assert_valid(crawler_schema, "{\"startUrls\": [1], \"name\": \"abc\"}");
}

/* Lengths count code points: 2 to 4 UTF-8 bytes are one character. */
static void test_input_validate_length_unicode(void **state)
{
	(void)state;
	assert_valid(crawler_schema,
		     "{\"startUrls\": [1], \"name\": \"\xc5\xbe\x6c\x75\xc5\xa5\x6f\"}");
	assert_valid(crawler_schema,
		     "{\"startUrls\": [1], \"name\": \"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"}");
	assert_valid(crawler_schema,
		     "{\"startUrls\": [1], \"initial\": \"\xf0\x9f\x98\x80\"}");
	assert_valid(crawler_schema,
		     "{\"startUrls\": [1], \"initial\": \"\\ud83d\\ude00\"}");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"name\": \"\xc3\xa9\xc3\xa9\"}",
		       "Input is not valid: field 'name' must be at least 3 characters long");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"name\": \"\\u00e9\\u00e9\"}",
		       "Input is not valid: field 'name' must be at least 3 characters long");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"name\": \"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}",
		       "Input is not valid: field 'name' must be at most 5 characters long");
}

static void test_input_validate_items(void **state)
{
	(void)state;
	assert_invalid(crawler_schema, "{\"startUrls\": []}",
		       "Input is not valid: field 'startUrls' must contain at least 1 item");
	assert_invalid(crawler_schema, "{\"startUrls\": [1, 2, 3, 4]}",
		       "Input is not valid: field 'startUrls' must contain at most 3 items");
	assert_valid(crawler_schema, "{\"startUrls\": [1, 2, 3]}");
}

static void test_input_validate_nested(void **state)
{
	(void)state;
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"proxy\": {\"country\": 5, \"groups\": []}}",
		       "Input is not valid: field 'proxy.country' must be a string, got number");
	assert_invalid(crawler_schema, "{\"startUrls\": [1], \"proxy\": {}}",
		       "Input is not valid: field 'proxy.groups' is required");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"proxy\": {\"groups\": [1, 2]}}",
		       "Input is not valid: field 'proxy.groups' must contain at most 1 item");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"proxy\": {\"groups\": [],"
		       " \"auth\": {\"user\": \"\"}}}",
		       "Input is not valid: field 'proxy.auth.user' must be at least 1 character long");
	assert_invalid(crawler_schema,
		       "{\"startUrls\": [1], \"proxy\": {\"groups\": [], \"country\": null}}",
		       "Input is not valid: field 'proxy.country' must be a string, got null");
}

/* Without properties to check against, any input passes. */
static void test_input_validate_no_rules(void **state)
{
	(void)state;
	assert_valid("[]", "{\"a\": 1}");
	assert_valid("{\"title\": \"x\"}", "{\"a\": 1}");
	assert_valid("{\"properties\": [], \"required\": [\"a\"]}", "{}");
	assert_valid(NULL, "[1]");
	assert_valid("{\"properties\": {\"a\": {\"type\": \"text\"}}}",
		     "{\"a\": 1}");
}

static void test_input_schema_check_valid(void **state)
{
	(void)state;
	assert_schema_ok(crawler_schema);
	assert_schema_ok("{\"properties\": {}}");
}

static void test_input_schema_check_invalid(void **state)
{
	(void)state;
	assert_schema_error(NULL, "Input schema is missing");
	assert_schema_error("[]",
			    "Input schema is not valid: it must be a JSON object, got array");
	assert_schema_error("{\"type\": \"array\", \"properties\": {}}",
			    "Input schema is not valid: 'type' must be \"object\", got \"array\"");
	assert_schema_error("{\"title\": \"x\"}",
			    "Input schema is not valid: 'properties' is missing");
	assert_schema_error("{\"properties\": []}",
			    "Input schema is not valid: 'properties' must be an object, got array");
	assert_schema_error("{\"properties\": {\"a\": 1}}",
			    "Input schema is not valid: property 'a' must be an object, got number");
	assert_schema_error("{\"properties\": {\"a\": {\"type\": \"strin\"}}}",
			    "Input schema is not valid: property 'a': 'type' must be one of"
			    " \"string\", \"integer\", \"number\", \"boolean\", \"array\","
			    " \"object\", got \"strin\"");
	assert_schema_error("{\"properties\": {\"a\": {\"type\": [\"string\"]}}}",
			    "Input schema is not valid: property 'a': 'type' must be one of"
			    " \"string\", \"integer\", \"number\", \"boolean\", \"array\","
			    " \"object\", got [\"string\"]");
	assert_schema_error("{\"properties\": {\"p\": {\"type\": \"object\","
			    " \"properties\": {\"q\": {\"type\": \"int\"}}}}}",
			    "Input schema is not valid: property 'p.q': 'type' must be one of"
			    " \"string\", \"integer\", \"number\", \"boolean\", \"array\","
			    " \"object\", got \"int\"");
	assert_schema_error("{\"properties\": {\"p\": {\"properties\": 1}}}",
			    "Input schema is not valid: property 'p': 'properties' must be an object, got number");
	assert_schema_error("{\"properties\": {}, \"required\": \"a\"}",
			    "Input schema is not valid: 'required' must be an array of strings");
	assert_schema_error("{\"properties\": {\"p\": {\"properties\": {},"
			    " \"required\": [1]}}}",
			    "Input schema is not valid: property 'p': 'required' must be an array of strings");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_input_merge_order_and_override, free_docs),
		cmocka_unit_test_teardown(test_input_merge_duplicate_keys, free_docs),
		cmocka_unit_test_teardown(test_input_merge_defaults, free_docs),
		cmocka_unit_test_teardown(test_input_merge_keeps_source_text, free_docs),
		cmocka_unit_test_teardown(test_input_merge_not_object, free_docs),
		cmocka_unit_test_teardown(test_input_many_keys, free_docs),
		cmocka_unit_test_teardown(test_input_validate_valid, free_docs),
		cmocka_unit_test_teardown(test_input_validate_required, free_docs),
		cmocka_unit_test_teardown(test_input_validate_null, free_docs),
		cmocka_unit_test_teardown(test_input_validate_type, free_docs),
		cmocka_unit_test_teardown(test_input_validate_integer, free_docs),
		cmocka_unit_test_teardown(test_input_validate_range, free_docs),
		cmocka_unit_test_teardown(test_input_validate_enum, free_docs),
		cmocka_unit_test_teardown(test_input_validate_long_value, free_docs),
		cmocka_unit_test_teardown(test_input_validate_length, free_docs),
		cmocka_unit_test_teardown(test_input_validate_length_unicode, free_docs),
		cmocka_unit_test_teardown(test_input_validate_items, free_docs),
		cmocka_unit_test_teardown(test_input_validate_nested, free_docs),
		cmocka_unit_test_teardown(test_input_validate_no_rules, free_docs),
		cmocka_unit_test_teardown(test_input_schema_check_valid, free_docs),
		cmocka_unit_test_teardown(test_input_schema_check_invalid, free_docs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
