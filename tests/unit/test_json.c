/*
 * Unit tests for src/util/json.c: verbatim numbers and escapes, strict
 * RFC 8259 rejections with their messages and offsets, the depth limit,
 * and the json_items_parse() push path.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"

/* A literal's length without the terminating NUL, so inputs may hold NULs. */
#define LIT(s) (s), (sizeof(s) - 1)

/*
 * Assert that parsing fails with message msg at byte offset off. The
 * arguments pass through one more macro so that LIT() can supply src and
 * len, and a failure reports the line of the test case.
 */
#define ASSERT_PARSE_ERROR(...) ASSERT_PARSE_ERROR_(__VA_ARGS__)
#define ASSERT_PARSE_ERROR_(src, len, msg, off)				\
	do {								\
		struct json_error err_;					\
		struct json_doc *doc_ = json_parse((src), (len), &err_);	\
		assert_null(doc_);					\
		assert_string_equal(err_.message, (msg));		\
		assert_int_equal(err_.offset, (off));			\
	} while (0)

#define ASSERT_ITEMS_ERROR(...) ASSERT_ITEMS_ERROR_(__VA_ARGS__)
#define ASSERT_ITEMS_ERROR_(src, len, msg, off)				\
	do {								\
		struct json_items items_ = JSON_ITEMS_INIT;		\
		struct json_error err_;					\
		int rc_ = json_items_parse(&items_, (src), (len), &err_);	\
		json_items_release(&items_);				\
		assert_int_equal(rc_, -1);				\
		assert_string_equal(err_.message, (msg));		\
		assert_int_equal(err_.offset, (off));			\
	} while (0)

static struct json_doc *parse_ok(const char *src, size_t len)
{
	struct json_error err;
	struct json_doc *doc = json_parse(src, len, &err);

	if (!doc)
		fail_msg("parse failed at %zu: %s", err.offset, err.message);
	return doc;
}

/* Write the document compactly and compare with the expected text. */
static void assert_written(const struct json_doc *doc, const char *expected)
{
	struct buf out = BUF_INIT;

	json_write(&out, json_root(doc));
	assert_int_equal(out.len, strlen(expected));
	assert_memory_equal(out.data, expected, out.len);
	buf_release(&out);
}

/* "[" repeated depth times, then "]" as many times. */
static char *nested_arrays(size_t depth, size_t *len)
{
	char *s = malloc(2 * depth);

	assert_non_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	*len = 2 * depth;
	return s;
}

static void test_json_numbers_verbatim(void **state)
{
	static const char src[] =
		"[ 0.1, 1e400, 12345678901234567890123, -0.0, 1E+2, 5e-324 ]";
	struct json_doc *doc;
	const struct json *n;

	(void)state;
	doc = parse_ok(LIT(src));
	assert_written(doc, "[0.1,1e400,12345678901234567890123,-0.0,1E+2,5e-324]");

	n = json_root(doc)->child;
	assert_int_equal(n->type, JSON_NUMBER);
	assert_int_equal(n->len, 3);
	assert_memory_equal(n->str, "0.1", 3);
	n = n->next;
	assert_memory_equal(n->str, "1e400", 5);
	n = n->next;
	assert_int_equal(n->len, 23);
	assert_memory_equal(n->str, "12345678901234567890123", 23);
	n = n->next;
	assert_memory_equal(n->str, "-0.0", 4);
	json_doc_free(doc);
}

static void test_json_number_top_level(void **state)
{
	struct json_doc *doc;

	(void)state;
	/* The number ends at the end of input, with no byte after it. */
	doc = parse_ok(LIT(" 42 "));
	assert_int_equal(json_root(doc)->type, JSON_NUMBER);
	assert_int_equal(json_root(doc)->len, 2);
	assert_written(doc, "42");
	json_doc_free(doc);

	doc = parse_ok("7", 1);
	assert_true(json_number_value(json_root(doc)) == 7.0);
	json_doc_free(doc);
}

static void test_json_number_helpers(void **state)
{
	static const char src[] =
		"[12, -0, 1.0, 1e5, 1E5, 0.1, -0.0, 1e400,"
		" 1234567890123456789012345678901234567890123456789012345678901234567890]";
	struct json_doc *doc;
	const struct json *n;

	(void)state;
	doc = parse_ok(LIT(src));
	n = json_root(doc)->child;
	assert_true(json_number_is_integer(n));
	assert_true(json_number_value(n) == 12.0);
	n = n->next;
	assert_true(json_number_is_integer(n));
	n = n->next;
	assert_false(json_number_is_integer(n));
	n = n->next;
	assert_false(json_number_is_integer(n));
	n = n->next;
	assert_false(json_number_is_integer(n));
	assert_true(json_number_value(n) == 1e5);
	n = n->next;
	assert_true(json_number_value(n) == 0.1);
	n = n->next;
	assert_true(json_number_value(n) == 0.0);
	assert_true(signbit(json_number_value(n)));
	n = n->next;
	assert_true(isinf(json_number_value(n)));
	n = n->next;
	assert_true(json_number_is_integer(n));
	assert_true(json_number_value(n) > 1.2e69);
	assert_true(json_number_value(n) < 1.3e69);

	assert_false(json_number_is_integer(json_root(doc)));
	assert_true(json_number_value(json_root(doc)) == 0.0);
	json_doc_free(doc);
}

static void test_json_escapes_kept_on_write(void **state)
{
	static const char src[] =
		"{ \"caf\\u00e9\" : \"\\u00e9 \\/ \\\"q\\\" \\\\ \\b\\f\\n\\r\\t\" }";
	struct json_doc *doc;
	const struct json *v;

	(void)state;
	doc = parse_ok(LIT(src));
	assert_written(doc,
		       "{\"caf\\u00e9\":\"\\u00e9 \\/ \\\"q\\\" \\\\ \\b\\f\\n\\r\\t\"}");

	v = json_root(doc)->child;
	assert_int_equal(v->type, JSON_STRING);
	assert_string_equal(v->key, "caf\xc3\xa9");
	assert_int_equal(v->key_len, 5);
	assert_int_equal(v->key_raw_len, 11);
	assert_memory_equal(v->key_raw, "\"caf\\u00e9\"", 11);
	assert_string_equal(v->str, "\xc3\xa9 / \"q\" \\ \b\f\n\r\t");
	assert_int_equal(v->len, 16);
	assert_memory_equal(v->raw, "\"\\u00e9 ", 8);
	assert_int_equal(v->raw[v->raw_len - 1], '"');
	json_doc_free(doc);
}

