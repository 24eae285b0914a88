/*
 * Headers templates: rendering one and checking that the result can be
 * sent as request headers; see template.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/json.h"
#include "webhooks/echo.h"
#include "webhooks/template.h"

/* Headers the delivery sets itself, which a template cannot replace. */
static const char *const reserved_headers[] = {
	"Host", "Content-Type", "Content-Length", "Transfer-Encoding",
	"Connection", "X-Apify-Webhook", "X-Apify-Webhook-Dispatch-Id",
	"X-Apify-Request-Origin",
};

int webhook_header_is_reserved(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(reserved_headers) / sizeof(*reserved_headers);
	     i++) {
		if (strlen(reserved_headers[i]) == len &&
		    !strncasecmp(reserved_headers[i], name, len))
			return 1;
	}
	return 0;
}

/* 1 if c may appear in an HTTP field name (a token, RFC 9110 5.6.2). */
static int is_token_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Check one member of the rendered headers object. */
static int check_header(const struct json *m, char *err, size_t errlen)
{
	char echo[WEBHOOK_ECHO_SIZE];
	size_t i;

	webhook_echo(echo, sizeof(echo), m->key, m->key_len);
	if (!m->key_len)
		return fail(err, errlen, "A header name in the headers template"
			    " is empty.");
	for (i = 0; i < m->key_len; i++) {
		if (!is_token_char((unsigned char)m->key[i]))
			return fail(err, errlen, "Header name '%s' in the headers"
				    " template is not a valid HTTP header name:"
				    " use letters, digits and !#$%%&'*+-.^_`|~.",
				    echo);
	}

	switch (m->type) {
	case JSON_STRING:
		if (memchr(m->str, '\r', m->len) || memchr(m->str, '\n', m->len) ||
		    memchr(m->str, '\0', m->len))
			return fail(err, errlen, "The value of header '%s' in the"
				    " headers template contains CR, LF or NUL.",
				    echo);
		return 0;
	case JSON_NULL:
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NUMBER:
		return 0;
	default:
		return fail(err, errlen, "The value of header '%s' in the headers"
			    " template is an %s; a header value must be a string,"
			    " a number or a boolean.", echo,
			    json_type_name(m->type));
	}
}

int webhook_render_headers(const char *template, int interpolate_strings,
			   const struct webhook_vars *v, struct buf *out,
			   char *err, size_t errlen)
{
	size_t start = out->len;
	struct json_doc *doc = NULL;
	const struct json *root, *m;
	struct json_error jerr;
	int rc = -1;

	if (!template)
		return fail(err, errlen, "There is no headers template.");
	if (webhook_render(template, interpolate_strings, v, out, err, errlen))
		return -1;

	doc = json_parse(out->data + start, out->len - start, &jerr);
	if (!doc) {
		fail(err, errlen, "The rendered headers template is not valid"
		     " JSON: %s.", jerr.message);
		goto out;
	}
	root = json_root(doc);
	if (root->type != JSON_OBJECT) {
		fail(err, errlen, "The headers template must give a JSON object,"
		     " got %s.", json_type_name(root->type));
		goto out;
	}
	for (m = root->child; m; m = m->next) {
		if (check_header(m, err, errlen))
			goto out;
	}
	rc = 0;

out:
	json_doc_free(doc);
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}
