/*
 * Shared pieces of the API handlers: resolving "ID or username~name"
 * references, reading query parameters with errors in the API's shape,
 * and the JSON fragments several objects share. Each resource has its own
 * file in src/api/; routes.c is the table that maps paths to them.
 */
#ifndef ACTORD_API_API_H
#define ACTORD_API_API_H

#include <stdint.h>

#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "util/json.h"

/* The route table, for server_start(). */
extern const struct route api_routes[];
extern const size_t api_route_count;

/* Sync wait limit, seconds (--sync-wait-secs). */
extern unsigned api_sync_wait_secs;

/*
 * Find an actor or task by "ID", "username~name" or "~name" (the token's
 * own user) and check that the authenticated user owns it. Returns 0 with
 * out filled, or -1 with a 403/404 response made.
 */
int api_find_doc(struct req *r, enum store_kind kind, const char *ref,
		 struct store_doc *out);
/* The same for a dataset, key-value store or request queue. */
int api_find_storage(struct req *r, enum storage_kind kind, const char *ref,
		     struct storage *out);

/*
 * Query parameters. Each returns 0 with the value (or the default when the
 * parameter is absent or empty) and -1 with a 400 invalid-input response
 * naming the parameter and what it accepts.
 */
int api_query_int(struct req *r, const char *name, int64_t def, int64_t *out);
int api_query_bool(struct req *r, const char *name, int def, int *out);
int api_query_number(struct req *r, const char *name, double def,
		     double *out);

/* Parse the request body as a JSON object. Returns the document (caller
 * frees), NULL with *doc_out NULL and no error when there is no body and
 * optional is set, or -1 with a 400 response. */
int api_body_object(struct req *r, int optional, struct json_doc **doc_out);

/* Append "key":"value" with value JSON-escaped, preceded by a comma when
 * comma is set. */
void api_put_str(struct buf *b, int comma, const char *key, const char *value);
/* Append "key":"<ISO time>", or "key":null for ms == 0. */
void api_put_time(struct buf *b, int comma, const char *key, int64_t ms);

/* 404 record-not-found naming what was looked for. */
void api_not_found(struct req *r, const char *what, const char *ref);



/* For the API objects kept as documents (actors, tasks). */

/*
 * Write a JSON object to out: the members of base (may be NULL) whose key
 * is neither in skip nor overridden, then the members of over (may be
 * NULL) whose key is in allowed, then extra (raw "key":value text,
 * possibly NULL or empty). Lists end with NULL.
 */
void api_merge_object(struct buf *out, const struct json *base,
		      const struct json *over, const char *const *allowed,
		      const char *const *skip, const char *extra);

/*
 * Store an actor or task document (the user is r's) and respond with it
 * and status, or 409 when the user has another one with this name.
 */
void api_store_doc(struct req *r, enum store_kind kind, const char *id,
		   const char *parent_id, const char *name,
		   const struct buf *doc, unsigned status);
/* As api_store_doc(), but respond with shown, the document as clients
 * see it (an actor without the values of its secret variables). */
void api_store_doc_shown(struct req *r, enum store_kind kind, const char *id,
			 const char *parent_id, const char *name,
			 const struct buf *doc, const struct buf *shown,
			 unsigned status);

/* 1 if key is in the NULL-terminated list. */
int api_key_in(const char *key, const char *const *list);

/* Check a resource name: 1 to 63 of [A-Za-z0-9._-]. Makes a 400 and
 * returns -1 when it is not. */
int api_check_name(struct req *r, const struct json *name);

/* A page of a resource list: {total, offset, limit, count, desc, items}. */
struct list_page {
	int64_t offset, limit, total, count;
	int desc;
	struct buf items;	/* the JSON array */
};

/* Read offset, limit (default and maximum 1000) and desc; -1 with a 400. */
int api_list_begin(struct req *r, struct list_page *l);
void api_list_respond(struct req *r, struct list_page *l);
void api_list_release(struct list_page *l);

#endif
