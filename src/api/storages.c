/*
 * Datasets, key-value stores and request queues: the routes an actor
 * calls while it runs. Dataset item export is in export/items.c.
 */
#include "api/storages.h"

#include <stdio.h>
#include <string.h>

#include "export/pipeline.h"
#include "http/accept_encoding.h"
#include "util/log.h"
#include "util/timeutil.h"

static void put_common(struct buf *b, const struct storage *s,
		       const char *username)
{
	api_put_str(b, 0, "id", s->id);
	api_put_str(b, 1, "name", s->name[0] ? s->name : NULL);
	api_put_str(b, 1, "userId", s->user_id);
	if (username)
		api_put_str(b, 1, "username", username);
	api_put_time(b, 1, "createdAt", s->created_at);
	api_put_time(b, 1, "modifiedAt", s->modified_at);
	api_put_time(b, 1, "accessedAt", s->accessed_at);
	api_put_str(b, 1, "actId", s->actor_id[0] ? s->actor_id : NULL);
	api_put_str(b, 1, "actRunId", s->run_id[0] ? s->run_id : NULL);
	api_put_str(b, 1, "generalAccess", "FOLLOW_USER_SETTING");
}

/*
 * The stats of a dataset or key-value store. Strict clients require every
 * counter, so reads and lists, which actord does not count, are 0.
 * s3StorageBytes, which the platform's lists carry, is the stored size
 * too. TODO: count reads and lists without a write on each read.
 */
static void put_storage_stats(struct buf *b, enum storage_kind kind,
			      const struct storage *s)
{
	buf_printf(b, ",\"stats\":{\"readCount\":0,\"writeCount\":%lld,",
		   (long long)s->write_count);
	if (kind == STORAGE_KVS)
		buf_printf(b, "\"deleteCount\":%lld,\"listCount\":0,",
			   (long long)s->delete_count);
	buf_printf(b, "\"storageBytes\":%lld,\"s3StorageBytes\":%lld}",
		   (long long)s->storage_bytes, (long long)s->storage_bytes);
}

void storage_to_json_user(struct buf *b, enum storage_kind kind,
			  const struct storage *s, const char *username)
{
	static const char *const paths[] = {
		"datasets", "key-value-stores", "request-queues",
	};

	buf_putc(b, '{');
	put_common(b, s, username);
	buf_printf(b, ",\"consoleUrl\":\"%s/v2/%s/%s\"", server_base_url(),
		   paths[kind], s->id);
	if (kind == STORAGE_DATASET) {
		/* cleanItemCount would need every item parsed; the count of
		 * all items is what the dataset contains before filtering. */
		buf_printf(b, ",\"itemCount\":%lld,\"cleanItemCount\":%lld,"
			   "\"fields\":[]", (long long)s->item_count,
			   (long long)s->item_count);
		buf_printf(b, ",\"itemsPublicUrl\":\"%s/v2/datasets/%s/items\"",
			   server_base_url(), s->id);
		put_storage_stats(b, kind, s);
	} else if (kind == STORAGE_KVS) {
		buf_printf(b, ",\"keysPublicUrl\":\"%s/v2/key-value-stores/%s/"
			   "keys\",\"recordsPublicUrl\":\"%s/v2/key-value-stores/"
			   "%s/records\"", server_base_url(), s->id,
			   server_base_url(), s->id);
		put_storage_stats(b, kind, s);
	} else {
		buf_printf(b, ",\"totalRequestCount\":%lld,"
			   "\"handledRequestCount\":%lld,"
			   "\"pendingRequestCount\":%lld,"
			   "\"hadMultipleClients\":%s,\"stats\":{}",
			   (long long)s->item_count,
			   (long long)s->handled_count,
			   (long long)(s->item_count - s->handled_count),
			   s->had_multiple_clients ? "true" : "false");
	}
	buf_putc(b, '}');
}

static void get_storage(struct req *r, enum storage_kind kind)
{
	struct storage s;
	struct buf b = BUF_INIT;

	if (api_find_storage(r, kind, r->params[0], &s))
		return;
	storage_to_json_user(&b, kind, &s, r->user.username);
	resp_data(r, 200, b.data, b.len);
	buf_release(&b);
}

void api_get_dataset(struct req *r)
{
	get_storage(r, STORAGE_DATASET);
}

void api_get_kvs(struct req *r)
{
	get_storage(r, STORAGE_KVS);
}

void api_get_items(struct req *r)
{
	struct export_request x;
	struct storage s;

	if (export_parse(r, &x) == 0 &&
	    api_find_storage(r, STORAGE_DATASET, r->params[0], &s) == 0)
		export_respond(r, 200, &s, &x);
	export_request_release(&x);
}

void api_push_items(struct req *r)
{
	struct json_items items = JSON_ITEMS_INIT;
	struct json_error err;
	struct storage s;
	int64_t first;

	if (api_find_storage(r, STORAGE_DATASET, r->params[0], &s))
		return;
	if (json_items_parse(&items, r->body.data ? r->body.data : "",
			     r->body.len, &err)) {
		resp_error(r, 400, "invalid-input", "Invalid items: %s (at"
			   " byte %zu). Send a JSON object or an array of"
			   " objects.", err.message, err.offset);
		goto out;
	}
	if (items.count &&
	    store_items_append(r->store, s.id, items.text.data, items.ends,
			       items.count, &first)) {
		resp_internal(r);
		goto out;
	}
	log_debug("api", "dataset %s: %zu items pushed", s.id, items.count);
	resp_empty(r, 201);
out:
	json_items_release(&items);
}

