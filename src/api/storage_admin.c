/*
 * Managing datasets, key-value stores and request queues: the lists, the
 * get-or-create POST, rename and delete, dataset statistics, and a
 * store's key list and record deletion. The routes an actor calls on its
 * hot paths (items, records) are in storages.c.
 */
#include "api/storages.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

static const char *kind_what(enum storage_kind kind)
{
	return kind == STORAGE_DATASET ? "Dataset" :
	       kind == STORAGE_KVS ? "Key-value store" : "Request queue";
}

struct list_ctx {
	struct list_page page;
	enum storage_kind kind;
	const char *username;	/* the owner's, borrowed from the request */
};

static int put_storage(void *ctx, const struct storage *s)
{
	struct list_ctx *c = ctx;

	if (c->page.count++)
		buf_putc(&c->page.items, ',');
	storage_to_json_user(&c->page.items, c->kind, s, c->username);
	return 0;
}

/* GET /v2/{datasets,key-value-stores,request-queues}: the user's named
 * storages, or all of them with unnamed=1. */
static void list_storages(struct req *r, enum storage_kind kind)
{
	struct list_ctx c;
	int unnamed;

	if (api_list_begin(r, &c.page))
		return;
	c.kind = kind;
	c.username = r->user.username;
	if (api_query_bool(r, "unnamed", 0, &unnamed))
		goto out;
	buf_putc(&c.page.items, '[');
	if (store_storage_list(r->store, kind, r->user.id, unnamed,
			       c.page.offset, c.page.limit, c.page.desc,
			       put_storage, &c, &c.page.total)) {
		resp_internal(r);
		goto out;
	}
	buf_putc(&c.page.items, ']');
	api_list_respond(r, &c.page);
out:
	api_list_release(&c.page);
}

/* Return 1 for a valid storage name: 1 to 63 of a-zA-Z0-9._- (no '~',
 * which separates the username in a reference). */
static int valid_storage_name(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 63 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
		      "WXYZ0123456789._-") == n;
}

static void respond_storage(struct req *r, unsigned status,
			    enum storage_kind kind, const struct storage *s)
{
	struct buf b = BUF_INIT;

	storage_to_json_user(&b, kind, s, r->user.username);
	resp_data(r, status, b.data, b.len);
	buf_release(&b);
}

/*
 * POST /v2/{collection}?name=: the user's storage of that name, 200 when
 * it exists and 201 when made now; without a name a new unnamed one. The
 * body is ignored whatever its type: the JS SDK sends an empty form.
 */
static void create_storage(struct req *r, enum storage_kind kind)
{
	const char *name = req_query(r, "name");
	struct storage s;
	int rc;

	if (name && *name && !valid_storage_name(name)) {
		resp_error(r, 400, "invalid-input", "Parameter 'name' must be 1"
			   " to 63 characters from a-z, A-Z, 0-9, '.', '_' and"
			   " '-', got '%s'.", name);
		return;
	}
	if (name && *name) {
		rc = store_storage_find(r->store, kind, r->user.id, name, &s);
		if (rc == 0) {
			respond_storage(r, 200, kind, &s);
			return;
		}
		if (rc < 0) {
			resp_internal(r);
			return;
		}
	}
	memset(&s, 0, sizeof(s));
	id_new(s.id);
	snprintf(s.user_id, sizeof(s.user_id), "%s", r->user.id);
	snprintf(s.name, sizeof(s.name), "%s", name ? name : "");
	s.created_at = s.modified_at = s.accessed_at = time_now_ms();
	rc = store_storage_create(r->store, kind, &s);
	if (rc == STORE_CONFLICT && name && *name &&
	    store_storage_find(r->store, kind, r->user.id, name, &s) == 0) {
		/* Another request made it between the lookup and ours. */
		respond_storage(r, 200, kind, &s);
		return;
	}
	if (rc) {
		resp_internal(r);
		return;
	}
	log_info("api", "%s %s created by user %s", kind_what(kind), s.id,
		 r->user.id);
	respond_storage(r, 201, kind, &s);
}

/* PUT /v2/{collection}/:id with {"name": ...}: rename, or make unnamed
 * with null. Other fields are accepted and ignored. */
static void update_storage(struct req *r, enum storage_kind kind)
{
	struct json_doc *body = NULL;
	const struct json *name;
	struct storage s;
	int rc;

	if (api_find_storage(r, kind, r->params[0], &s) ||
	    api_body_object(r, 0, &body))
		return;
	name = json_get(json_root(body), "name");
	if (name && name->type != JSON_NULL &&
	    (name->type != JSON_STRING || strlen(name->str) != name->len ||
	     !valid_storage_name(name->str))) {
		struct buf shown = BUF_INIT;

		json_write(&shown, name);
		resp_error(r, 400, "invalid-input", "Field 'name' must be null"
			   " or 1 to 63 characters from a-z, A-Z, 0-9, '.', '_'"
			   " and '-', got %s.", shown.data);
		buf_release(&shown);
		goto out;
	}
	if (name) {
		rc = store_storage_rename(r->store, kind, s.id,
					  name->type == JSON_STRING ?
					  name->str : NULL);
		if (rc == STORE_CONFLICT) {
			resp_error(r, 409, "record-duplicate", "%s name '%s' is"
				   " already taken by another of your"
				   " storages.", kind_what(kind), name->str);
			goto out;
		}
		if (rc || store_storage_get(r->store, kind, s.id, &s)) {
			resp_internal(r);
			goto out;
		}
	}
	respond_storage(r, 200, kind, &s);
out:
	json_doc_free(body);
}

