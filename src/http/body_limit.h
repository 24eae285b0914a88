/*
 * Request bodies over MAX_BODY_BYTES. The 413 is written straight to the
 * socket, ahead of libmicrohttpd, because MHD accepts a response only
 * before the body or after all of it, and a client still sending would
 * otherwise never see the response. The body is not stored past the limit.
 */
#ifndef ACTORD_HTTP_BODY_LIMIT_H
#define ACTORD_HTTP_BODY_LIMIT_H

#include "http/request.h"

/*
 * On the headers: Content-Length is over the limit. Returns 1 when a 413
 * was queued through MHD (the client sent "Expect: 100-continue", so no
 * body follows), 2 when it was sent past MHD and the body is dropped.
 */
int body_reject_declared(struct req *r, uint64_t length);

/*
 * Body data that passes the limit, or comes after a 413: the first call
 * sends the 413; every call drops the data. Returns MHD_NO, which closes
 * the connection, once 2 * MAX_BODY_BYTES have been dropped.
 */
enum MHD_Result body_discard(struct req *r, size_t n);

/*
 * body_discard() for a compressed body whose decoded bytes in r->body
 * passed the limit, with n encoded bytes just read.
 */
enum MHD_Result body_discard_decoded(struct req *r, size_t n);

#endif
