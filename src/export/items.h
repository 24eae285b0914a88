/*
 * Streaming dataset items to a client as json or jsonl. Items are stored
 * as compact JSON, so both formats are the stored bytes with separators:
 * nothing is parsed or re-printed, and memory stays at one batch however
 * large the dataset.
 */
#ifndef ACTORD_EXPORT_ITEMS_H
#define ACTORD_EXPORT_ITEMS_H

#include "api/api.h"

/* The page of a dataset a request selects, as index bounds. */
struct item_range {
	int64_t from, to;	/* stored indexes [from, to) */
	int64_t total;		/* items in the dataset */
};

void item_range_compute(const struct page *p, int64_t total,
			struct item_range *out);

/*
 * Make the response: status, the format's Content-Type, the pagination
 * headers, and a body that reads items from the store as the client
 * takes them.
 */
void export_items(struct req *r, unsigned status, const char *dataset_id,
		  int64_t total, const struct page *p);

#endif
