/*
 * Response builders; see response.h. Every body is sent with
 * MHD_RESPMEM_MUST_FREE so no copy is made.
 */
#include "http/response.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/log.h"

static void set_response(struct req *r, unsigned status,
			 struct MHD_Response *resp, const char *content_type)
{
	if (!resp) {
		log_error("http", "cannot create a response for %s", r->path);
		return;
	}
	if (r->response)
		MHD_destroy_response(r->response);
	r->response = resp;
	r->status = status;
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					content_type);
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
}

void resp_body(struct req *r, unsigned status, const char *content_type,
	       struct buf *body)
{
	size_t len;
	char *data = buf_detach(body, &len);

	set_response(r, status, MHD_create_response_from_buffer(len, data,
		     MHD_RESPMEM_MUST_FREE), content_type);
}

void resp_json(struct req *r, unsigned status, struct buf *body)
{
	resp_body(r, status, "application/json; charset=utf-8", body);
}

void resp_data(struct req *r, unsigned status, const char *json, size_t len)
{
	struct buf b = BUF_INIT;

	buf_grow(&b, len + 12);
	buf_puts(&b, "{\"data\":");
	buf_append(&b, json, len);
	buf_putc(&b, '}');
	resp_json(r, status, &b);
}

void resp_error(struct req *r, unsigned status, const char *type,
		const char *fmt, ...)
{
	struct buf raw = BUF_INIT, msg = BUF_INIT;
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	buf_put_valid_utf8(&msg, raw.data ? raw.data : "", raw.len);
	buf_release(&raw);
	buf_puts(&b, "{\"error\":{\"type\":");
	buf_put_json_cstr(&b, type);
	buf_puts(&b, ",\"message\":");
	buf_put_json_string(&b, msg.data ? msg.data : "", msg.len);
	buf_puts(&b, "}}");
	if (status >= 500)
		log_warn("http", "%u %s for %s: %s", status, type, r->path,
			 msg.data ? msg.data : "");
	else
		log_debug("http", "%u %s for %s: %s", status, type, r->path,
			  msg.data ? msg.data : "");
	buf_release(&msg);
	resp_json(r, status, &b);
}

void resp_header(struct req *r, const char *name, const char *value)
{
	if (r->response)
		MHD_add_response_header(r->response, name, value);
}

/* TODO: compress streamed bodies when Accept-Encoding allows gzip or br. */
void resp_stream(struct req *r, unsigned status, const char *content_type,
		 MHD_ContentReaderCallback reader, void *ctx,
		 MHD_ContentReaderFreeCallback free_fn)
{
	set_response(r, status, MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
		     64 * 1024, reader, ctx, free_fn), content_type);
}

void resp_empty(struct req *r, unsigned status)
{
	set_response(r, status, MHD_create_response_from_buffer(0, NULL,
		     MHD_RESPMEM_PERSISTENT), NULL);
}

void resp_internal(struct req *r)
{
	resp_error(r, 500, "internal-server-error",
		   "The server failed to handle the request; see its log.");
}