static void test_json_string_value_terminated(void **state)
{
	static const char src[] = "[\"plain\",\"\"]";
	struct json_doc *doc;
	const struct json *s;

	(void)state;
	doc = parse_ok(LIT(src));
	s = json_root(doc)->child;
	assert_int_equal(s->len, 5);
	assert_int_equal(s->str[5], '\0');
	assert_string_equal(s->str, "plain");
	/* The decoded value is a copy, so it can be NUL-terminated. */
	assert_ptr_not_equal(s->str, s->raw + 1);
	s = s->next;
	assert_int_equal(s->len, 0);
	assert_string_equal(s->str, "");
	assert_int_equal(s->raw_len, 2);
	json_doc_free(doc);
}

static void test_json_escaped_nul_in_value(void **state)
{
	struct json_doc *doc;
	const struct json *s;

	(void)state;
	doc = parse_ok(LIT("\"a\\u0000b\""));
	s = json_root(doc);
	assert_int_equal(s->len, 3);
	assert_memory_equal(s->str, "a\0b", 4);
	assert_written(doc, "\"a\\u0000b\"");
	json_doc_free(doc);
}

static void test_json_surrogate_pairs(void **state)
{
	static const char src[] = "[\"\\ud83d\\ude00\", \"\\uD834\\uDD1E\", "
				  "\"\\udbff\\udfff\", \"x\\u20acy\"]";
	struct json_doc *doc;
	const struct json *s;

	(void)state;
	doc = parse_ok(LIT(src));
	s = json_root(doc)->child;
	assert_string_equal(s->str, "\xf0\x9f\x98\x80");
	assert_int_equal(s->len, 4);
	s = s->next;
	assert_string_equal(s->str, "\xf0\x9d\x84\x9e");
	s = s->next;
	assert_string_equal(s->str, "\xf4\x8f\xbf\xbf");
	s = s->next;
	assert_string_equal(s->str, "x\xe2\x82\xac" "y");
	assert_written(doc, "[\"\\ud83d\\ude00\",\"\\uD834\\uDD1E\","
			    "\"\\udbff\\udfff\",\"x\\u20acy\"]");
	json_doc_free(doc);
}

static void test_json_utf8_valid_accepted(void **state)
{
	/* 2-, 3- and 4-byte forms at the edges of each allowed range. */
	static const char src[] =
		"[\"\xc2\x80\", \"\xdf\xbf\", \"\xe0\xa0\x80\", \"\xed\x9f\xbf\","
		" \"\xee\x80\x80\", \"\xef\xbf\xbf\", \"\xf0\x90\x80\x80\","
		" \"\xf4\x8f\xbf\xbf\", \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]";
	struct json_doc *doc;
	const struct json *s;

	(void)state;
	doc = parse_ok(LIT(src));
	assert_int_equal(json_root(doc)->count, 9);
	s = json_root(doc)->child;
	assert_string_equal(s->str, "\xc2\x80");
	json_doc_free(doc);
}

static void test_json_scalars_and_containers(void **state)
{
	static const char src[] =
		"\r\n\t {\"n\": null, \"f\": false, \"t\": true, \"a\": [],"
		" \"o\": {}, \"s\": \"x\", \"nested\": [[1], {\"k\": [2, 3]}]} \n";
	struct json_doc *doc;
	const struct json *root, *m;

	(void)state;
	doc = parse_ok(LIT(src));
	root = json_root(doc);
	assert_int_equal(root->type, JSON_OBJECT);
	assert_int_equal(root->count, 7);
	assert_int_equal(json_get(root, "n")->type, JSON_NULL);
	assert_int_equal(json_get(root, "f")->type, JSON_FALSE);
	assert_int_equal(json_get(root, "t")->type, JSON_TRUE);
	m = json_get(root, "a");
	assert_int_equal(m->type, JSON_ARRAY);
	assert_int_equal(m->count, 0);
	assert_null(m->child);
	m = json_get(root, "o");
	assert_int_equal(m->type, JSON_OBJECT);
	assert_int_equal(m->count, 0);
	m = json_get(root, "nested");
	assert_int_equal(m->count, 2);
	assert_int_equal(m->child->next->child->child->next->len, 1);
	assert_written(doc, "{\"n\":null,\"f\":false,\"t\":true,\"a\":[],"
			    "\"o\":{},\"s\":\"x\",\"nested\":[[1],{\"k\":[2,3]}]}");
	json_doc_free(doc);
}

static void test_json_get_duplicate_keys(void **state)
{
	static const char src[] = "{\"a\": 1, \"b\": 2, \"a\": 3}";
	struct json_doc *doc;
	const struct json *root, *a;

	(void)state;
	doc = parse_ok(LIT(src));
	root = json_root(doc);
	assert_int_equal(root->count, 3);
	a = json_get(root, "a");
	assert_non_null(a);
	assert_memory_equal(a->str, "3", 1);
	assert_memory_equal(root->child->str, "1", 1);
	assert_string_equal(root->child->next->next->key, "a");
	assert_null(json_get(root, "c"));
	assert_null(json_get(root, ""));
	assert_null(json_get(root->child, "a"));
	assert_null(json_get(NULL, "a"));
	assert_written(doc, "{\"a\":1,\"b\":2,\"a\":3}");
	json_doc_free(doc);
}

static void test_json_get_escaped_key(void **state)
{
	struct json_doc *doc;

	(void)state;
	doc = parse_ok(LIT("{\"caf\\u00e9\": 1, \"a\\u0000b\": 2}"));
	assert_non_null(json_get(json_root(doc), "caf\xc3\xa9"));
	/* A key with U+0000 never equals a C string that stops at the NUL. */
	assert_null(json_get(json_root(doc), "a"));
	json_doc_free(doc);
}

