/*
 * JSON parsing and writing that never re-prints a number: a number node
 * keeps the text it was written with, and a string node keeps its raw
 * source bytes next to the decoded value, so writing a parsed document back
 * gives the same numbers and the same string escapes, with only the
 * whitespace outside strings removed.
 *
 * Three entry points:
 *   json_parse()       a read-only tree, for request bodies, inputs, schemas;
 *   json_parse_into()  the same tree in a document reused from text to text,
 *                      for loops over many texts; json_parse_valid_into()
 *                      does the same for stored items, skipping checks;
 *   json_items_parse() the dataset push path: validates one object or an
 *                      array of objects and compacts each object into one
 *                      buffer, without building a tree.
 */
#ifndef ACTORD_UTIL_JSON_H
#define ACTORD_UTIL_JSON_H

#include <stddef.h>

#include "util/buf.h"

/* Deeper nesting is rejected as invalid input, so recursion stays bounded. */
#define JSON_MAX_DEPTH 512

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * One node of a parsed document. All memory belongs to the json_doc.
 *
 * NUMBER: str/len is the number exactly as written in the source.
 * STRING: str/len is the decoded UTF-8 value (NUL-terminated, but it may
 *         contain U+0000, so use len); raw/raw_len is the source literal
 *         including its quotes.
 * ARRAY, OBJECT: child is the first member, count the number of members,
 *         members are linked through next, in source order.
 * Members of an OBJECT have key/key_len set (decoded, NUL-terminated) and
 * key_raw/key_raw_len, the source literal with its quotes, so json_write()
 * keeps the key's escapes too. Duplicate keys are kept as they appear.
 */
struct json {
	enum json_type type;
	const char *str;
	size_t len;
	const char *raw;
	size_t raw_len;
	const char *key;
	size_t key_len;
	const char *key_raw;
	size_t key_raw_len;
	struct json *child;
	struct json *next;
	size_t count;
};

struct json_error {
	size_t offset;		/* byte offset in the source */
	char message[160];	/* e.g. "unexpected character 'x'" */
};

struct json_doc;

/*
 * Parse len bytes of src as one JSON value (RFC 8259: any value at top
 * level, surrounding whitespace allowed, strings must be valid UTF-8,
 * no comments, no trailing commas). Returns NULL and fills err on failure.
 * Nodes may point into src, so src must outlive the document.
 */
struct json_doc *json_parse(const char *src, size_t len,
			    struct json_error *err);
const struct json *json_root(const struct json_doc *doc);
void json_doc_free(struct json_doc *doc);

/*
 * Parse like json_parse(), but into a document that is reused from call
 * to call, for loops over many small texts. Each call discards the
 * previous tree, so pointers into it become invalid, but keeps the memory,
 * which grows to fit the largest text seen: a warm document parses without
 * allocating. json_doc_new() returns an empty document (json_root() is
 * NULL) that the caller frees with json_doc_free(). json_parse_into()
 * returns 0, or -1 after filling err and leaving json_root() NULL. The
 * document stays usable either way.
 */
struct json_doc *json_doc_new(void);
int json_parse_into(struct json_doc *doc, const char *src, size_t len,
		    struct json_error *err);

/*
 * json_parse_into() for text whose strings are known to be valid UTF-8
 * without raw control characters, such as the items json_items_parse()
 * wrote: it checks the syntax and the escapes but not the bytes between
 * them, which makes it several times faster on text-heavy items. Text
 * that breaks the promise is parsed as it is, never read out of bounds.
 */
int json_parse_valid_into(struct json_doc *doc, const char *src, size_t len,
			  struct json_error *err);

/*
 * For one-pass readers of stored items (text json_items_parse() wrote): s
 * points at the opening quote of a string literal that ends before end.
 * Returns the pointer past its closing quote and sets *escaped to 1 when
 * the literal has a backslash escape, or returns NULL when no valid
 * literal starts at s. Escapes are checked, UTF-8 is not, as in
 * json_parse_valid_into().
 */
const char *json_stored_string_end(const char *s, const char *end,
				   int *escaped);

/*
 * Decode the len bytes between the quotes of a literal that
 * json_stored_string_end() accepted into dst, which has room for len
 * bytes. Returns the decoded length, at most len. dst is not terminated.
 */
size_t json_unescape(char *dst, const char *body, size_t len);

/* Member of obj named key, the last one if repeated; NULL if none. */
const struct json *json_get(const struct json *obj, const char *key);

/* 1 if node is a string equal to s. */
int json_is_string(const struct json *node, const char *s);

/* "null", "boolean", "number", "string", "array" or "object". */
const char *json_type_name(enum json_type type);

/* 1 if a NUMBER node's text has no fraction and no exponent. */
int json_number_is_integer(const struct json *node);
/* Numeric value of a NUMBER node (strtod; for comparisons only). */
double json_number_value(const struct json *node);

/*
 * Append node to out in compact form: numbers and strings as they were
 * written in the source, no whitespace.
 */
void json_write(struct buf *out, const struct json *node);

/*
 * The dataset push path. Accepts one JSON object or an array of JSON
 * objects and appends each object, compacted as json_write() would, to
 * items->text; ends[i] is the offset in text just past object i, so
 * object i is text[ends[i-1] .. ends[i]) with ends[-1] taken as 0.
 * Anything else (a scalar, an array holding a non-object, bad syntax) is
 * an error whose message names the problem and, for an array, the index
 * of the offending element.
 */
struct json_items {
	struct buf text;
	size_t *ends;
	size_t count;
	size_t cap;
};

#define JSON_ITEMS_INIT { BUF_INIT, NULL, 0, 0 }

int json_items_parse(struct json_items *items, const char *src, size_t len,
		     struct json_error *err);
void json_items_release(struct json_items *items);

#endif
