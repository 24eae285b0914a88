/*
 * Building the response of a request. Each resp_* function that makes a
 * body replaces any response made before, so the last call wins; headers
 * go on the response made last.
 */
#ifndef ACTORD_HTTP_RESPONSE_H
#define ACTORD_HTTP_RESPONSE_H

#include "http/request.h"

/* A body of content_type; takes ownership of body's memory. */
void resp_body(struct req *r, unsigned status, const char *content_type,
	       struct buf *body);
/* A body already encoded in coding ("gzip", ...), sent as it is with
 * Content-Encoding; takes ownership of body. */
void resp_body_encoded(struct req *r, unsigned status,
		       const char *content_type, const char *coding,
		       struct buf *body);
/* application/json; takes ownership of body. */
void resp_json(struct req *r, unsigned status, struct buf *body);
/* {"data": <json>}; json is compact JSON text. */
void resp_data(struct req *r, unsigned status, const char *json, size_t len);
/* {"error":{"type":type,"message":message}}. */
void resp_error(struct req *r, unsigned status, const char *type,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void resp_header(struct req *r, const char *name, const char *value);
/* A streamed body; reader and free_fn as for MHD_create_response_from_callback. */
void resp_stream(struct req *r, unsigned status, const char *content_type,
		 MHD_ContentReaderCallback reader, void *ctx,
		 MHD_ContentReaderFreeCallback free_fn);
/* An empty body. */
void resp_empty(struct req *r, unsigned status);

/* 500 internal-server-error, for a store failure already logged. */
void resp_internal(struct req *r);

#endif
