/*
 * json and jsonl export; see items.h. MHD pulls the body through
 * read_items(); each pull that finds the pending batch used up reads the
 * next ITEMS_PER_BATCH items from the store into it.
 */
#include "export/items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define ITEMS_PER_BATCH 256

/* The limit reported when the request sets none, as the platform does. */
#define NO_LIMIT 999999999999LL

struct export_state {
	char dataset_id[ID_SIZE];
	struct item_range range;
	int desc;
	int jsonl;
	int64_t next;		/* items of the range already batched */
	int started;		/* json "[" written */
	int finished;		/* closing bytes written */
	struct buf pending;
	size_t pending_pos;
};

void item_range_compute(const struct page *p, int64_t total,
			struct item_range *out)
{
	int64_t offset = p->offset < total ? p->offset : total;
	int64_t count = total - offset;

	if (p->limit && p->limit < count)
		count = p->limit;
	/* With desc the offset counts from the newest item. */
	out->from = p->desc ? total - offset - count : offset;
	out->to = out->from + count;
	out->total = total;
}

static int append_item(void *ctx, int64_t index, const char *json, size_t len)
{
	struct export_state *s = ctx;

	(void)index;
	if (s->jsonl) {
		buf_append(&s->pending, json, len);
		buf_putc(&s->pending, '\n');
	} else {
		if (s->started > 1)
			buf_putc(&s->pending, ',');
		s->started = 2;
		buf_append(&s->pending, json, len);
	}
	return 0;
}

/* Fill pending with the next batch; returns -1 on a store error. */
static int next_batch(struct export_state *s)
{
	int64_t count = s->range.to - s->range.from;
	int64_t n = count - s->next;
	int64_t from, to;
	struct store *st = store_thread();

	buf_reset(&s->pending);
	s->pending_pos = 0;
	if (!s->jsonl && !s->started) {
		buf_putc(&s->pending, '[');
		s->started = 1;
	}
	if (n > ITEMS_PER_BATCH)
		n = ITEMS_PER_BATCH;
	if (n > 0) {
		if (s->desc) {
			to = s->range.to - s->next;
			from = to - n;
		} else {
			from = s->range.from + s->next;
			to = from + n;
		}
		if (!st || store_items_read(st, s->dataset_id, from, to,
					    s->desc, append_item, s))
			return -1;
		s->next += n;
	}
	if (s->next >= count && !s->finished) {
		if (!s->jsonl)
			buf_putc(&s->pending, ']');
		s->finished = 1;
	}
	return 0;
}

static ssize_t read_items(void *cls, uint64_t pos, char *out, size_t max)
{
	struct export_state *s = cls;
	size_t n;

	(void)pos;
	while (s->pending_pos == s->pending.len) {
		if (s->finished)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (next_batch(s)) {
			log_error("export", "cannot read items of dataset %s;"
				  " ending the response early", s->dataset_id);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
	n = s->pending.len - s->pending_pos;
	if (n > max)
		n = max;
	memcpy(out, s->pending.data + s->pending_pos, n);
	s->pending_pos += n;
	return (ssize_t)n;
}

static void free_state(void *cls)
{
	struct export_state *s = cls;

	buf_release(&s->pending);
	free(s);
}

void export_items(struct req *r, unsigned status, const char *dataset_id,
		  int64_t total, const struct page *p)
{
	struct export_state *s = xcalloc(1, sizeof(*s));
	char num[32];

	snprintf(s->dataset_id, sizeof(s->dataset_id), "%s", dataset_id);
	item_range_compute(p, total, &s->range);
	s->desc = p->desc;
	s->jsonl = p->jsonl;
	resp_stream(r, status, p->jsonl ? "application/jsonl; charset=utf-8" :
		    "application/json; charset=utf-8", read_items, s,
		    free_state);
	snprintf(num, sizeof(num), "%lld", (long long)p->offset);
	resp_header(r, "X-Apify-Pagination-Offset", num);
	snprintf(num, sizeof(num), "%lld",
		 (long long)(p->limit ? p->limit : NO_LIMIT));
	resp_header(r, "X-Apify-Pagination-Limit", num);
	snprintf(num, sizeof(num), "%lld",
		 (long long)(s->range.to - s->range.from));
	resp_header(r, "X-Apify-Pagination-Count", num);
	snprintf(num, sizeof(num), "%lld", (long long)total);
	resp_header(r, "X-Apify-Pagination-Total", num);
	resp_header(r, "X-Apify-Pagination-Desc", p->desc ? "true" : "false");
}
