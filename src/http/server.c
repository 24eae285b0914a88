/*
 * libmicrohttpd wiring; see server.h. MHD calls on_request() several times
 * per request: once with the headers, once per chunk of body, once when
 * the body is complete, and once more after a suspended connection is
 * resumed. struct req carries the state between the calls.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/body_limit.h"
#include "http/rate_limit.h"
#include "http/response.h"
#include "util/log.h"
#include "util/timeutil.h"

static struct MHD_Daemon *daemon_handle;
static const struct route *route_table;
static size_t route_table_size;
static char base_url[256];
static struct rate_limits limits;

const char *server_base_url(void)
{
	return base_url;
}

const char *req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void req_suspend(struct req *r)
{
	r->suspended = 1;
	MHD_suspend_connection(r->conn);
}

int req_client_gone(struct req *r)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(r->conn,
					MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p;

	if (!info)
		return 0;
	p.fd = info->connect_fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

void req_resume(struct req *r)
{
	MHD_resume_connection(r->conn);
}

static enum http_method parse_method(const char *m)
{
	static const struct { const char *name; enum http_method method; }
	methods[] = {
		{ "GET", METHOD_GET }, { "HEAD", METHOD_HEAD },
		{ "POST", METHOD_POST }, { "PUT", METHOD_PUT },
		{ "DELETE", METHOD_DELETE }, { "OPTIONS", METHOD_OPTIONS },
	};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcasecmp(m, methods[i].name))
			return methods[i].method;
	return METHOD_OTHER;
}

/* Split the path into segments; "/v2/actors/..." is served as "/v2/acts/...",
 * the legacy prefix the handlers use. Returns -1 for too many segments. */
static int split_path(struct req *r)
{
	char *copy = xstrdup(r->path);
	char *save = NULL, *seg;
	int rc = 0;

	for (seg = strtok_r(copy, "/", &save); seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (r->segment_count == REQ_MAX_SEGMENTS) {
			rc = -1;
			break;
		}
		r->segments[r->segment_count++] = xstrdup(seg);
	}
	free(copy);
	if (r->segment_count >= 2 && !strcmp(r->segments[1], "actors")) {
		free(r->segments[1]);
		r->segments[1] = xstrdup("acts");
	}
	return rc;
}

static struct req *req_new(struct MHD_Connection *conn, const char *url,
			   const char *method)
{
	struct req *r = xcalloc(1, sizeof(*r));
	const char *override;

	r->conn = conn;
	r->path = xstrdup(url);
	r->method = parse_method(method);
	/* ?method=POST lets clients that can only send GET reach other
	 * methods, as the Apify API allows. */
	override = req_query(r, "method");
	if (override && parse_method(override) != METHOD_OTHER)
		r->method = parse_method(override);
	return r;
}

static void req_free(struct req *r)
{
	int i;

	for (i = 0; i < r->segment_count; i++)
		free(r->segments[i]);
	if (r->resume_ctx_free)
		r->resume_ctx_free(r->resume_ctx);
	if (r->response)
		MHD_destroy_response(r->response);
	body_decoder_free(r->decoder);
	buf_release(&r->body);
	buf_release(&r->encoded);
	free(r->path);
	free(r);
}

static enum MHD_Result queue(struct req *r)
{
	enum MHD_Result ret;
	char limit[16];

	if (!r->response)
		resp_internal(r);
	if (!r->response)
		return MHD_NO;
	if (r->rate_limit) {
		snprintf(limit, sizeof(limit), "%u", r->rate_limit);
		MHD_add_response_header(r->response, "X-RateLimit-Limit", limit);
	}
	ret = MHD_queue_response(r->conn, r->status, r->response);
	MHD_destroy_response(r->response);
	r->response = NULL;
	return ret;
}

/* Checks made on the headers alone, before any body is read. Returns 1
 * when a response was queued, 2 when one was sent past MHD. */
static int check_headers(struct req *r)
{
	const char *length = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *encoding = req_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING);

	if (length) {
		char *end;
		unsigned long long n = strtoull(length, &end, 10);

		if (n > MAX_BODY_BYTES)
			return body_reject_declared(r, n);
	}
	switch (body_encoding_parse(encoding)) {
	case BODY_IDENTITY:
		return 0;
	case BODY_UNSUPPORTED:
		resp_error(r, 415, "unsupported-content-encoding",
			   "Content-Encoding \"%s\" is not supported; send the"
			   " body as gzip, deflate, br or without compression.",
			   encoding);
		return 1;
	default:
		r->decoder = body_decoder_new(body_encoding_parse(encoding));
		r->keep_encoded = (r->method == METHOD_PUT ||
				   r->method == METHOD_POST) &&
				  strstr(r->path, "/records/");
		return 0;
	}
}

/* Extract the token: the Authorization header wins over ?token=. */
static const char *request_token(struct req *r)
{
	const char *auth = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	if (auth && !strncasecmp(auth, "Bearer ", 7)) {
		auth += 7;
		while (*auth == ' ')
			auth++;
		if (*auth)
			return auth;
	}
	return req_query(r, "token");
}

