/*
 * One HTTP request as the API handlers see it: the route parameters, the
 * query, the body read so far, the authenticated user, and the response
 * being built. server.c owns the struct and frees it when the connection
 * is done with the request; handlers fill the response with the resp_*
 * functions of response.c.
 */
#ifndef ACTORD_HTTP_REQUEST_H
#define ACTORD_HTTP_REQUEST_H

#include <microhttpd.h>
#include <stdint.h>

#include "http/body_decode.h"
#include "store/store.h"
#include "util/buf.h"

/* Largest request body accepted, in bytes, as on the Apify platform. */
#define MAX_BODY_BYTES 9437184

#define REQ_MAX_SEGMENTS 12

enum http_method {
	METHOD_GET = 1,
	METHOD_HEAD = 2,
	METHOD_POST = 4,
	METHOD_PUT = 8,
	METHOD_DELETE = 16,
	METHOD_OPTIONS = 32,
	METHOD_OTHER = 64,	/* PATCH and the like: no route takes them */
};

struct req;
typedef void (*req_resume_fn)(struct req *r);

struct req {
	struct MHD_Connection *conn;
	enum http_method method;
	char *path;			/* owned copy of the URL path */
	char *segments[REQ_MAX_SEGMENTS];	/* decoded, owned */
	int segment_count;
	const char *params[4];		/* route ":" captures, in segments */
	struct buf body;
	int has_body;			/* a body was sent, even an empty one */
	int body_rejected;		/* a 413 went out (body_limit.c) */
	uint64_t body_discarded;	/* bytes read and dropped since */
	struct body_decoder *decoder;	/* Content-Encoding given; owned */
	int body_invalid;		/* decoding failed: answer 400 */
	/* The body as sent, kept next to the decoded one for a record PUT
	 * or POST with a Content-Encoding: records keep their encoding. */
	struct buf encoded;
	int keep_encoded;

	struct user user;		/* valid when authenticated is 1 */
	int authenticated;
	struct store *store;		/* this thread's connection */

	unsigned status;
	struct MHD_Response *response;
	unsigned rate_limit;		/* X-RateLimit-Limit; 0 for none */

	/* Set when the handler suspended the connection; called again on
	 * the resumed connection to build the response. */
	req_resume_fn resume;
	void *resume_ctx;
	void (*resume_ctx_free)(void *ctx);
	int suspended;
	int client_gone;	/* set by a handler that saw the client leave */
};

/* Query parameter value, decoded; NULL when absent. */
const char *req_query(struct req *r, const char *name);
/* Request header value; NULL when absent. */
const char *req_header(struct req *r, const char *name);

/* The base URL the API is reached at, e.g. "http://127.0.0.1:8080". */
const char *server_base_url(void);

/*
 * Suspend the connection until resume_connection() is called on it; the
 * handler returns right after setting r->resume.
 */
void req_suspend(struct req *r);
/* 1 if the client has closed its side of the connection; a handler
 * doing long work before its response checks now and then. */
int req_client_gone(struct req *r);
void req_resume(struct req *r);

#endif
