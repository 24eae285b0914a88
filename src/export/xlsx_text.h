/*
 * The text of an xlsx string cell, as the <t> element of an inline
 * string. Characters that XML 1.0 cannot contain are dropped: C0 controls
 * other than tab, LF and CR, U+FFFE and U+FFFF. The value is cut at
 * Excel's 32767 UTF-16 code units. Text that spreadsheet programs would
 * read as an escape is escaped itself. Implemented in xlsx_text.c.
 */
#ifndef ACTORD_EXPORT_XLSX_TEXT_H
#define ACTORD_EXPORT_XLSX_TEXT_H

#include <stddef.h>

#include "util/buf.h"

/* Excel's maximum characters in a cell, counted in UTF-16 code units. */
#define XLSX_CELL_CHARS_MAX 32767

/* Scratch memory reused from cell to cell; starts zeroed. */
struct xlsx_text {
	struct buf clean;
};

/*
 * Append <t>value</t> for the len bytes of valid UTF-8 at s, with
 * xml:space="preserve" when the value starts or ends with whitespace, so
 * that readers keep it. Returns the length of the escaped value, 0 when
 * nothing of s was left.
 */
size_t xlsx_text_put(struct xlsx_text *t, struct buf *out, const char *s,
		     size_t len);

void xlsx_text_release(struct xlsx_text *t);

#endif