/* Returns 0 when the request may go on; otherwise a response is made. */
static int authenticate(struct req *r, const struct route *route)
{
	const char *token = request_token(r);
	int rc;

	if (!token || !*token) {
		if (route->flags & ROUTE_PUBLIC)
			return 0;
		resp_error(r, 401, "token-not-valid", "Authentication token"
			   " was not provided. Send it as \"Authorization:"
			   " Bearer TOKEN\" or as the token query parameter.");
		return -1;
	}
	rc = store_user_by_token(r->store, token, &r->user);
	if (rc < 0) {
		resp_internal(r);
		return -1;
	}
	if (rc == STORE_NOT_FOUND) {
		resp_error(r, 401, "token-not-valid",
			   "Authentication token is not valid.");
		return -1;
	}
	r->authenticated = 1;
	return 0;
}

/*
 * Take the request from its bucket: one per user (or client address,
 * without a token), route and resource (the first path parameter).
 * Returns 1 with a 429 made when the bucket is empty.
 */
static int over_rate_limit(struct req *r, const struct route *route)
{
	unsigned limit = route->flags & ROUTE_RATE_RECORDS ? limits.records :
			 route->flags & ROUTE_RATE_RUNS ? limits.runs :
			 limits.standard;
	const union MHD_ConnectionInfo *info;
	char who[INET_ADDRSTRLEN] = "";
	char key[512];
	int len, allowed;

	if (!limit)
		return 0;
	if (!r->authenticated) {
		info = MHD_get_connection_info(r->conn,
				MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (info && info->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
					     info->client_addr)->sin_addr,
				  who, sizeof(who));
	}
	/* A resource name too long for key shares a bucket with its prefix. */
	len = snprintf(key, sizeof(key), "%s|%s|%s",
		       r->authenticated ? r->user.id : who, route->pattern,
		       r->params[0] ? r->params[0] : "");
	if (len < 0)
		len = 0;
	if ((size_t)len >= sizeof(key))
		len = sizeof(key) - 1;
	allowed = rate_limit_take(key, (size_t)len, limit, time_mono_ms());
	r->rate_limit = limit;
	if (allowed)
		return 0;
	log_debug("http", "429 for %s %s: over %u requests a second",
		  r->authenticated ? r->user.id : who, r->path, limit);
	resp_error(r, 429, "rate-limit-exceeded", "You have exceeded the rate"
		   " limit of %u requests per second for this resource;"
		   " retry after a second.", limit);
	resp_header(r, "Retry-After", "1");
	return 1;
}

static void dispatch(struct req *r)
{
	const struct route *route;
	unsigned allowed;
	char methods[64];

	r->store = store_thread();
	if (!r->store) {
		resp_internal(r);
		return;
	}
	if (split_path(r)) {
		resp_error(r, 404, "page-not-found", "The path %s has too"
			   " many segments for any API route.", r->path);
		return;
	}
	route = router_match(route_table, route_table_size, r, &allowed);
	if (!allowed) {
		resp_error(r, 404, "page-not-found",
			   "No API route matches the path %s.", r->path);
		return;
	}
	router_methods_string(allowed, methods, sizeof(methods));
	if (r->method == METHOD_OPTIONS) {
		resp_empty(r, 204);
		resp_header(r, "Allow", methods);
		resp_header(r, "Access-Control-Allow-Methods", methods);
		resp_header(r, "Access-Control-Allow-Headers",
			    "Authorization, Content-Type, Content-Encoding");
		return;
	}
	if (!route) {
		resp_error(r, 405, "method-not-allowed", "This API end-point"
			   " can only be accessed using the following HTTP"
			   " methods: %s", methods);
		resp_header(r, "Allow", methods);
		return;
	}
	if (authenticate(r, route) || over_rate_limit(r, route))
		return;
	route->fn(r);
}

/*
 * Decode n bytes of a compressed body into r->body, and for a record also
 * keep them as sent in r->encoded. Both the decoded and the encoded size
 * are limited to MAX_BODY_BYTES.
 */
static enum MHD_Result read_encoded(struct req *r, const char *data, size_t n)
{
	if (r->body_rejected)
		return body_discard(r, n);
	if (r->body_invalid)
		return MHD_YES;		/* read to the end, then the 400 */
	if (r->keep_encoded) {
		/* Bytes past the end of the stream do not decode; the
		 * limit keeps them from growing the copy without end. */
		if (r->encoded.len + n > MAX_BODY_BYTES)
			return body_discard_decoded(r, n);
		buf_append(&r->encoded, data, n);
	}
	switch (body_decoder_feed(r->decoder, data, n, &r->body,
				  MAX_BODY_BYTES)) {
	case BODY_DECODE_OK:
		return MHD_YES;
	case BODY_DECODE_TOO_LARGE:
		return body_discard_decoded(r, n);
	default:
		r->body_invalid = 1;
		buf_release(&r->body);
		return MHD_YES;
	}
}

