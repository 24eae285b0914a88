/*
 * Helpers shared by the API handlers; see api.h.
 */
#include "api/api.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

unsigned api_sync_wait_secs = 300;

void api_not_found(struct req *r, const char *what, const char *ref)
{
	resp_error(r, 404, "record-not-found", "%s '%s' was not found.", what,
		   ref);
}

/*
 * Split "username~name" or "~name". Returns 1 with the owner's id in
 * user_id and name pointing into ref, 0 when ref is a plain id, -1 with a
 * response made when the username is unknown.
 */
static int split_ref(struct req *r, const char *what, const char *ref,
		     char user_id[ID_SIZE], const char **name)
{
	const char *tilde = strchr(ref, '~');
	struct user owner;
	char username[64];
	size_t n;
	int rc;

	if (!tilde)
		return 0;
	*name = tilde + 1;
	n = (size_t)(tilde - ref);
	if (n == 0) {
		snprintf(user_id, ID_SIZE, "%s", r->user.id);
		return 1;
	}
	if (n >= sizeof(username)) {
		api_not_found(r, what, ref);
		return -1;
	}
	memcpy(username, ref, n);
	username[n] = '\0';
	rc = store_user_by_name(r->store, username, &owner);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, what, ref);
		return -1;
	}
	snprintf(user_id, ID_SIZE, "%s", owner.id);
	return 1;
}

static int check_owner(struct req *r, const char *what, const char *ref,
		       const char *owner_id)
{
	if (r->authenticated && !strcmp(owner_id, r->user.id))
		return 0;
	resp_error(r, 403, "permission-denied", "You do not have permission"
		   " to access the %s '%s'.", what, ref);
	return -1;
}

static const char *doc_what(enum store_kind kind)
{
	return kind == STORE_ACTOR ? "Actor" : "Actor task";
}

int api_find_doc(struct req *r, enum store_kind kind, const char *ref,
		 struct store_doc *out)
{
	char user_id[ID_SIZE];
	const char *name = NULL;
	int rc = split_ref(r, doc_what(kind), ref, user_id, &name);

	if (rc < 0)
		return -1;
	rc = rc ? store_doc_find(r->store, kind, user_id, name, out) :
		  store_doc_get(r->store, kind, ref, out);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, doc_what(kind), ref);
		return -1;
	}
	if (check_owner(r, doc_what(kind), ref, out->user_id)) {
		store_doc_release(out);
		return -1;
	}
	return 0;
}

static const char *storage_what(enum storage_kind kind)
{
	return kind == STORAGE_DATASET ? "Dataset" :
	       kind == STORAGE_KVS ? "Key-value store" : "Request queue";
}

int api_find_storage(struct req *r, enum storage_kind kind, const char *ref,
		     struct storage *out)
{
	char user_id[ID_SIZE];
	const char *name = NULL;
	int rc = split_ref(r, storage_what(kind), ref, user_id, &name);

	if (rc < 0)
		return -1;
	rc = rc ? store_storage_find(r->store, kind, user_id, name, out) :
		  store_storage_get(r->store, kind, ref, out);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, storage_what(kind), ref);
		return -1;
	}
	return check_owner(r, storage_what(kind), ref, out->user_id);
}

int api_query_int(struct req *r, const char *name, int64_t def, int64_t *out)
{
	const char *v = req_query(r, name);
	char *end;
	long long n;

	*out = def;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end || n < 0 || !(*v >= '0' && *v <= '9')) {
		resp_error(r, 400, "invalid-input", "Parameter '%s' must be a"
			   " non-negative integer, got '%s'.", name, v);
		return -1;
	}
	if (errno == ERANGE) {
		resp_error(r, 400, "invalid-input", "Parameter '%s' must be at"
			   " most %lld, got '%s'.", name, LLONG_MAX, v);
		return -1;
	}
	*out = n;
	return 0;
}

int api_query_number(struct req *r, const char *name, double def,
		     double *out)
{
	const char *v = req_query(r, name);
	char *end;
	double d;

	*out = def;
	if (!v || !*v)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (*end || errno || !isfinite(d) || d < 0 ||
	    !((*v >= '0' && *v <= '9') || *v == '.')) {
		resp_error(r, 400, "invalid-input", "Parameter '%s' must be a"
			   " non-negative number, got '%s'.", name, v);
		return -1;
	}
	*out = d;
	return 0;
}

int api_query_bool(struct req *r, const char *name, int def, int *out)
{
	const char *v = req_query(r, name);

	*out = def;
	if (!v || !*v)
		return 0;
	if (!strcmp(v, "true") || !strcmp(v, "1")) {
		*out = 1;
	} else if (!strcmp(v, "false") || !strcmp(v, "0")) {
		*out = 0;
	} else {
		resp_error(r, 400, "invalid-input", "Parameter '%s' must be"
			   " true, 1, false or 0, got '%s'.", name, v);
		return -1;
	}
	return 0;
}