static void delete_storage(struct req *r, enum storage_kind kind)
{
	struct storage s;

	if (api_find_storage(r, kind, r->params[0], &s))
		return;
	if (store_storage_delete(r->store, kind, s.id) < 0) {
		resp_internal(r);
		return;
	}
	log_info("api", "%s %s deleted by user %s", kind_what(kind), s.id,
		 r->user.id);
	resp_empty(r, 204);
}

void api_list_datasets(struct req *r) { list_storages(r, STORAGE_DATASET); }
void api_list_kvss(struct req *r) { list_storages(r, STORAGE_KVS); }
void api_create_dataset(struct req *r) { create_storage(r, STORAGE_DATASET); }
void api_create_kvs(struct req *r) { create_storage(r, STORAGE_KVS); }
void api_update_dataset(struct req *r) { update_storage(r, STORAGE_DATASET); }
void api_update_kvs(struct req *r) { update_storage(r, STORAGE_KVS); }
void api_delete_dataset(struct req *r) { delete_storage(r, STORAGE_DATASET); }
void api_delete_kvs(struct req *r) { delete_storage(r, STORAGE_KVS); }

/* GET /v2/datasets/:id/statistics. */
void api_get_dataset_statistics(struct req *r)
{
	static const char body[] = "{\"fieldStatistics\":{}}";
	struct storage s;

	/* TODO: per-field statistics (null, empty and type counts) need every
	 * item parsed; an empty object is what a schema-less dataset gets. */
	if (api_find_storage(r, STORAGE_DATASET, r->params[0], &s))
		return;
	resp_data(r, 200, body, sizeof(body) - 1);
}

struct keys_ctx {
	struct buf items;
	const char *kvs_id;
	int64_t count, limit;
	int truncated;		/* a key follows the page */
	char last[257];		/* keys are at most 256 characters */
};

static int put_key(void *ctx, const char *key, int64_t size)
{
	struct keys_ctx *c = ctx;

	if (c->count == c->limit) {
		c->truncated = 1;	/* the one past the page */
		return 1;
	}
	if (c->count++)
		buf_putc(&c->items, ',');
	buf_puts(&c->items, "{\"key\":");
	buf_put_json_cstr(&c->items, key);
	buf_printf(&c->items, ",\"size\":%lld", (long long)size);
	/* A valid key holds only characters that a URL path and a JSON
	 * string carry as they are. */
	if (api_valid_record_key(key))
		buf_printf(&c->items, ",\"recordPublicUrl\":\"%s/v2/"
			   "key-value-stores/%s/records/%s\"",
			   server_base_url(), c->kvs_id, key);
	buf_putc(&c->items, '}');
	snprintf(c->last, sizeof(c->last), "%s", key);
	return 0;
}

/*
 * GET /v2/key-value-stores/:id/keys?exclusiveStartKey=&limit=&prefix=:
 * the keys after exclusiveStartKey in UTF-8 byte order, at most limit
 * (default and maximum 1000).
 */
void api_list_keys(struct req *r)
{
	const char *start = req_query(r, "exclusiveStartKey");
	const char *prefix = req_query(r, "prefix");
	struct keys_ctx c;
	struct buf out = BUF_INIT;
	struct storage s;

	memset(&c, 0, sizeof(c));
	if (api_find_storage(r, STORAGE_KVS, r->params[0], &s) ||
	    api_query_int(r, "limit", 1000, &c.limit))
		return;
	if (c.limit == 0 || c.limit > 1000)
		c.limit = 1000;
	c.kvs_id = s.id;
	if (store_record_keys(r->store, s.id, start ? start : "",
			      prefix ? prefix : "", c.limit + 1, put_key, &c)) {
		resp_internal(r);
		goto out;
	}
	buf_puts(&out, "{\"items\":[");
	buf_append(&out, c.items.data, c.items.len);
	buf_printf(&out, "],\"count\":%lld,\"limit\":%lld,"
		   "\"exclusiveStartKey\":", (long long)c.count,
		   (long long)c.limit);
	if (start && *start)
		buf_put_json_cstr(&out, start);
	else
		buf_puts(&out, "null");
	/* put_key stops at the first key past the page: count == limit
	 * alone does not tell whether more keys follow. */
	buf_printf(&out, ",\"isTruncated\":%s,\"nextExclusiveStartKey\":",
		   c.truncated ? "true" : "false");
	if (c.truncated)
		buf_put_json_cstr(&out, c.last);
	else
		buf_puts(&out, "null");
	buf_putc(&out, '}');
	resp_data(r, 200, out.data, out.len);
out:
	buf_release(&out);
	buf_release(&c.items);
}

/* DELETE /v2/key-value-stores/:id/records/:key: 204, also when the record
 * did not exist (the SDK deletes with setValue(key, null) unchecked). */
void api_delete_record(struct req *r)
{
	struct storage s;

	if (api_find_storage(r, STORAGE_KVS, r->params[0], &s))
		return;
	if (store_record_delete(r->store, s.id, r->params[1]) < 0) {
		resp_internal(r);
		return;
	}
	resp_empty(r, 204);
}