void api_get_record(struct req *r)
{
	struct storage s;
	struct kv_record rec;
	char disposition[300];	/* keys are at most 256 characters */
	int attachment, rc;

	if (api_query_bool(r, "attachment", 0, &attachment) ||
	    api_find_storage(r, STORAGE_KVS, r->params[0], &s))
		return;
	rc = store_record_get(r->store, s.id, r->params[1], &rec);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			resp_error(r, 404, "record-not-found", "Record '%s' was"
				   " not found in key-value store %s.",
				   r->params[1], s.id);
		return;
	}
	api_respond_record(r, 200, &rec);
	if (attachment && r->status == 200) {
		/* Valid keys need no quoting inside a quoted filename. */
		snprintf(disposition, sizeof(disposition),
			 "attachment; filename=\"%s\"", r->params[1]);
		resp_header(r, "Content-Disposition", disposition);
	}
}

/*
 * Decode a record kept with its Content-Encoding into out. Records are
 * limited to MAX_BODY_BYTES decoded when they are stored.
 * TODO: decode while the response is sent, not into memory first.
 */
static int decode_record(const struct kv_record *rec, struct buf *out)
{
	struct body_decoder *d = body_decoder_new(body_encoding_parse(
					rec->content_encoding));
	int rc = -1;

	if (d && body_decoder_feed(d, rec->value, rec->len, out,
				   MAX_BODY_BYTES) == BODY_DECODE_OK &&
	    body_decoder_finish(d) == BODY_DECODE_OK)
		rc = 0;
	body_decoder_free(d);
	return rc;
}

void api_respond_record(struct req *r, unsigned status,
			struct kv_record *rec)
{
	const char *accept = req_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct buf b = BUF_INIT;

	if (*rec->content_encoding &&
	    !accept_encoding_allows(accept, rec->content_encoding)) {
		if (decode_record(rec, &b)) {
			log_error("api", "stored %s record cannot be decoded",
				  rec->content_encoding);
			resp_internal(r);
		} else {
			resp_body(r, status, rec->content_type, &b);
		}
		goto out;
	}
	/* The stored bytes go out as they are; rec->value becomes b's. */
	b.data = rec->value;
	b.len = rec->len;
	b.cap = rec->len + 1;
	rec->value = NULL;
	if (*rec->content_encoding)
		resp_body_encoded(r, status, rec->content_type,
				  rec->content_encoding, &b);
	else
		resp_body(r, status, rec->content_type, &b);
out:
	buf_release(&b);
	store_record_release(rec);
}

int api_valid_record_key(const char *key)
{
	size_t n = strlen(key), i;

	if (n == 0 || n > 256)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789!-_.'()", key[i]))
			return 0;
	return 1;
}

/*
 * Store the request body as the record r->params[1]. A body sent with a
 * Content-Encoding is kept as sent; the server decoded it into r->body
 * while reading, which checked that it decodes.
 */
static int store_body(struct req *r, const char *kvs_id, const char *type)
{
	const char *coding;

	if (!r->keep_encoded || !r->encoded.len)
		return store_record_put(r->store, kvs_id, r->params[1], type,
					r->body.data, r->body.len);
	coding = body_encoding_name(body_encoding_parse(
			req_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING)));
	return store_record_put_encoded(r->store, kvs_id, r->params[1], type,
					coding, r->encoded.data,
					r->encoded.len);
}

void api_put_record(struct req *r)
{
	const char *type = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct storage s;

	if (api_find_storage(r, STORAGE_KVS, r->params[0], &s))
		return;
	if (!api_valid_record_key(r->params[1])) {
		resp_error(r, 400, "invalid-record-key", "Record key '%s' is"
			   " not valid: use 1 to 256 characters from"
			   " a-z, A-Z, 0-9 and !-_.'()", r->params[1]);
		return;
	}
	if (!type || !*type)
		type = "application/octet-stream";
	if (store_body(r, s.id, type)) {
		resp_internal(r);
		return;
	}
	resp_empty(r, 201);
}

int storages_create_for_run(struct store *st, struct run *run)
{
	struct storage s;
	int64_t now = time_now_ms();
	char *ids[3] = { run->dataset_id, run->kvs_id, run->rq_id };
	int kind;

	memset(&s, 0, sizeof(s));
	snprintf(s.user_id, sizeof(s.user_id), "%s", run->user_id);
	snprintf(s.actor_id, sizeof(s.actor_id), "%s", run->actor_id);
	snprintf(s.run_id, sizeof(s.run_id), "%s", run->id);
	s.created_at = s.modified_at = s.accessed_at = now;
	for (kind = STORAGE_DATASET; kind <= STORAGE_QUEUE; kind++) {
		id_new(s.id);
		memcpy(ids[kind], s.id, ID_SIZE);
		if (store_storage_create(st, (enum storage_kind)kind, &s))
			return -1;
	}
	return 0;
}