static void test_json_is_string(void **state)
{
	struct json_doc *doc;
	const struct json *root;

	(void)state;
	doc = parse_ok(LIT("[\"abc\", 1, \"a\\u0000\"]"));
	root = json_root(doc);
	assert_true(json_is_string(root->child, "abc"));
	assert_false(json_is_string(root->child, "ab"));
	assert_false(json_is_string(root->child, "abcd"));
	assert_false(json_is_string(root->child->next, "1"));
	assert_false(json_is_string(root->child->next->next, "a"));
	assert_false(json_is_string(NULL, "abc"));
	json_doc_free(doc);
}

static void test_json_type_names(void **state)
{
	(void)state;
	assert_string_equal(json_type_name(JSON_NULL), "null");
	assert_string_equal(json_type_name(JSON_FALSE), "boolean");
	assert_string_equal(json_type_name(JSON_TRUE), "boolean");
	assert_string_equal(json_type_name(JSON_NUMBER), "number");
	assert_string_equal(json_type_name(JSON_STRING), "string");
	assert_string_equal(json_type_name(JSON_ARRAY), "array");
	assert_string_equal(json_type_name(JSON_OBJECT), "object");
}

static void test_json_write_built_nodes(void **state)
{
	struct json str = { .type = JSON_STRING, .str = "a\"\n", .len = 3 };
	struct json member = { .type = JSON_TRUE, .key = "k\"", .key_len = 2 };
	struct json obj = { .type = JSON_OBJECT, .child = &member, .count = 1 };
	struct buf out = BUF_INIT;

	(void)state;
	json_write(&out, &str);
	assert_string_equal(out.data, "\"a\\\"\\n\"");
	buf_reset(&out);
	json_write(&out, &obj);
	assert_string_equal(out.data, "{\"k\\\"\":true}");
	buf_release(&out);
}

static void test_json_reject_empty(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT(""), "no JSON value in input", 0);
	ASSERT_PARSE_ERROR(LIT(" \n\t\r"), "no JSON value in input", 4);
	ASSERT_PARSE_ERROR(NULL, 0, "no JSON value in input", 0);
}

static void test_json_reject_trailing(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("1 2"),
			   "trailing characters after the JSON value", 2);
	ASSERT_PARSE_ERROR(LIT("{} {}"),
			   "trailing characters after the JSON value", 3);
	ASSERT_PARSE_ERROR(LIT("truex"),
			   "trailing characters after the JSON value", 4);
	ASSERT_PARSE_ERROR(LIT("0x1f"),
			   "trailing characters after the JSON value", 1);
	ASSERT_PARSE_ERROR(LIT("[]\0"),
			   "trailing characters after the JSON value", 2);
}

static void test_json_reject_comments(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("/* c */ 1"), "unexpected character '/'", 0);
	ASSERT_PARSE_ERROR(LIT("[1 // c\n]"),
			   "unexpected character '/', expected ',' or ']'", 3);
	ASSERT_PARSE_ERROR(LIT("1 # c"),
			   "trailing characters after the JSON value", 2);
}

static void test_json_reject_trailing_comma(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("[1,]"), "trailing comma before ']'", 2);
	ASSERT_PARSE_ERROR(LIT("[1 , \n ]"), "trailing comma before ']'", 3);
	ASSERT_PARSE_ERROR(LIT("{\"a\":1,}"), "trailing comma before '}'", 6);
	ASSERT_PARSE_ERROR(LIT("[,1]"), "unexpected character ','", 1);
	ASSERT_PARSE_ERROR(LIT("[1,,2]"), "unexpected character ','", 3);
}

static void test_json_reject_bad_numbers(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("01"),
			   "leading zeros are not allowed in numbers", 0);
	ASSERT_PARSE_ERROR(LIT("[-012]"),
			   "leading zeros are not allowed in numbers", 2);
	ASSERT_PARSE_ERROR(LIT("00"),
			   "leading zeros are not allowed in numbers", 0);
	ASSERT_PARSE_ERROR(LIT("+1"), "unexpected character '+'", 0);
	ASSERT_PARSE_ERROR(LIT(".5"), "unexpected character '.'", 0);
	ASSERT_PARSE_ERROR(LIT("-.5"),
			   "unexpected character '.', expected a digit after '-'",
			   1);
	ASSERT_PARSE_ERROR(LIT("1."), "unexpected end of input", 2);
	ASSERT_PARSE_ERROR(LIT("1.e5"),
			   "unexpected character 'e', expected a digit after '.'",
			   2);
	ASSERT_PARSE_ERROR(LIT("1e"), "unexpected end of input", 2);
	ASSERT_PARSE_ERROR(LIT("1e+"), "unexpected end of input", 3);
	ASSERT_PARSE_ERROR(LIT("[1ex]"),
			   "unexpected character 'x', expected a digit in the exponent",
			   3);
	ASSERT_PARSE_ERROR(LIT("-"), "unexpected end of input", 1);
	ASSERT_PARSE_ERROR(LIT("NaN"), "unexpected character 'N'", 0);
	ASSERT_PARSE_ERROR(LIT("Infinity"), "unexpected character 'I'", 0);
	ASSERT_PARSE_ERROR(LIT("-Infinity"),
			   "unexpected character 'I', expected a digit after '-'",
			   1);
	ASSERT_PARSE_ERROR(LIT("nan"),
			   "unexpected character 'a', expected 'null'", 1);
}

static void test_json_reject_bad_literals(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("tru"), "unexpected end of input", 3);
	ASSERT_PARSE_ERROR(LIT("[fals]"),
			   "unexpected character ']', expected 'false'", 5);
	ASSERT_PARSE_ERROR(LIT("True"), "unexpected character 'T'", 0);
	ASSERT_PARSE_ERROR(LIT("undefined"), "unexpected character 'u'", 0);
	ASSERT_PARSE_ERROR(LIT("'a'"), "unexpected character '''", 0);
	ASSERT_PARSE_ERROR(LIT("\xc3\xa9"), "unexpected byte 0xc3", 0);
	ASSERT_PARSE_ERROR(LIT("\0"), "unexpected byte 0x00", 0);
}

