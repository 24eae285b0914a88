/*
 * One writer per export format. The pipeline (pipeline.c) reads stored
 * items, runs them through the transformations, and hands each output
 * record to the format's writer, which appends bytes to out. The pipeline
 * sends out's bytes to the client between calls, so a writer never keeps
 * more than one record's output.
 *
 * Tabular writers (csv, html, xlsx) also get the columns, collected by a
 * first pass over the same records before the response starts
 * (columns.h).
 */
#ifndef ACTORD_EXPORT_WRITER_H
#define ACTORD_EXPORT_WRITER_H

#include "export/columns.h"
#include "export/record.h"
#include "util/buf.h"

/* The format options of a request, already validated. */
struct writer_options {
	char delimiter;			/* csv; ',' by default */
	int skip_header_row;		/* csv */
	const char *xml_root;		/* xml; "items" by default */
	const char *xml_row;		/* xml; "item" by default */
	const char *feed_title;		/* rss; never NULL */
	const char *feed_description;	/* rss; never NULL */
	const char *feed_link;		/* rss; the dataset's URL */
};

struct writer {
	const char *format;		/* "csv" */
	const char *content_type;	/* "text/csv; charset=utf-8" */
	const char *extension;		/* "csv", for attachment file names */
	int tabular;			/* needs columns */
	int bom_by_default;		/* csv only */

	/*
	 * Per-export state, made by begin() and freed by end() or, when the
	 * export stops early (client gone), by abort(). cols is NULL for
	 * formats that are not tabular.
	 */
	void *(*begin)(const struct writer_options *opt,
		       const struct columns *cols, struct buf *out);
	int (*record)(void *state, const struct record *rec, struct buf *out);
	/*
	 * Optional fast path of exports without transformations: write the
	 * stored item (compact JSON text of an object) as record() would
	 * write it parsed. Returns 0, or -1 with out unchanged when the
	 * item needs record(). NULL for writers without one.
	 */
	int (*stored_item)(void *state, const char *json, size_t len,
			   struct buf *out);
	/*
	 * Finish the output. Returns 1 when it has appended part of the
	 * rest and wants another call: a writer with a large tail, such as
	 * an xlsx file, hands it over in pieces of about 64 KiB. Returns 0
	 * when the output is complete and the state freed, and -1 on
	 * failure, with the state freed and the output incomplete.
	 */
	int (*end)(void *state, struct buf *out);
	/* Free the state of an export that stops before end() returned 0. */
	void (*abort)(void *state);
};

/* The writer of a format name, or NULL for an unknown format. */
const struct writer *writer_find(const char *format);
/* Append the accepted format names, "json, jsonl, ...", for messages. */
void writer_format_list(struct buf *out);

extern const struct writer writer_json, writer_jsonl, writer_csv,
	writer_html, writer_xlsx, writer_xml, writer_rss;

#endif
