/*
 * XML names and text for the xml and rss exports: the check the pipeline
 * runs on the xmlRoot and xmlRow parameters, the rule that turns any item
 * key into a name, and the escaping of character data and attribute
 * values. Implemented in xml_text.c.
 */
#ifndef ACTORD_EXPORT_XML_TEXT_H
#define ACTORD_EXPORT_XML_TEXT_H

#include <stddef.h>

#include "util/buf.h"

/*
 * The depth of the deepest element written, the root being 1. xmllint of
 * libxml2 2.9.14 rejects a document nested more than 257 elements deep
 * unless given --huge. JSON may nest up to JSON_MAX_DEPTH, so an object or
 * nested array whose children would lie deeper is written as JSON text.
 */
#define XML_MAX_DEPTH 256

/*
 * 1 if name is a valid XML 1.0 (fifth edition) Name without ':', 0 if not
 * or if name is NULL or not valid UTF-8. A colon is rejected because it
 * would start a namespace prefix that no declaration binds.
 */
int xml_name_valid(const char *name);

/*
 * Append the len bytes of key made into a valid name. Every character that
 * cannot appear in a name (a space, ':', '@', '#', punctuation, a control
 * character, a byte that is not UTF-8) becomes one '_'. A first character
 * that may appear in a name but not start one (a digit, '-', '.') gets a
 * '_' before it, and an empty key becomes "_". A valid name is appended as
 * it is. Different keys can give the same name ("a b" and "a:b" give "a_b").
 */
void xml_name_put(struct buf *out, const char *key, size_t len);

/*
 * 1 if the len bytes at s are a valid name made of ASCII characters only,
 * which xml_name_put() copies unchanged: most keys are.
 */
int xml_name_is_ascii(const char *s, size_t len);

/*
 * Append len bytes of text escaped for character data or, when attribute
 * is set, for a value between double quotes. XML 1.0 excludes control
 * characters other than tab, LF and CR, and U+FFFE and U+FFFF, so they are
 * dropped. A byte that starts no UTF-8 character becomes U+FFFD. DEL and
 * the C1 controls are allowed by XML 1.0 and kept.
 */
void xml_text_put(struct buf *out, const char *s, size_t len, int attribute);

/*
 * xml_text_put() for text known to be valid UTF-8, such as a string that
 * the JSON parser decoded: the same output, at a table lookup per byte.
 */
void xml_valid_text_put(struct buf *out, const char *s, size_t len,
			int attribute);

#endif