static void test_json_reject_bad_structure(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("["), "unexpected end of input", 1);
	ASSERT_PARSE_ERROR(LIT("[1,"), "unexpected end of input", 3);
	ASSERT_PARSE_ERROR(LIT("[1"), "unexpected end of input", 2);
	ASSERT_PARSE_ERROR(LIT("{"), "unexpected end of input", 1);
	ASSERT_PARSE_ERROR(LIT("{\"a\""), "unexpected end of input", 4);
	ASSERT_PARSE_ERROR(LIT("{\"a\":"), "unexpected end of input", 5);
	ASSERT_PARSE_ERROR(LIT("[1 2]"),
			   "unexpected character '2', expected ',' or ']'", 3);
	ASSERT_PARSE_ERROR(LIT("{\"a\":1 \"b\":2}"),
			   "unexpected character '\"', expected ',' or '}'", 7);
	ASSERT_PARSE_ERROR(LIT("{\"a\" 1}"),
			   "unexpected character '1', expected ':'", 5);
	ASSERT_PARSE_ERROR(LIT("{1:2}"),
			   "unexpected character '1', expected a string key", 1);
	ASSERT_PARSE_ERROR(LIT("{a:2}"),
			   "unexpected character 'a', expected a string key", 1);
	ASSERT_PARSE_ERROR(LIT("[1}"),
			   "unexpected character '}', expected ',' or ']'", 2);
	ASSERT_PARSE_ERROR(LIT("]"), "unexpected character ']'", 0);
}

static void test_json_reject_control_chars(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("\"a\tb\""),
			   "unescaped control character 0x09 in string", 2);
	ASSERT_PARSE_ERROR(LIT("[\"\n\"]"),
			   "unescaped control character 0x0a in string", 2);
	ASSERT_PARSE_ERROR(LIT("\"a\0\""),
			   "unescaped control character 0x00 in string", 2);
	ASSERT_PARSE_ERROR(LIT("{\"k\x1f\":1}"),
			   "unescaped control character 0x1f in string", 3);
}

static void test_json_accept_del_char(void **state)
{
	struct json_doc *doc;

	(void)state;
	/* 0x7f is not a control character in the RFC 8259 sense. */
	doc = parse_ok(LIT("\"\x7f\""));
	assert_int_equal(json_root(doc)->len, 1);
	json_doc_free(doc);
}

static void test_json_reject_unterminated_string(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("\"abc"), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("[1, \"abc"), "unterminated string", 4);
	ASSERT_PARSE_ERROR(LIT("\"abc\\"), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("\"abc\\\""), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("\"\\u12"), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("\"\\ud83d"), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("\"\\ud83d\\"), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("\"\\ud83d\\ude"), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("{\"ab"), "unterminated string", 1);
}

static void test_json_reject_bad_escapes(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("\"a\\x\""), "invalid escape '\\x' in string", 2);
	ASSERT_PARSE_ERROR(LIT("\"\\'\""), "invalid escape '\\'' in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"\\U00e9\""),
			   "invalid escape '\\U' in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"\\\x01\""), "invalid escape in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"\\u12G4\""),
			   "invalid \\u escape, expected 4 hex digits", 1);
	ASSERT_PARSE_ERROR(LIT("\"ab\\u12\""),
			   "invalid \\u escape, expected 4 hex digits", 3);
	ASSERT_PARSE_ERROR(LIT("\"\\ud83d\\uzzzz\""),
			   "invalid \\u escape, expected 4 hex digits", 7);
}

static void test_json_reject_lone_surrogates(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("\"\\ud800\""),
			   "unpaired UTF-16 surrogate '\\ud800' in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"x\\uDBFFy\""),
			   "unpaired UTF-16 surrogate '\\uDBFF' in string", 2);
	ASSERT_PARSE_ERROR(LIT("\"\\udc00\""),
			   "unpaired UTF-16 surrogate '\\udc00' in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"\\ude00\\ud83d\""),
			   "unpaired UTF-16 surrogate '\\ude00' in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"\\ud83d\\u0041\""),
			   "unpaired UTF-16 surrogate '\\ud83d' in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"\\ud83d\\ud83d\""),
			   "unpaired UTF-16 surrogate '\\ud83d' in string", 1);
	ASSERT_PARSE_ERROR(LIT("\"\\ud83d\\n\""),
			   "unpaired UTF-16 surrogate '\\ud83d' in string", 1);
}

static void test_json_reject_invalid_utf8(void **state)
{
	static const char msg[] = "invalid UTF-8 in string";

	(void)state;
	/* Overlong encodings of '/' and of U+0000..U+FFFF. */
	ASSERT_PARSE_ERROR(LIT("\"\xc0\xaf\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xc1\xbf\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xe0\x80\xaf\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xe0\x9f\xbf\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xf0\x80\x80\xaf\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xf0\x8f\xbf\xbf\""), msg, 1);
	/* UTF-16 surrogates encoded in UTF-8. */
	ASSERT_PARSE_ERROR(LIT("\"ab\xed\xa0\x80\""), msg, 3);
	ASSERT_PARSE_ERROR(LIT("\"\xed\xbf\xbf\""), msg, 1);
	/* Above U+10FFFF. */
	ASSERT_PARSE_ERROR(LIT("\"\xf4\x90\x80\x80\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xf5\x80\x80\x80\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xff\""), msg, 1);
	/* A continuation byte with no lead byte. */
	ASSERT_PARSE_ERROR(LIT("\"a\x80\""), msg, 2);
	ASSERT_PARSE_ERROR(LIT("\"\xbf\""), msg, 1);
	/* Truncated sequences: the quote or an ASCII byte comes too early. */
	ASSERT_PARSE_ERROR(LIT("\"\xc3\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xe2\x82\""), msg, 1);
	ASSERT_PARSE_ERROR(LIT("\"\xf0\x9f\x98x\""), msg, 1);
	/* In a key, too. */
	ASSERT_PARSE_ERROR(LIT("{\"\xc3(\":1}"), msg, 2);
}

static void test_json_utf8_cut_by_end(void **state)
{
	(void)state;
	ASSERT_PARSE_ERROR(LIT("\"\xe2\x82"), "unterminated string", 0);
	ASSERT_PARSE_ERROR(LIT("\"\xf0"), "unterminated string", 0);
}

