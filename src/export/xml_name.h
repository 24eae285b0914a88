/*
 * XML element and attribute names for the xml and rss exports: the check the
 * pipeline runs on the xmlRoot and xmlRow parameters, and the rule that turns
 * any item key into a name. Both are implemented in write_xml.c.
 */
#ifndef ACTORD_EXPORT_XML_NAME_H
#define ACTORD_EXPORT_XML_NAME_H

#include <stddef.h>

#include "util/buf.h"

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

#endif
