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

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629 ranges). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n > len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Copy text, each byte that is not part of valid UTF-8 replaced by
 * U+FFFD: messages echo request values, and the body must stay UTF-8. */
static void put_valid_utf8(struct buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_sequence((const unsigned char *)s + i, len - i);

		if (n)
			buf_append(out, s + i, n);
		else
			buf_puts(out, "\xEF\xBF\xBD");
		i += n ? n : 1;
	}
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
	put_valid_utf8(&msg, raw.data ? raw.data : "", raw.len);
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