static void test_json_depth_at_limit(void **state)
{
	struct json_doc *doc;
	const struct json *node;
	size_t len, depth = 0;
	char *src = nested_arrays(JSON_MAX_DEPTH, &len);

	(void)state;
	doc = parse_ok(src, len);
	for (node = json_root(doc); node; node = node->child)
		depth++;
	assert_int_equal(depth, JSON_MAX_DEPTH);
	json_doc_free(doc);
	free(src);
}

static void test_json_depth_over_limit(void **state)
{
	size_t len;
	char *src = nested_arrays(JSON_MAX_DEPTH + 1, &len);

	(void)state;
	ASSERT_PARSE_ERROR(src, len, "nesting deeper than 512 levels",
			   JSON_MAX_DEPTH);
	free(src);
}

static void test_json_depth_huge_input(void **state)
{
	/* Far deeper than any stack could recurse: rejected at level 513. */
	static const char prefix[] = "[{\"a\":";
	size_t len, depth = 1000000;
	char *src = nested_arrays(depth, &len);
	char *items_src = malloc(sizeof(prefix) - 1 + depth);

	(void)state;
	ASSERT_PARSE_ERROR(src, depth, "nesting deeper than 512 levels",
			   JSON_MAX_DEPTH);

	/* The items path: level 1 is the array, level 2 the object. */
	assert_non_null(items_src);
	memcpy(items_src, prefix, sizeof(prefix) - 1);
	memset(items_src + sizeof(prefix) - 1, '[', depth);
	ASSERT_ITEMS_ERROR(items_src, sizeof(prefix) - 1 + depth,
			   "nesting deeper than 512 levels",
			   sizeof(prefix) - 1 + JSON_MAX_DEPTH - 2);
	free(items_src);
	free(src);
}

static void test_json_depth_objects(void **state)
{
	struct buf src = BUF_INIT;
	struct json_doc *doc;
	size_t i;

	(void)state;
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		buf_puts(&src, "{\"a\":");
	buf_puts(&src, "1");
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		buf_putc(&src, '}');
	doc = parse_ok(src.data, src.len);
	json_doc_free(doc);

	buf_reset(&src);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		buf_puts(&src, "{\"a\":");
	ASSERT_PARSE_ERROR(src.data, src.len, "nesting deeper than 512 levels",
			   5 * JSON_MAX_DEPTH);
	buf_release(&src);
}

static void test_json_null_error_pointer(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;

	(void)state;
	assert_null(json_parse(LIT("[1,]"), NULL));
	assert_int_equal(json_items_parse(&items, LIT("[1]"), NULL), -1);
	json_items_release(&items);
}

static void test_json_large_document(void **state)
{
	struct buf src = BUF_INIT;
	struct json_doc *doc;
	const struct json *root, *item;
	size_t i;

	(void)state;
	/* Enough nodes and a long string to use several arena chunks. */
	buf_putc(&src, '[');
	for (i = 0; i < 100000; i++)
		buf_printf(&src, "%s{\"i\": %zu, \"s\": \"v%zu\"}", i ? "," : "",
			   i, i);
	buf_puts(&src, ", \"");
	for (i = 0; i < 3000000; i++)
		buf_putc(&src, (char)('a' + i % 26));
	buf_puts(&src, "\"]");

	doc = parse_ok(src.data, src.len);
	root = json_root(doc);
	assert_int_equal(root->count, 100001);
	for (i = 0, item = root->child; i < 99999; i++)
		item = item->next;
	assert_true(json_is_string(json_get(item, "s"), "v99999"));
	assert_int_equal(item->next->len, 3000000);
	assert_int_equal(item->next->str[3000000], '\0');
	json_doc_free(doc);
	buf_release(&src);
}

static void test_json_doc_new_empty(void **state)
{
	struct json_doc *doc = json_doc_new();

	(void)state;
	assert_non_null(doc);
	assert_null(json_root(doc));
	json_doc_free(doc);
}

static void test_json_parse_into_reused(void **state)
{
	static const char *const texts[] = {
		"{\"a\":1,\"b\":[true,null]}",
		"[1.50,\"\\u00e9\"]",
		"\"s\"",
		"{}",
		"{\"k\":{\"n\":-0.0e+1}}",
	};
	struct json_doc *doc = json_doc_new();
	struct json_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(json_parse_into(doc, texts[i], strlen(texts[i]),
						 &err), 0);
		assert_written(doc, texts[i]);
	}
	json_doc_free(doc);
}

/*
 * json_parse_valid_into() builds the same tree from stored text, long
 * strings included (the word-at-a-time scan), and still checks the syntax
 * and the escapes.
 */
static void test_json_parse_valid_into(void **state)
{
	static const char *const texts[] = {
		"{\"a\":\"0123456789abcdef0123456789\\\"x\\\\\",\"b\":\"\"}",
		"[\"caf\\u00e9 \\ud83d\\ude00\",\"\xe6\x9d\xb1\xe4\xba\xac\",1.50]",
		"{\"long\":\"abcdefgh\\nabcdefghabcdefgh\\\"\"}",
	};
	struct json_doc *doc = json_doc_new();
	struct json_error err;
	const struct json *root;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(json_parse_valid_into(doc, texts[i],
						       strlen(texts[i]), &err),
				 0);
		assert_written(doc, texts[i]);
	}
	assert_int_equal(json_parse_valid_into(doc, LIT("{\"a\":\"x\\ty\"}"),
					       &err), 0);
	root = json_root(doc);
	assert_string_equal(root->child->str, "x\ty");

	assert_int_equal(json_parse_valid_into(doc, LIT("{\"a\":\"xyz"), &err),
			 -1);
	assert_string_equal(err.message, "unterminated string");
	assert_int_equal(json_parse_valid_into(doc, LIT("[\"\\q\"]"), &err), -1);
	assert_string_equal(err.message, "invalid escape '\\q' in string");
	assert_int_equal(json_parse_valid_into(doc, LIT("[\"\\ud800\"]"), &err),
			 -1);
	assert_int_equal(json_parse_valid_into(doc, LIT("[1,]"), &err), -1);
	json_doc_free(doc);
}

