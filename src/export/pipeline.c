/*
 * The export response; see pipeline.h. MHD pulls the body through
 * read_export(). When the pending output is used up, the next pull reads
 * ITEMS_PER_BATCH more stored items and runs them through the
 * transformations and the writer. Untransformed json and jsonl skip both
 * and copy the stored bytes.
 */
#include "export/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/shapes.h"
#include "http/response.h"
#include "util/log.h"

#define ITEMS_PER_BATCH 256

/* The limit reported when the request sets none, as the platform does. */
#define NO_LIMIT 999999999999LL

static const char UTF8_BOM[] = "\xEF\xBB\xBF";

enum phase { PHASE_BEGIN, PHASE_ITEMS, PHASE_END, PHASE_DONE };

struct export_state {
	char dataset_id[ID_SIZE];
	struct item_range range;
	struct export_request req;
	enum phase phase;
	int64_t next;		/* items of the range already read */
	int raw;		/* copy stored bytes: json or jsonl, no transform */
	int stored_items;	/* no transform: try writer->stored_item */
	size_t raw_written;
	struct transform *transform;
	struct columns *columns;
	void *writer_state;
	struct buf pending;
	size_t pending_pos;
	int failed;
	int64_t records;	/* output records counted by the column pass */
	struct shapes *shapes;	/* during the column pass only */
	struct req *req_http;	/* during the column pass only */
	int client_gone;
};

/* Rows an xlsx worksheet has room for besides its header row. */
#define XLSX_MAX_RECORDS (1048576 - 1)

void item_range_compute(int64_t offset, int64_t limit, int desc,
			int64_t total, struct item_range *out)
{
	int64_t start = offset < total ? offset : total;
	int64_t count = total - start;

	if (limit && limit < count)
		count = limit;
	/* With desc the offset counts from the newest item. */
	out->from = desc ? total - start - count : start;
	out->to = out->from + count;
	out->total = total;
}

static int emit_record(void *ctx, const struct record *rec)
{
	struct export_state *s = ctx;

	return s->req.writer->record(s->writer_state, rec, &s->pending);
}

static int add_item(void *ctx, int64_t index, const char *json, size_t len)
{
	struct export_state *s = ctx;

	(void)index;
	if (s->stored_items && !s->req.writer->stored_item(s->writer_state,
							   json, len,
							   &s->pending))
		return 0;
	if (!s->raw) {
		if (transform_item(s->transform, json, len, emit_record, s))
			s->failed = 1;
		return s->failed;
	}
	if (s->req.writer == &writer_jsonl) {
		buf_append(&s->pending, json, len);
		buf_putc(&s->pending, '\n');
	} else {
		if (s->raw_written++)
			buf_putc(&s->pending, ',');
		buf_append(&s->pending, json, len);
	}
	return 0;
}

/* Read the next batch of stored items into pending. */
static int read_batch(struct export_state *s)
{
	int64_t count = s->range.to - s->range.from;
	int64_t n = count - s->next;
	int64_t from, to;
	struct store *st = store_thread();

	if (n > ITEMS_PER_BATCH)
		n = ITEMS_PER_BATCH;
	if (n <= 0) {
		s->phase = PHASE_END;
		return 0;
	}
	if (s->req.desc) {
		to = s->range.to - s->next;
		from = to - n;
	} else {
		from = s->range.from + s->next;
		to = from + n;
	}
	s->next += n;
	if (!st || store_items_read(st, s->dataset_id, from, to, s->req.desc,
				    add_item, s))
		return -1;
	return s->failed ? -1 : 0;
}

/* Refill pending with the next part of the output; -1 on failure. */
static int produce(struct export_state *s)
{
	int rc;

	buf_reset(&s->pending);
	s->pending_pos = 0;
	switch (s->phase) {
	case PHASE_BEGIN:
		if (s->req.bom)
			buf_puts(&s->pending, UTF8_BOM);
		if (s->raw && s->req.writer == &writer_json)
			buf_putc(&s->pending, '[');
		else if (!s->raw)
			s->writer_state = s->req.writer->begin(&s->req.format,
					s->columns, &s->pending);
		s->phase = PHASE_ITEMS;
		return 0;
	case PHASE_ITEMS:
		return read_batch(s);
	case PHASE_END:
		if (s->raw) {
			if (s->req.writer == &writer_json)
				buf_putc(&s->pending, ']');
			s->phase = PHASE_DONE;
			return 0;
		}
		rc = s->req.writer->end(s->writer_state, &s->pending);
		if (rc != 1) {
			s->writer_state = NULL;
			s->phase = PHASE_DONE;
		}
		return rc < 0 ? -1 : 0;
	case PHASE_DONE:
		break;
	}
	return 0;
}