int api_body_object(struct req *r, int optional, struct json_doc **doc_out)
{
	struct json_error err;
	struct json_doc *doc;
	size_t i;

	*doc_out = NULL;
	for (i = 0; i < r->body.len; i++)
		if (!strchr(" \t\r\n", r->body.data[i]))
			break;
	if (i == r->body.len) {
		if (optional)
			return 0;
		resp_error(r, 400, "invalid-input", "The request body is"
			   " empty; send a JSON object.");
		return -1;
	}
	doc = json_parse(r->body.data, r->body.len, &err);
	if (!doc) {
		resp_error(r, 400, "invalid-input", "The request body is not"
			   " valid JSON: %s at byte %zu.", err.message,
			   err.offset);
		return -1;
	}
	if (json_root(doc)->type != JSON_OBJECT) {
		resp_error(r, 400, "invalid-input", "The request body must be"
			   " a JSON object, got %s.",
			   json_type_name(json_root(doc)->type));
		json_doc_free(doc);
		return -1;
	}
	*doc_out = doc;
	return 0;
}

void api_put_str(struct buf *b, int comma, const char *key, const char *value)
{
	if (comma)
		buf_putc(b, ',');
	buf_put_json_cstr(b, key);
	buf_putc(b, ':');
	if (value)
		buf_put_json_cstr(b, value);
	else
		buf_puts(b, "null");
}

void api_put_time(struct buf *b, int comma, const char *key, int64_t ms)
{
	char when[TIME_ISO_LEN];

	if (!ms) {
		api_put_str(b, comma, key, NULL);
		return;
	}
	time_format_iso(ms, when);
	api_put_str(b, comma, key, when);
}

int api_key_in(const char *key, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(key, *list))
			return 1;
	return 0;
}

void api_merge_object(struct buf *out, const struct json *base,
		      const struct json *over, const char *const *allowed,
		      const char *const *skip, const char *extra)
{
	const struct json *m;
	int comma = 0;

	buf_putc(out, '{');
	for (m = base ? base->child : NULL; m; m = m->next) {
		if (api_key_in(m->key, skip) ||
		    (api_key_in(m->key, allowed) && over && json_get(over, m->key)))
			continue;
		if (comma++)
			buf_putc(out, ',');
		buf_put_json_string(out, m->key, m->key_len);
		buf_putc(out, ':');
		json_write(out, m);
	}
	for (m = over ? over->child : NULL; m; m = m->next) {
		/* With a key repeated, json_get() gives the last: keep that. */
		if (!api_key_in(m->key, allowed) || json_get(over, m->key) != m)
			continue;
		if (comma++)
			buf_putc(out, ',');
		buf_put_json_string(out, m->key, m->key_len);
		buf_putc(out, ':');
		json_write(out, m);
	}
	if (extra && *extra) {
		if (comma)
			buf_putc(out, ',');
		buf_puts(out, extra);
	}
	buf_putc(out, '}');
}

int api_check_name(struct req *r, const struct json *name)
{
	size_t i;

	if (!name || name->type != JSON_STRING) {
		resp_error(r, 400, "invalid-input", "Field 'name' is required"
			   " and must be a string.");
		return -1;
	}
	for (i = 0; i < name->len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", name->str[i]) || !name->str[i])
			break;
	if (name->len == 0 || name->len > 63 || i < name->len) {
		resp_error(r, 400, "invalid-input", "Field 'name' must be 1 to"
			   " 63 characters from a-z, A-Z, 0-9, '.', '_' and"
			   " '-', got %.*s.", (int)name->raw_len, name->raw);
		return -1;
	}
	return 0;
}

int api_list_begin(struct req *r, struct list_page *l)
{
	memset(l, 0, sizeof(*l));
	if (api_query_int(r, "offset", 0, &l->offset) ||
	    api_query_int(r, "limit", 1000, &l->limit) ||
	    api_query_bool(r, "desc", 0, &l->desc))
		return -1;
	if (l->limit == 0 || l->limit > 1000)
		l->limit = 1000;
	return 0;
}

void api_list_respond(struct req *r, struct list_page *l)
{
	struct buf out = BUF_INIT;

	buf_printf(&out, "{\"total\":%lld,\"offset\":%lld,\"limit\":%lld,"
		   "\"count\":%lld,\"desc\":%s,\"items\":", (long long)l->total,
		   (long long)l->offset, (long long)l->limit,
		   (long long)l->count, l->desc ? "true" : "false");
	buf_append(&out, l->items.data, l->items.len);
	buf_putc(&out, '}');
	resp_data(r, 200, out.data, out.len);
	buf_release(&out);
}

void api_list_release(struct list_page *l)
{
	buf_release(&l->items);
}

void api_store_doc(struct req *r, enum store_kind kind, const char *id,
		   const char *parent_id, const char *name,
		   const struct buf *doc, unsigned status)
{
	api_store_doc_shown(r, kind, id, parent_id, name, doc, doc, status);
}

void api_store_doc_shown(struct req *r, enum store_kind kind, const char *id,
			 const char *parent_id, const char *name,
			 const struct buf *doc, const struct buf *shown,
			 unsigned status)
{
	struct store_doc d;
	int rc;

	memset(&d, 0, sizeof(d));
	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.user_id, sizeof(d.user_id), "%s", r->user.id);
	snprintf(d.parent_id, sizeof(d.parent_id), "%s", parent_id);
	d.name = (char *)name;
	d.doc = doc->data;
	rc = store_doc_put(r->store, kind, &d);
	if (rc == STORE_CONFLICT)
		resp_error(r, 409, kind == STORE_ACTOR ? "actor-name-not-unique" :
			   "actor-task-name-not-unique", "You already have %s"
			   " named '%s'.", kind == STORE_ACTOR ? "an actor" :
			   "a task", name);
	else if (rc)
		resp_internal(r);
	else
		resp_data(r, status, shown->data, shown->len);
}