static void test_json_stored_string_end(void **state)
{
	static const char text[] = "\"0123456789\\\"abcdef\\u00e9\":1";
	static const char plain[] = "\"abc\"", open[] = "\"abc";
	static const char bad[] = "\"\\x\"";
	const char *end = text + sizeof(text) - 1;
	char decoded[32];
	size_t len;
	int escaped;

	(void)state;
	assert_ptr_equal(json_stored_string_end(text, end, &escaped),
			 end - 2);
	assert_int_equal(escaped, 1);
	len = json_unescape(decoded, text + 1, (size_t)(end - 3 - text - 1));
	assert_int_equal(len, 19);
	assert_memory_equal(decoded, "0123456789\"abcdef\xc3\xa9", len);

	assert_ptr_equal(json_stored_string_end(plain, plain + 5, &escaped),
			 plain + 5);
	assert_int_equal(escaped, 0);
	assert_null(json_stored_string_end(open, open + 4, &escaped));
	assert_null(json_stored_string_end(bad, bad + 4, &escaped));
	assert_null(json_stored_string_end(plain + 1, plain + 5, &escaped));
	assert_null(json_stored_string_end(plain, plain, &escaped));
}

static void test_json_parse_into_error(void **state)
{
	struct json_doc *doc = json_doc_new();
	struct json_error err;

	(void)state;
	assert_int_equal(json_parse_into(doc, LIT("[1]"), &err), 0);
	assert_int_equal(json_parse_into(doc, LIT("{\"a\" 1}"), &err), -1);
	assert_string_equal(err.message, "unexpected character '1', expected ':'");
	assert_int_equal(err.offset, 5);
	assert_null(json_root(doc));
	assert_int_equal(json_parse_into(doc, LIT("  "), NULL), -1);
	assert_null(json_root(doc));

	/* The document stays usable after a failure. */
	assert_int_equal(json_parse_into(doc, LIT("true"), &err), 0);
	assert_int_equal(json_root(doc)->type, JSON_TRUE);
	json_doc_free(doc);
}

/*
 * A document that outgrew its first chunk keeps one chunk large enough
 * for the same text, so later parses reuse it: the root, the first node
 * allocated, lands at the same address each time.
 */
static void test_json_parse_into_keeps_memory(void **state)
{
	struct json_doc *doc = json_doc_new();
	struct buf src = BUF_INIT;
	const struct json *first;
	size_t i;

	(void)state;
	buf_putc(&src, '[');
	for (i = 0; i < 20000; i++)
		buf_printf(&src, "%s{\"i\":%zu,\"s\":\"v%zu\"}", i ? "," : "",
			   i, i);
	buf_putc(&src, ']');

	assert_int_equal(json_parse_into(doc, src.data, src.len, NULL), 0);
	assert_int_equal(json_parse_into(doc, src.data, src.len, NULL), 0);
	first = json_root(doc);
	assert_int_equal(json_parse_into(doc, src.data, src.len, NULL), 0);
	assert_ptr_equal(json_root(doc), first);
	assert_int_equal(json_root(doc)->count, 20000);
	assert_int_equal(json_parse_into(doc, LIT("{\"small\":1}"), NULL), 0);
	assert_ptr_equal(json_root(doc), first);
	assert_written(doc, "{\"small\":1}");
	json_doc_free(doc);
	buf_release(&src);
}

static void test_json_items_one_object(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	int rc;

	(void)state;
	rc = json_items_parse(&items, LIT(" {\"a\": 1, \"b\": [true, null]} \n"),
			      &err);
	assert_int_equal(rc, 0);
	assert_int_equal(items.count, 1);
	assert_string_equal(items.text.data, "{\"a\":1,\"b\":[true,null]}");
	assert_int_equal(items.ends[0], items.text.len);
	json_items_release(&items);
}

static void test_json_items_array(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	int rc;

	(void)state;
	rc = json_items_parse(&items, LIT("[{\"a\":1},{},{\"b\":{\"c\":[]}}]"),
			      &err);
	assert_int_equal(rc, 0);
	assert_int_equal(items.count, 3);
	assert_string_equal(items.text.data, "{\"a\":1}{}{\"b\":{\"c\":[]}}");
	assert_int_equal(items.ends[0], 7);
	assert_int_equal(items.ends[1], 9);
	assert_int_equal(items.ends[2], 23);
	json_items_release(&items);
}

static void test_json_items_empty_array(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;

	(void)state;
	assert_int_equal(json_items_parse(&items, LIT("[]"), &err), 0);
	assert_int_equal(items.count, 0);
	assert_int_equal(items.text.len, 0);
	assert_int_equal(json_items_parse(&items, LIT(" [ \n ] "), &err), 0);
	assert_int_equal(items.count, 0);
	json_items_release(&items);
}

static void test_json_items_pretty_compacted(void **state)
{
	static const char src[] =
		"[\n"
		"  {\n"
		"    \"name\" : \"caf\\u00e9\",\n"
		"    \"price\" : 12345678901234567890123 ,\n"
		"    \"ratio\":\t0.1,\r\n"
		"    \"tags\" : [ \"a\" , \"b\" ],\n"
		"    \"zero\" : -0.0,\n"
		"    \"big\" : 1e400\n"
		"  } ,\n"
		"  { }\n"
		"]\n";
	static const char first[] =
		"{\"name\":\"caf\\u00e9\",\"price\":12345678901234567890123,"
		"\"ratio\":0.1,\"tags\":[\"a\",\"b\"],\"zero\":-0.0,\"big\":1e400}";
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	int rc;

	(void)state;
	rc = json_items_parse(&items, LIT(src), &err);
	assert_int_equal(rc, 0);
	assert_int_equal(items.count, 2);
	assert_int_equal(items.ends[0], sizeof(first) - 1);
	assert_memory_equal(items.text.data, first, sizeof(first) - 1);
	assert_int_equal(items.ends[1], sizeof(first) + 1);
	assert_string_equal(items.text.data + items.ends[0], "{}");
	json_items_release(&items);
}

