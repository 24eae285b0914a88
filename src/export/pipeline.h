/*
 * The dataset export: the query parameters of an items request, and the
 * response that reads the stored items, transforms them and writes them in
 * the requested format while the client reads. Every items route (dataset,
 * run, runs/last, run-sync) goes through here.
 */
#ifndef ACTORD_EXPORT_PIPELINE_H
#define ACTORD_EXPORT_PIPELINE_H

#include <stdint.h>

#include "export/transform.h"
#include "export/writer.h"
#include "http/request.h"

struct export_request {
	int64_t offset;
	int64_t limit;		/* 0: no limit */
	int desc;
	int bom;
	int attachment;
	const struct writer *writer;
	struct writer_options format;
	struct transform_options transform;
	struct name_list owned;	/* every string above that is ours */
};

/* The page of a dataset a request selects, as stored indexes. */
struct item_range {
	int64_t from, to;	/* [from, to) */
	int64_t total;		/* items in the dataset */
};

void item_range_compute(int64_t offset, int64_t limit, int desc,
			int64_t total, struct item_range *out);

/*
 * Read and check the query parameters. Returns 0, or -1 with a 400
 * invalid-input response made that names the parameter. Release x with
 * export_request_release() either way.
 */
int export_parse(struct req *r, struct export_request *x);
void export_request_release(struct export_request *x);
/* Copy len bytes of s into a string x owns, and return it. */
char *export_request_own(struct export_request *x, const char *s, size_t len);

/*
 * Respond with the selected items of dataset ds: status, the format's
 * Content-Type, the pagination headers, and a streamed body. Tabular
 * formats read the page once for the columns before responding, so a
 * column error is still a 400. Takes over x's contents.
 */
void export_respond(struct req *r, unsigned status, const struct storage *ds,
		    struct export_request *x);

#endif
