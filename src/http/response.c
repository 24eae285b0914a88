/*
 * Response builders; see response.h. Every body is sent with
 * MHD_RESPMEM_MUST_FREE so no copy is made. Text bodies are compressed
 * when the request's Accept-Encoding allows gzip or br (compress.c).
 */
#include "http/response.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/compress.h"
#include "util/log.h"

/*
 * Whole bodies shorter than this go uncompressed, unless the client
 * refuses identity: below about 1 KiB the saving is a few hundred bytes,
 * less than the headers, and not worth the encoder's setup.
 */
#define COMPRESS_MIN_BYTES 1024

/*
 * 1 for the text types actord sends (JSON, JSON Lines, CSV, HTML, XML,
 * RSS, plain text, and records stored with such a type). Others, xlsx
 * (a zip archive), images and application/octet-stream among them, are
 * already compressed or unknown, and go as they are.
 */
static int is_compressible(const char *content_type)
{
	static const char *const types[] = {
		"application/json", "application/jsonl", "application/x-ndjson",
		"application/xml", "application/rss+xml",
		"application/javascript", "image/svg+xml",
	};
	size_t n, i;

	if (!content_type)
		return 0;
	n = strcspn(content_type, "; \t");
	if (n >= 5 && !strncasecmp(content_type, "text/", 5))
		return 1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (n == strlen(types[i]) &&
		    !strncasecmp(content_type, types[i], n))
			return 1;
	return (n > 5 && !strncasecmp(content_type + n - 5, "+json", 5)) ||
	       (n > 4 && !strncasecmp(content_type + n - 4, "+xml", 4));
}

static struct coding_choice request_coding(struct req *r)
{
	return accept_encoding_choose(req_header(r,
					MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

/* Add Vary to every compressible response, so caches keep the codings
 * apart, and Content-Encoding when a coding is used. */
static void add_coding_headers(struct req *r, enum content_coding coding)
{
	resp_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (coding != CODING_IDENTITY)
		resp_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
			    content_coding_name(coding));
}

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
	enum content_coding coding = CODING_IDENTITY;
	int compressible = is_compressible(content_type);
	size_t len;
	char *data;

	if (compressible && body->len) {
		struct coding_choice choice = request_coding(r);

		if (choice.coding != CODING_IDENTITY &&
		    (body->len >= COMPRESS_MIN_BYTES ||
		     choice.identity_refused) &&
		    !compress_body(choice.coding, body))
			coding = choice.coding;
	}
	data = buf_detach(body, &len);
	set_response(r, status, MHD_create_response_from_buffer(len, data,
		     MHD_RESPMEM_MUST_FREE), content_type);
	if (compressible)
		add_coding_headers(r, coding);
}

void resp_body_encoded(struct req *r, unsigned status,
		       const char *content_type, const char *coding,
		       struct buf *body)
{
	size_t len;
	char *data = buf_detach(body, &len);

	set_response(r, status, MHD_create_response_from_buffer(len, data,
		     MHD_RESPMEM_MUST_FREE), content_type);
	resp_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	resp_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, coding);
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

void resp_stream(struct req *r, unsigned status, const char *content_type,
		 MHD_ContentReaderCallback reader, void *ctx,
		 MHD_ContentReaderFreeCallback free_fn)
{
	enum content_coding coding = CODING_IDENTITY;
	int compressible = is_compressible(content_type);

	if (compressible)
		coding = request_coding(r).coding;
	if (coding != CODING_IDENTITY) {
		/* The length is unknown, so any stream is worth compressing. */
		ctx = compressed_reader_new(coding, reader, ctx, free_fn);
		reader = compressed_reader_read;
		free_fn = compressed_reader_free;
	}
	if (r->method == METHOD_HEAD) {
		/*
		 * libmicrohttpd 0.9.75 sends the last chunk ("0\r\n\r\n")
		 * after the headers of a HEAD response of unknown length, which
		 * a keep-alive client reads as the start of the next response.
		 * An empty body avoids it. The reader is never called; ctx
		 * lives as long as the response, since the caller may still
		 * read it to set headers.
		 */
		set_response(r, status,
			     MHD_create_response_from_buffer_with_free_callback_cls(
				     0, "", free_fn, ctx), content_type);
	} else {
		set_response(r, status, MHD_create_response_from_callback(
			     MHD_SIZE_UNKNOWN, 64 * 1024, reader, ctx, free_fn),
			     content_type);
	}
	if (compressible)
		add_coding_headers(r, coding);
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