static void test_json_items_string_whitespace_kept(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	int rc;

	(void)state;
	rc = json_items_parse(&items,
			      LIT("{ \"a  b\" : \"  x \\t y \\\" ,: {} \" }"),
			      &err);
	assert_int_equal(rc, 0);
	assert_string_equal(items.text.data,
			    "{\"a  b\":\"  x \\t y \\\" ,: {} \"}");
	json_items_release(&items);
}

static void test_json_items_not_object(void **state)
{
	static const char msg[] =
		"expected a JSON object or an array of objects, got %s";
	char expected[160];

	(void)state;
	snprintf(expected, sizeof(expected), msg, "a string");
	ASSERT_ITEMS_ERROR(LIT(" \"x\""), expected, 1);
	snprintf(expected, sizeof(expected), msg, "a number");
	ASSERT_ITEMS_ERROR(LIT("12"), expected, 0);
	snprintf(expected, sizeof(expected), msg, "a boolean");
	ASSERT_ITEMS_ERROR(LIT("true"), expected, 0);
	snprintf(expected, sizeof(expected), msg, "null");
	ASSERT_ITEMS_ERROR(LIT("null"), expected, 0);
	/* A scalar with bad syntax reports the syntax error first. */
	ASSERT_ITEMS_ERROR(LIT("\"x"), "unterminated string", 0);
	ASSERT_ITEMS_ERROR(LIT(""), "no JSON value in input", 0);
}

static void test_json_items_element_not_object(void **state)
{
	(void)state;
	ASSERT_ITEMS_ERROR(LIT("[{}, {}, {\"a\":1}, 5]"),
			   "item at index 3 is a number, expected an object", 18);
	ASSERT_ITEMS_ERROR(LIT("[\"x\"]"),
			   "item at index 0 is a string, expected an object", 1);
	ASSERT_ITEMS_ERROR(LIT("[{}, null]"),
			   "item at index 1 is null, expected an object", 5);
	ASSERT_ITEMS_ERROR(LIT("[{}, false]"),
			   "item at index 1 is a boolean, expected an object", 5);
	ASSERT_ITEMS_ERROR(LIT("[{}, [{}]]"),
			   "item at index 1 is an array, expected an object", 5);
}

static void test_json_items_reject_syntax(void **state)
{
	(void)state;
	ASSERT_ITEMS_ERROR(LIT("[{},]"), "trailing comma before ']'", 3);
	ASSERT_ITEMS_ERROR(LIT("[{\"a\":1,}]"), "trailing comma before '}'", 7);
	ASSERT_ITEMS_ERROR(LIT("{\"a\":01}"),
			   "leading zeros are not allowed in numbers", 5);
	ASSERT_ITEMS_ERROR(LIT("[{\"a\":\"\xed\xa0\x80\"}]"),
			   "invalid UTF-8 in string", 7);
	ASSERT_ITEMS_ERROR(LIT("{\"a\":\"\\ud800\"}"),
			   "unpaired UTF-16 surrogate '\\ud800' in string", 6);
	ASSERT_ITEMS_ERROR(LIT("{} x"),
			   "trailing characters after the JSON value", 3);
	ASSERT_ITEMS_ERROR(LIT("[{}] []"),
			   "trailing characters after the JSON value", 5);
	ASSERT_ITEMS_ERROR(LIT("[{}"), "unexpected end of input", 3);
	ASSERT_ITEMS_ERROR(LIT("[{} {}]"),
			   "unexpected character '{', expected ',' or ']'", 4);
	ASSERT_ITEMS_ERROR(LIT("{\"a\":1 // c\n}"),
			   "unexpected character '/', expected ',' or '}'", 7);
}

static void test_json_items_depth_limit(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	struct buf src = BUF_INIT;
	size_t i;

	(void)state;
	/* The top-level array counts as level 1, its objects as level 2. */
	buf_putc(&src, '[');
	buf_puts(&src, "{\"a\":");
	for (i = 2; i < JSON_MAX_DEPTH; i++)
		buf_putc(&src, '[');
	for (i = 2; i < JSON_MAX_DEPTH; i++)
		buf_putc(&src, ']');
	buf_puts(&src, "}]");
	assert_int_equal(json_items_parse(&items, src.data, src.len, &err), 0);
	assert_int_equal(items.count, 1);
	assert_int_equal(items.text.len, src.len - 2);
	json_items_release(&items);

	buf_reset(&src);
	buf_puts(&src, "[{\"a\":");
	for (i = 2; i <= JSON_MAX_DEPTH; i++)
		buf_putc(&src, '[');
	ASSERT_ITEMS_ERROR(src.data, src.len, "nesting deeper than 512 levels",
			   6 + JSON_MAX_DEPTH - 2);
	buf_release(&src);
}

static void test_json_items_partial_on_error(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;

	(void)state;
	assert_int_equal(json_items_parse(&items, LIT("[{\"a\":1}, {\"b\":"),
					  &err), -1);
	/* The complete first object is kept, and text ends right after it. */
	assert_int_equal(items.count, 1);
	assert_int_equal(items.text.len, items.ends[0]);
	assert_string_equal(items.text.data, "{\"a\":1}");
	json_items_release(&items);
	assert_null(items.ends);
	assert_int_equal(items.count, 0);
}

static void test_json_items_append_second_call(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;

	(void)state;
	assert_int_equal(json_items_parse(&items, LIT("{\"a\":1}"), &err), 0);
	assert_int_equal(json_items_parse(&items, LIT("[{\"b\":2}]"), &err), 0);
	assert_int_equal(items.count, 2);
	assert_string_equal(items.text.data, "{\"a\":1}{\"b\":2}");
	assert_int_equal(items.ends[1], 14);
	json_items_release(&items);
}

static void test_json_items_many(void **state)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	struct buf src = BUF_INIT;
	size_t i;

	(void)state;
	buf_putc(&src, '[');
	for (i = 0; i < 50000; i++)
		buf_printf(&src, "%s { \"i\" : %zu }", i ? "," : "", i);
	buf_putc(&src, ']');
	assert_int_equal(json_items_parse(&items, src.data, src.len, &err), 0);
	assert_int_equal(items.count, 50000);
	assert_memory_equal(items.text.data + items.ends[49998], "{\"i\":49999}",
			    11);
	assert_int_equal(items.ends[49999], items.text.len);
	json_items_release(&items);
	buf_release(&src);
}