/*
 * At the end of a compressed body: 1 with a 400 made when it was not
 * valid or ended early. An empty body counts as an empty plain body.
 */
static int check_decoded(struct req *r)
{
	enum body_encoding encoding = body_encoding_parse(
		req_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING));

	if (!r->body_invalid && (!r->has_body ||
				 body_decoder_finish(r->decoder) ==
				 BODY_DECODE_OK))
		return 0;
	log_debug("http", "invalid %s body for %s: %s",
		  body_encoding_name(encoding), r->path,
		  body_decoder_error(r->decoder));
	resp_error(r, 400, "invalid-request", "The request body is not valid"
		   " %s data: %s. Check its Content-Encoding header.",
		   body_encoding_name(encoding),
		   body_decoder_error(r->decoder));
	return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)version;
	if (!r) {
		r = req_new(conn, url, method);
		*con_cls = r;
		switch (check_headers(r)) {
		case 1:
			return queue(r);
		default:
			return MHD_YES;
		}
	}
	if (r->suspended) {
		r->suspended = 0;
		r->resume(r);
		return r->client_gone ? MHD_NO : queue(r);
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		r->has_body = 1;
		*upload_data_size = 0;
		if (r->decoder)
			return read_encoded(r, upload_data, n);
		if (r->body_rejected || r->body.len + n > MAX_BODY_BYTES)
			return body_discard(r, n);
		buf_append(&r->body, upload_data, n);
		return MHD_YES;
	}
	if (r->body_rejected)
		return MHD_NO;	/* the 413 is out; close the connection */
	if (r->decoder && check_decoded(r))
		return queue(r);
	dispatch(r);
	if (r->suspended)
		return MHD_YES;
	return r->client_gone ? MHD_NO : queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)conn;
	(void)why;
	if (*con_cls)
		req_free(*con_cls);
	*con_cls = NULL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decoding of the path and the query, in place. "%00" stays as
 * the three characters: a NUL byte would end the C string early, and
 * "json%00pdf" would pass as format=json, "~task%00junk" as "~task".
 * TODO: split the path before decoding it (libmicrohttpd's URI log
 * callback gets it raw), so that "%2F" stays inside a segment and a
 * record key with "/" gets 400 invalid-record-key, not 404.
 */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *in = s, *out = s;

	(void)cls;
	(void)conn;
	while (*in) {
		int hi, lo;

		if (in[0] == '%' && (hi = hex_value(in[1])) >= 0 &&
		    (lo = hex_value(in[2])) >= 0 && (hi || lo)) {
			*out++ = (char)(hi * 16 + lo);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

/*
 * Messages MHD logs when a client leaves during a streamed body, or when a
 * handler closes the connection because the client left. The handler logs
 * the reason, so these go to the debug level.
 */
static const char *const mhd_expected_messages[] = {
	"Application reported internal error",
	"Failed to send the chunked response body",
	"Closing connection (application error generating response)",
};

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n, i;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	for (i = 0; i < sizeof(mhd_expected_messages) /
		    sizeof(*mhd_expected_messages); i++) {
		const char *m = mhd_expected_messages[i];

		if (!strncmp(line, m, strlen(m))) {
			log_debug("http", "libmicrohttpd: %s", line);
			return;
		}
	}
	log_warn("http", "libmicrohttpd: %s", line);
}

int server_start(const struct server_config *cfg, const struct route *routes,
		 size_t route_count)
{
	struct sockaddr_in addr;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->host, &addr.sin_addr) != 1) {
		log_error("http", "invalid listen address %s: expected an IPv4"
			  " address such as 127.0.0.1", cfg->host);
		return -1;
	}
	route_table = routes;
	route_table_size = route_count;
	limits = cfg->limits;
	rate_limit_init();
	if (cfg->public_url)
		snprintf(base_url, sizeof(base_url), "%s", cfg->public_url);
	else
		snprintf(base_url, sizeof(base_url), "http://%s:%u",
			 strcmp(cfg->host, "0.0.0.0") ? cfg->host : "127.0.0.1",
			 cfg->port);

	daemon_handle = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG,
		(uint16_t)cfg->port, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_secs,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		/* Last, so that one thread, libmicrohttpd's internal thread
		 * without a pool, can end the list here: libmicrohttpd warns
		 * about a pool size of 0 or 1. */
		cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		cfg->threads, MHD_OPTION_END);
	if (!daemon_handle) {
		log_error("http", "cannot listen on %s:%u (is the port in use?)",
			  cfg->host, cfg->port);
		return -1;
	}
	log_info("http", "listening on %s:%u, API base URL %s", cfg->host,
		 cfg->port, base_url);
	return 0;
}

void server_quiesce(void)
{
	if (daemon_handle)
		MHD_quiesce_daemon(daemon_handle);
}

void server_stop(void)
{
	if (daemon_handle) {
		MHD_stop_daemon(daemon_handle);
		rate_limit_free();
	}
	daemon_handle = NULL;
}