static ssize_t read_export(void *cls, uint64_t pos, char *out, size_t max)
{
	struct export_state *s = cls;
	size_t n;

	(void)pos;
	while (s->pending_pos == s->pending.len) {
		if (s->phase == PHASE_DONE)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (produce(s)) {
			log_error("export", "cannot export dataset %s as %s;"
				  " ending the response early", s->dataset_id,
				  s->req.writer->format);
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

/* Free an export, also one whose client left mid-way. */
static void free_state(void *cls)
{
	struct export_state *s = cls;

	if (s->writer_state)
		s->req.writer->abort(s->writer_state);
	if (s->transform)
		transform_free(s->transform);
	if (s->columns)
		columns_free(s->columns);
	shapes_free(s->shapes);
	export_request_release(&s->req);
	buf_release(&s->pending);
	free(s);
}

static int collect_columns(void *ctx, const struct record *rec)
{
	struct export_state *s = ctx;

	s->records++;
	return columns_add(s->columns, rec);
}

/* Items between two checks that the client is still there. */
#define ITEMS_PER_CLIENT_CHECK 1024

static int add_columns_of_item(void *ctx, int64_t index, const char *json,
			       size_t len)
{
	struct export_state *s = ctx;
	int64_t records, before = s->records;

	if (shapes_find(s->shapes, json, len, &records)) {
		s->records += records;
	} else if (transform_item(s->transform, json, len, collect_columns,
				  s)) {
		s->failed = 1;
	} else {
		shapes_add(s->shapes, s->records - before);
	}
	/* The pass keeps a worker thread busy for seconds on a large
	 * dataset, so a client that left must not keep it going. */
	if (index % ITEMS_PER_CLIENT_CHECK == 0 && req_client_gone(s->req_http))
		s->client_gone = 1;
	return s->failed || s->client_gone;
}

/*
 * The first pass of a tabular export; -1 with a response made.
 * NOTE: the status line waits for this pass, so no byte of a csv, html or
 * xlsx export leaves before the last item of the page has been read once.
 */
static int find_columns(struct req *r, struct export_state *s)
{
	const struct name_list *order = s->req.transform.output_fields.count ?
		&s->req.transform.output_fields : &s->req.transform.fields;
	struct store *st = store_thread();

	/* Records carry the renamed keys when outputFields is given. */
	s->columns = columns_new(order->names, order->count);
	s->shapes = shapes_new();
	s->req_http = r;
	if (!st || store_items_read(st, s->dataset_id, s->range.from,
				    s->range.to, s->req.desc, add_columns_of_item,
				    s)) {
		resp_internal(r);
		return -1;
	}
	s->req_http = NULL;
	shapes_free(s->shapes);
	s->shapes = NULL;
	if (s->client_gone) {
		log_debug("export", "client left during the column pass of"
			  " dataset %s", s->dataset_id);
		r->client_gone = 1;
		return -1;
	}
	if (s->req.writer == &writer_xlsx && s->records > XLSX_MAX_RECORDS) {
		resp_error(r, 400, "invalid-input", "The export has %lld items,"
			   " more than the %d rows an xlsx worksheet holds;"
			   " choose fewer with 'offset' and 'limit'.",
			   (long long)s->records, XLSX_MAX_RECORDS);
		return -1;
	}
	if (s->failed) {
		resp_error(r, 400, "invalid-input", "The items have more than %d"
			   " columns, the most a table (format %s) can have;"
			   " choose the columns with the 'fields' parameter.",
			   COLUMNS_MAX, s->req.writer->format);
		return -1;
	}
	return 0;
}

static void set_feed_defaults(struct export_state *s, const struct storage *ds)
{
	struct writer_options *f = &s->req.format;
	struct buf b = BUF_INIT;

	if (!f->feed_title) {
		buf_printf(&b, "Dataset %s", ds->name[0] ? ds->name : ds->id);
		f->feed_title = export_request_own(&s->req, b.data, b.len);
		buf_reset(&b);
	}
	if (!f->feed_description) {
		buf_printf(&b, "Items of the dataset %s", ds->id);
		f->feed_description = export_request_own(&s->req, b.data, b.len);
		buf_reset(&b);
	}
	buf_printf(&b, "%s/v2/datasets/%s/items", server_base_url(), ds->id);
	f->feed_link = export_request_own(&s->req, b.data, b.len);
	buf_release(&b);
}

static void set_headers(struct req *r, const struct export_state *s,
			const struct storage *ds)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)s->req.offset);
	resp_header(r, "X-Apify-Pagination-Offset", num);
	snprintf(num, sizeof(num), "%lld",
		 (long long)(s->req.limit ? s->req.limit : NO_LIMIT));
	resp_header(r, "X-Apify-Pagination-Limit", num);
	snprintf(num, sizeof(num), "%lld",
		 (long long)(s->range.to - s->range.from));
	resp_header(r, "X-Apify-Pagination-Count", num);
	snprintf(num, sizeof(num), "%lld", (long long)s->range.total);
	resp_header(r, "X-Apify-Pagination-Total", num);
	resp_header(r, "X-Apify-Pagination-Desc", s->req.desc ? "true" : "false");
	if (s->req.attachment) {
		struct buf d = BUF_INIT;

		buf_printf(&d, "attachment; filename=\"%s.%s\"",
			   ds->name[0] ? ds->name : ds->id,
			   s->req.writer->extension);
		resp_header(r, "Content-Disposition", d.data);
		buf_release(&d);
	}
}

void export_respond(struct req *r, unsigned status, const struct storage *ds,
		    struct export_request *x)
{
	struct export_state *s = xcalloc(1, sizeof(*s));

	snprintf(s->dataset_id, sizeof(s->dataset_id), "%s", ds->id);
	s->req = *x;
	memset(x, 0, sizeof(*x));
	item_range_compute(s->req.offset, s->req.limit, s->req.desc,
			   ds->item_count, &s->range);
	s->raw = transform_is_identity(&s->req.transform) &&
		 (s->req.writer == &writer_json || s->req.writer == &writer_jsonl);
	s->stored_items = !s->raw && s->req.writer->stored_item &&
			  transform_is_identity(&s->req.transform);
	if (!s->raw)
		s->transform = transform_new(&s->req.transform);
	set_feed_defaults(s, ds);
	if (s->req.writer->tabular && find_columns(r, s)) {
		free_state(s);
		return;
	}
	resp_stream(r, status, s->req.writer->content_type, read_export, s,
		    free_state);
	set_headers(r, s, ds);
}