/* json_write() of a parsed object gives the same text as the items path. */
static void assert_same_compaction(const char *src, size_t len)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	struct json_doc *doc = parse_ok(src, len);
	struct buf out = BUF_INIT;

	json_write(&out, json_root(doc));
	assert_int_equal(json_items_parse(&items, src, len, &err), 0);
	assert_int_equal(out.len, items.text.len);
	assert_memory_equal(out.data, items.text.data, out.len);
	buf_release(&out);
	json_items_release(&items);
	json_doc_free(doc);
}

static void test_json_write_matches_items(void **state)
{
	(void)state;
	assert_same_compaction(LIT("{ \"k\\n\" : [ 1.50 , -0 , \"\\u00E9\" ] }"));
	assert_same_compaction(LIT("\t{\"a\":{\"b\":{\"c\":[[],{},null]}}}\n"));
	assert_same_compaction(LIT("{\"\xf0\x9f\x98\x80\" : \"\\ud83d\\ude00\"}"));
}

/*
 * Mutate a valid object-rooted document byte by byte with a fixed-seed
 * generator. Both parsers share one scanner, so on every mutant they must
 * agree: the same error at the same offset, or the same compact text.
 */
static void test_json_mutations_agree(void **state)
{
	static const char base[] =
		"{\"a\": [1, -2.5e+3, true, false, null], \"b\\u00e9\": "
		"{\"c\": \"x\\ud83d\\ude00y \xc3\xa9\"}, \"d\": [], \"e\": {}}";
	static const char bytes[] = "{}[]:,\"\\ 0-.eEu+tfnx\x80\xc3\xed\xf4\x01";
	uint32_t seed = 12345;
	char src[sizeof(base)];
	size_t i, len = sizeof(base) - 1;
	unsigned mutant;

	(void)state;
	for (mutant = 0; mutant < 20000; mutant++) {
		struct json_items items = JSON_ITEMS_INIT;
		struct json_error perr, ierr;
		struct json_doc *doc;
		size_t pos;
		int rc;

		memcpy(src, base, len);
		for (i = 0; i < 1 + mutant % 3; i++) {
			seed = seed * 1103515245u + 12345u;
			pos = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			src[pos] = bytes[(seed >> 8) % (sizeof(bytes) - 1)];
		}
		if (src[0] != '{')
			continue;

		doc = json_parse(src, len, &perr);
		rc = json_items_parse(&items, src, len, &ierr);
		if (!doc) {
			assert_int_equal(rc, -1);
			assert_int_equal(perr.offset, ierr.offset);
			assert_string_equal(perr.message, ierr.message);
			assert_true(perr.offset <= len);
		} else {
			struct buf out = BUF_INIT;

			assert_int_equal(rc, 0);
			json_write(&out, json_root(doc));
			assert_int_equal(out.len, items.text.len);
			assert_memory_equal(out.data, items.text.data, out.len);
			buf_release(&out);
		}
		json_doc_free(doc);
		json_items_release(&items);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_numbers_verbatim),
		cmocka_unit_test(test_json_number_top_level),
		cmocka_unit_test(test_json_number_helpers),
		cmocka_unit_test(test_json_escapes_kept_on_write),
		cmocka_unit_test(test_json_string_value_terminated),
		cmocka_unit_test(test_json_escaped_nul_in_value),
		cmocka_unit_test(test_json_surrogate_pairs),
		cmocka_unit_test(test_json_utf8_valid_accepted),
		cmocka_unit_test(test_json_scalars_and_containers),
		cmocka_unit_test(test_json_get_duplicate_keys),
		cmocka_unit_test(test_json_get_escaped_key),
		cmocka_unit_test(test_json_is_string),
		cmocka_unit_test(test_json_type_names),
		cmocka_unit_test(test_json_write_built_nodes),
		cmocka_unit_test(test_json_reject_empty),
		cmocka_unit_test(test_json_reject_trailing),
		cmocka_unit_test(test_json_reject_comments),
		cmocka_unit_test(test_json_reject_trailing_comma),
		cmocka_unit_test(test_json_reject_bad_numbers),
		cmocka_unit_test(test_json_reject_bad_literals),
		cmocka_unit_test(test_json_reject_bad_structure),
		cmocka_unit_test(test_json_reject_control_chars),
		cmocka_unit_test(test_json_accept_del_char),
		cmocka_unit_test(test_json_reject_unterminated_string),
		cmocka_unit_test(test_json_reject_bad_escapes),
		cmocka_unit_test(test_json_reject_lone_surrogates),
		cmocka_unit_test(test_json_reject_invalid_utf8),
		cmocka_unit_test(test_json_utf8_cut_by_end),
		cmocka_unit_test(test_json_depth_at_limit),
		cmocka_unit_test(test_json_depth_over_limit),
		cmocka_unit_test(test_json_depth_huge_input),
		cmocka_unit_test(test_json_depth_objects),
		cmocka_unit_test(test_json_null_error_pointer),
		cmocka_unit_test(test_json_large_document),
		cmocka_unit_test(test_json_doc_new_empty),
		cmocka_unit_test(test_json_parse_into_reused),
		cmocka_unit_test(test_json_parse_into_error),
		cmocka_unit_test(test_json_parse_valid_into),
		cmocka_unit_test(test_json_stored_string_end),
		cmocka_unit_test(test_json_parse_into_keeps_memory),
		cmocka_unit_test(test_json_items_one_object),
		cmocka_unit_test(test_json_items_array),
		cmocka_unit_test(test_json_items_empty_array),
		cmocka_unit_test(test_json_items_pretty_compacted),
		cmocka_unit_test(test_json_items_string_whitespace_kept),
		cmocka_unit_test(test_json_items_not_object),
		cmocka_unit_test(test_json_items_element_not_object),
		cmocka_unit_test(test_json_items_reject_syntax),
		cmocka_unit_test(test_json_items_depth_limit),
		cmocka_unit_test(test_json_items_partial_on_error),
		cmocka_unit_test(test_json_items_append_second_call),
		cmocka_unit_test(test_json_items_many),
		cmocka_unit_test(test_json_write_matches_items),
		cmocka_unit_test(test_json_mutations_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
