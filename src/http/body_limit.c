/*
 * Bodies over the size limit; see body_limit.h. After the 413 the server
 * goes on reading and dropping the body for a while (a lingering close).
 * Closing a socket with unread data sends a TCP reset, and a client that
 * gets the reset while still writing often loses the 413 it was sent.
 */
#include "http/body_limit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http/response.h"
#include "util/log.h"

/* Bytes dropped after a 413 before the connection is closed. */
#define LINGER_BYTES ((uint64_t)2 * MAX_BODY_BYTES)

static void send_too_large(struct req *r, const char *length_text)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(r->conn,
					MHD_CONNECTION_INFO_CONNECTION_FD);
	struct buf body = BUF_INIT, raw = BUF_INIT;
	size_t sent = 0;

	r->body_rejected = 1;
	buf_release(&r->body);
	buf_printf(&body, "{\"error\":{\"type\":\"request-too-large\",\"message\":"
		   "\"The POST payload is too large (limit: %d bytes, actual"
		   " length: %s bytes).\"}}", MAX_BODY_BYTES, length_text);
	buf_printf(&raw, "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
		   "Content-Type: application/json; charset=utf-8\r\n"
		   "Access-Control-Allow-Origin: *\r\nContent-Length: %zu\r\n\r\n",
		   body.len);
	buf_append(&raw, body.data, body.len);
	/* The socket's send buffer is empty at this point, so a few hundred
	 * bytes go out in one non-blocking send. */
	while (info && sent < raw.len) {
		ssize_t n = send(info->connect_fd, raw.data + sent,
				 raw.len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_info("http", "cannot send the 413 for %s: %s",
				 r->path, n < 0 ? strerror(errno) : "closed");
			break;
		}
		sent += (size_t)n;
	}
	log_debug("http", "413 request-too-large for %s (%s bytes)", r->path,
		  length_text);
	buf_release(&body);
	buf_release(&raw);
}

int body_reject_declared(struct req *r, uint64_t length)
{
	const char *expect = req_header(r, MHD_HTTP_HEADER_EXPECT);
	char text[32];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)length);
	if (expect && !strcasecmp(expect, "100-continue")) {
		/* MHD would send "100 Continue" after a 413 of ours; queued
		 * through MHD, the 413 replaces it and no body comes. */
		resp_error(r, 413, "request-too-large", "The POST payload is"
			   " too large (limit: %d bytes, actual length: %s"
			   " bytes).", MAX_BODY_BYTES, text);
		resp_header(r, "Connection", "close");
		return 1;
	}
	send_too_large(r, text);
	return 2;
}

/* Drop n bytes after the 413; MHD_NO once enough have been dropped. */
static enum MHD_Result linger(struct req *r, size_t n)
{
	r->body_discarded += n;
	if (r->body_discarded > LINGER_BYTES) {
		log_info("http", "closing the connection of %s after dropping"
			 " %llu body bytes", r->path,
			 (unsigned long long)r->body_discarded);
		return MHD_NO;
	}
	return MHD_YES;
}

enum MHD_Result body_discard(struct req *r, size_t n)
{
	if (!r->body_rejected) {
		char text[48];

		snprintf(text, sizeof(text), "at least %llu",
			 (unsigned long long)(r->body.len + n));
		send_too_large(r, text);
	}
	return linger(r, n);
}

enum MHD_Result body_discard_decoded(struct req *r, size_t n)
{
	if (!r->body_rejected) {
		char text[64];

		snprintf(text, sizeof(text), "at least %llu decoded",
			 (unsigned long long)r->body.len);
		send_too_large(r, text);
	}
	return linger(r, n);
}
