/*
 * Webhook representations: event types, parsing and validating webhook
 * objects and the `webhooks` run option, writing a webhook's fields; see
 * spec.h. Templates are checked with template.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "webhooks/echo.h"
#include "webhooks/spec.h"
#include "webhooks/template.h"

static const struct {
	unsigned bit;
	const char *name;
} events[] = {
	{ WEBHOOK_EVENT_CREATED, "ACTOR.RUN.CREATED" },
	{ WEBHOOK_EVENT_SUCCEEDED, "ACTOR.RUN.SUCCEEDED" },
	{ WEBHOOK_EVENT_FAILED, "ACTOR.RUN.FAILED" },
	{ WEBHOOK_EVENT_TIMED_OUT, "ACTOR.RUN.TIMED_OUT" },
	{ WEBHOOK_EVENT_ABORTED, "ACTOR.RUN.ABORTED" },
	{ WEBHOOK_EVENT_RESURRECTED, "ACTOR.RUN.RESURRECTED" },
	{ WEBHOOK_EVENT_BUILD_CREATED, "ACTOR.BUILD.CREATED" },
	{ WEBHOOK_EVENT_BUILD_SUCCEEDED, "ACTOR.BUILD.SUCCEEDED" },
	{ WEBHOOK_EVENT_BUILD_FAILED, "ACTOR.BUILD.FAILED" },
	{ WEBHOOK_EVENT_BUILD_TIMED_OUT, "ACTOR.BUILD.TIMED_OUT" },
	{ WEBHOOK_EVENT_BUILD_ABORTED, "ACTOR.BUILD.ABORTED" },
};

#define EVENT_COUNT (sizeof(events) / sizeof(*events))
#define ALLOWED_EVENTS "ACTOR.RUN.CREATED, ACTOR.RUN.SUCCEEDED," \
	" ACTOR.RUN.FAILED, ACTOR.RUN.TIMED_OUT, ACTOR.RUN.ABORTED," \
	" ACTOR.RUN.RESURRECTED, ACTOR.BUILD.CREATED, ACTOR.BUILD.SUCCEEDED," \
	" ACTOR.BUILD.FAILED, ACTOR.BUILD.TIMED_OUT and ACTOR.BUILD.ABORTED"

const char *webhook_event_name(unsigned event)
{
	size_t i;

	for (i = 0; i < EVENT_COUNT; i++) {
		if (events[i].bit == event)
			return events[i].name;
	}
	return NULL;
}

unsigned webhook_event_from_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < EVENT_COUNT; i++) {
		if (strlen(events[i].name) == len &&
		    !memcmp(events[i].name, name, len))
			return events[i].bit;
	}
	return 0;
}

unsigned webhook_event_for_status(const char *run_status)
{
	if (!run_status)
		return 0;
	if (!strcmp(run_status, "READY"))
		return WEBHOOK_EVENT_CREATED;
	if (!strcmp(run_status, "SUCCEEDED"))
		return WEBHOOK_EVENT_SUCCEEDED;
	if (!strcmp(run_status, "FAILED"))
		return WEBHOOK_EVENT_FAILED;
	if (!strcmp(run_status, "TIMED-OUT"))
		return WEBHOOK_EVENT_TIMED_OUT;
	if (!strcmp(run_status, "ABORTED"))
		return WEBHOOK_EVENT_ABORTED;
	return 0;
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

/* The member field of obj, NULL when it is absent or null. */
static const struct json *get_present(const struct json *obj,
				      const char *field)
{
	const struct json *node = json_get(obj, field);

	return node && node->type != JSON_NULL ? node : NULL;
}

/* Read an optional boolean field: absent or null is 0. */
static int get_bool(const struct json *obj, const char *field, int *out,
		    char *err, size_t errlen)
{
	const struct json *node = get_present(obj, field);

	*out = 0;
	if (!node)
		return 0;
	if (node->type != JSON_TRUE && node->type != JSON_FALSE)
		return fail(err, errlen, "Field '%s' must be a boolean, got %s.",
			    field, json_type_name(node->type));
	*out = node->type == JSON_TRUE;
	return 0;
}

/*
 * Read an optional string field of at most max bytes into *out, a copy
 * the caller frees; absent or null leaves *out NULL.
 */
static int get_string(const struct json *obj, const char *field, size_t max,
		      char **out, char *err, size_t errlen)
{
	const struct json *node = get_present(obj, field);

	*out = NULL;
	if (!node)
		return 0;
	if (node->type != JSON_STRING)
		return fail(err, errlen, "Field '%s' must be a string, got %s.",
			    field, json_type_name(node->type));
	if (node->len > max)
		return fail(err, errlen, "Field '%s' is %zu bytes long, more"
			    " than the %zu allowed.", field, node->len, max);
	if (memchr(node->str, '\0', node->len))
		return fail(err, errlen, "Field '%s' must not contain the"
			    " character U+0000.", field);
	*out = xstrndup(node->str, node->len);
	return 0;
}

static int parse_event_types(const struct json *obj, unsigned *mask,
			     char *err, size_t errlen)
{
	const struct json *types = get_present(obj, "eventTypes"), *item;
	char echo[WEBHOOK_ECHO_SIZE];
	size_t index = 0;

	*mask = 0;
	if (!types)
		return fail(err, errlen, "Field 'eventTypes' is required: an"
			    " array of one or more of " ALLOWED_EVENTS ".");
	if (types->type != JSON_ARRAY)
		return fail(err, errlen, "Field 'eventTypes' must be an array of"
			    " event types, got %s.", json_type_name(types->type));
	if (!types->count)
		return fail(err, errlen, "Field 'eventTypes' must not be empty:"
			    " list one or more of " ALLOWED_EVENTS ".");

	for (item = types->child; item; item = item->next, index++) {
		unsigned bit;

		if (item->type != JSON_STRING)
			return fail(err, errlen, "Field 'eventTypes' item %zu"
				    " must be a string, got %s.", index,
				    json_type_name(item->type));
		bit = webhook_event_from_name(item->str, item->len);
		if (!bit)
			return fail(err, errlen, "Field 'eventTypes' contains"
				    " unknown event type '%s'. Allowed: "
				    ALLOWED_EVENTS ".",
				    webhook_echo(echo, sizeof(echo), item->str,
						 item->len));
		*mask |= bit;
	}
	return 0;
}

/* 1 if host (len bytes, without port) is a name, IPv4 or [IPv6] literal. */
static int is_valid_host(const char *host, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return 0;
		for (i = 1; i < len - 1; i++) {
			char c = host[i];

			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			      (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
				return 0;
		}
		return 1;
	}
	/* TODO: accept internationalized names, not only their xn-- form. */
	for (i = 0; i < len; i++) {
		char c = host[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return 1;
}

/* 1 if port (len bytes) is a decimal number from 1 to 65535. */
static int is_valid_port(const char *port, size_t len)
{
	unsigned long value = 0;
	size_t i;

	if (!len || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (port[i] < '0' || port[i] > '9')
			return 0;
		value = value * 10 + (unsigned long)(port[i] - '0');
	}
	return value >= 1 && value <= 65535;
}

/*
 * 1 if url is http:// or https://, then an optional userinfo@, a host and
 * an optional :port, ending at the end or at '/', '?' or '#'.
 */
static int is_valid_url(const char *url)
{
	const char *authority, *end, *host, *at, *colon;

	if (!strncasecmp(url, "http://", 7))
		authority = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		authority = url + 8;
	else
		return 0;

	end = authority + strcspn(authority, "/?#");
	host = authority;
	for (at = authority; at < end; at++) {
		if (*at == '@')
			host = at + 1;
	}

	if (host < end && *host == '[')
		colon = memchr(host, ']', (size_t)(end - host));
	else
		colon = host;
	if (!colon)
		return 0;
	colon = memchr(colon, ':', (size_t)(end - colon));
	if (!colon)
		return is_valid_host(host, (size_t)(end - host));
	return is_valid_host(host, (size_t)(colon - host)) &&
	       is_valid_port(colon + 1, (size_t)(end - colon - 1));
}

static int parse_request_url(const struct json *obj, char **out, char *err,
			     size_t errlen)
{
	char echo[WEBHOOK_ECHO_SIZE];
	const struct json *node = get_present(obj, "requestUrl");
	size_t i;

	*out = NULL;
	if (!node)
		return fail(err, errlen, "Field 'requestUrl' is required: the"
			    " http:// or https:// URL the webhook sends its"
			    " request to.");
	if (get_string(obj, "requestUrl", WEBHOOK_URL_MAX, out, err, errlen))
		return -1;

	webhook_echo(echo, sizeof(echo), node->str, node->len);
	for (i = 0; i < node->len; i++) {
		unsigned char c = (unsigned char)node->str[i];

		if (c <= 0x20 || c == 0x7f)
			return fail(err, errlen, "Field 'requestUrl' must not"
				    " contain whitespace or control characters,"
				    " got '%s' (byte %zu).", echo, i);
	}
	if (!is_valid_url(*out))
		return fail(err, errlen, "Field 'requestUrl' must be an absolute"
			    " http:// or https:// URL with a host and an"
			    " optional port from 1 to 65535, got '%s'.", echo);
	return 0;
}

/*
 * Read the `condition` of a persistent webhook: an object with exactly
 * one of actorId and actorTaskId.
 */
static int parse_condition(const struct json *obj, struct webhook_spec *s,
			   char *err, size_t errlen)
{
	const struct json *cond = get_present(obj, "condition");

	if (!cond)
		return fail(err, errlen, "Field 'condition' is required: an"
			    " object with 'actorId' or 'actorTaskId'.");
	if (cond->type != JSON_OBJECT)
		return fail(err, errlen, "Field 'condition' must be an object"
			    " with 'actorId' or 'actorTaskId', got %s.",
			    json_type_name(cond->type));
	if (get_string(cond, "actorId", WEBHOOK_TEXT_MAX,
		       &s->condition_actor_id, err, errlen) ||
	    get_string(cond, "actorTaskId", WEBHOOK_TEXT_MAX,
		       &s->condition_actor_task_id, err, errlen))
		return -1;
	if (s->condition_actor_id && s->condition_actor_task_id)
		return fail(err, errlen, "Field 'condition' must have only one"
			    " of 'actorId' and 'actorTaskId', got both.");
	if (!s->condition_actor_id && !s->condition_actor_task_id)
		return fail(err, errlen, "Field 'condition' must have"
			    " 'actorId' or 'actorTaskId'.");
	if ((s->condition_actor_id && !*s->condition_actor_id) ||
	    (s->condition_actor_task_id && !*s->condition_actor_task_id))
		return fail(err, errlen, "Field 'condition' must not have an"
			    " empty 'actorId' or 'actorTaskId'.");
	return 0;
}

/* Check a template by rendering it with sample values. */
static int check_template(const char *field, const char *template,
			  int interpolate, int headers, char *err,
			  size_t errlen)
{
	struct buf rendered = BUF_INIT;
	char message[512];
	int rc;

	if (!template)
		return 0;
	if (headers)
		rc = webhook_render_headers(template, interpolate,
					    &webhook_sample_vars, &rendered,
					    message, sizeof(message));
	else
		rc = webhook_render(template, interpolate, &webhook_sample_vars,
				    &rendered, message, sizeof(message));
	buf_release(&rendered);
	if (rc)
		return fail(err, errlen, "Field '%s' is invalid: %s", field,
			    message);
	return 0;
}

static int parse_fields(const struct json *obj, int persistent,
			struct webhook_spec *s, char *err, size_t errlen)
{
	if (obj->type != JSON_OBJECT)
		return fail(err, errlen, "A webhook must be a JSON object, got"
			    " %s.", json_type_name(obj->type));
	if (parse_event_types(obj, &s->event_types, err, errlen))
		return -1;
	if (persistent && parse_condition(obj, s, err, errlen))
		return -1;
	if (parse_request_url(obj, &s->request_url, err, errlen))
		return -1;

	if (get_bool(obj, "shouldInterpolateStrings",
		     &s->should_interpolate_strings, err, errlen) ||
	    get_bool(obj, "doNotRetry", &s->do_not_retry, err, errlen) ||
	    get_bool(obj, "ignoreSslErrors", &s->ignore_ssl_errors, err,
		     errlen))
		return -1;
	if (persistent &&
	    get_bool(obj, "isAdHoc", &s->is_ad_hoc, err, errlen))
		return -1;
	if (!persistent)
		s->is_ad_hoc = 1;

	if (get_string(obj, "payloadTemplate", WEBHOOK_TEMPLATE_MAX,
		       &s->payload_template, err, errlen) ||
	    get_string(obj, "headersTemplate", WEBHOOK_TEMPLATE_MAX,
		       &s->headers_template, err, errlen) ||
	    get_string(obj, "idempotencyKey", WEBHOOK_TEXT_MAX,
		       &s->idempotency_key, err, errlen) ||
	    get_string(obj, "description", WEBHOOK_TEXT_MAX,
		       &s->description, err, errlen))
		return -1;

	if (check_template("payloadTemplate", s->payload_template,
			   s->should_interpolate_strings, 0, err, errlen) ||
	    check_template("headersTemplate", s->headers_template,
			   s->should_interpolate_strings, 1, err, errlen))
		return -1;
	return 0;
}

int webhook_spec_from_json(const struct json *obj, int persistent,
			   struct webhook_spec *out, char *err, size_t errlen)
{
	static const struct webhook_spec empty = WEBHOOK_SPEC_INIT;

	*out = empty;
	if (parse_fields(obj, persistent, out, err, errlen)) {
		webhook_spec_release(out);
		return -1;
	}
	return 0;
}

/*
 * Copy value into out in the standard alphabet: '-' and '_' of the
 * URL-safe alphabet become '+' and '/', and a space becomes '+'. Checks
 * every character, since base64_decode() does not say which one is wrong.
 */
static int normalize_base64(const char *value, struct buf *out, char *err,
			    size_t errlen)
{
	size_t i, data_chars = 0;

	for (i = 0; value[i]; i++) {
		char c = value[i];

		if (c == '-' || c == ' ')
			c = '+';
		else if (c == '_')
			c = '/';
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/')
			data_chars++;
		else if (c != '=' && c != '\r' && c != '\n' && c != '\t')
			return fail(err, errlen, "Parameter 'webhooks' is not"
				    " valid Base64: the character at offset %zu"
				    " (byte 0x%02x) is outside the Base64"
				    " alphabet.", i, (unsigned char)c);
		buf_putc(out, c);
	}
	if (data_chars % 4 == 1)
		return fail(err, errlen, "Parameter 'webhooks' is not valid"
			    " Base64: %zu data characters cannot encode whole"
			    " bytes.", data_chars);
	return 0;
}

/* Decode value into text, the JSON the caller parses. */
static int decode_base64(const char *value, struct buf *text, char *err,
			 size_t errlen)
{
	struct buf normalized = BUF_INIT;
	int rc = -1;

	if (normalize_base64(value ? value : "", &normalized, err, errlen))
		goto out;
	if (base64_decode(normalized.data ? normalized.data : "",
			  normalized.len, text)) {
		fail(err, errlen, "Parameter 'webhooks' is not valid Base64:"
		     " '=' padding may only end the value, at most twice.");
		goto out;
	}
	rc = 0;

out:
	buf_release(&normalized);
	return rc;
}

static int parse_spec_array(const struct json *root, struct webhook_spec **out,
			    size_t *count, char *err, size_t errlen)
{
	const struct json *item;
	struct webhook_spec *specs;
	char message[512];
	size_t n = 0;

	if (root->type != JSON_ARRAY)
		return fail(err, errlen, "Parameter 'webhooks' must be a JSON"
			    " array of webhook objects, got %s.",
			    json_type_name(root->type));
	if (!root->count)
		return 0;

	specs = xcalloc(root->count, sizeof(*specs));
	for (item = root->child; item; item = item->next, n++) {
		if (webhook_spec_from_json(item, 0, &specs[n], message,
					   sizeof(message))) {
			webhook_specs_free(specs, n);
			return fail(err, errlen, "Parameter 'webhooks', webhook"
				    " at index %zu: %s", n, message);
		}
	}
	*out = specs;
	*count = n;
	return 0;
}

int webhook_specs_from_base64(const char *value, struct webhook_spec **out,
			      size_t *count, char *err, size_t errlen)
{
	struct buf text = BUF_INIT;
	struct json_doc *doc = NULL;
	struct json_error jerr;
	int rc = -1;

	*out = NULL;
	*count = 0;
	if (decode_base64(value, &text, err, errlen))
		goto out;

	doc = json_parse(text.data, text.len, &jerr);
	if (!doc) {
		fail(err, errlen, "Parameter 'webhooks' is Base64 but not of"
		     " valid JSON: %s at byte %zu of the decoded text.",
		     jerr.message, jerr.offset);
		goto out;
	}
	rc = parse_spec_array(json_root(doc), out, count, err, errlen);

out:
	json_doc_free(doc);
	buf_release(&text);
	return rc;
}

void webhook_spec_release(struct webhook_spec *s)
{
	static const struct webhook_spec empty = WEBHOOK_SPEC_INIT;

	free(s->request_url);
	free(s->payload_template);
	free(s->headers_template);
	free(s->idempotency_key);
	free(s->description);
	free(s->condition_actor_id);
	free(s->condition_actor_task_id);
	free(s->condition_actor_run_id);
	*s = empty;
}

void webhook_specs_free(struct webhook_spec *specs, size_t count)
{
	size_t i;

	if (!specs)
		return;
	for (i = 0; i < count; i++)
		webhook_spec_release(&specs[i]);
	free(specs);
}

static void put_bool(struct buf *out, const char *name, int value)
{
	buf_printf(out, ",\"%s\":%s", name, value ? "true" : "false");
}

/* Append ,"name": and the string or null. */
static void put_string(struct buf *out, const char *name, const char *value)
{
	buf_printf(out, ",\"%s\":", name);
	if (value)
		buf_put_json_cstr(out, value);
	else
		buf_puts(out, "null");
}

static void put_condition(struct buf *out, const struct webhook_spec *s)
{
	const char *sep = "";

	buf_puts(out, ",\"condition\":{");
	if (s->condition_actor_id) {
		buf_puts(out, "\"actorId\":");
		buf_put_json_cstr(out, s->condition_actor_id);
		sep = ",";
	}
	if (s->condition_actor_task_id) {
		buf_printf(out, "%s\"actorTaskId\":", sep);
		buf_put_json_cstr(out, s->condition_actor_task_id);
		sep = ",";
	}
	if (s->condition_actor_run_id) {
		buf_printf(out, "%s\"actorRunId\":", sep);
		buf_put_json_cstr(out, s->condition_actor_run_id);
	}
	buf_putc(out, '}');
}

void webhook_spec_write_fields(struct buf *out, const struct webhook_spec *s)
{
	const char *sep = "";
	size_t i;

	buf_printf(out, "\"isAdHoc\":%s", s->is_ad_hoc ? "true" : "false");
	buf_puts(out, ",\"eventTypes\":[");
	for (i = 0; i < EVENT_COUNT; i++) {
		if (s->event_types & events[i].bit) {
			buf_printf(out, "%s\"%s\"", sep, events[i].name);
			sep = ",";
		}
	}
	buf_putc(out, ']');
	put_condition(out, s);
	put_bool(out, "ignoreSslErrors", s->ignore_ssl_errors);
	put_bool(out, "doNotRetry", s->do_not_retry);
	put_string(out, "requestUrl", s->request_url);
	put_string(out, "payloadTemplate", s->payload_template
		   ? s->payload_template : webhook_default_template);
	put_string(out, "headersTemplate", s->headers_template);
	put_bool(out, "shouldInterpolateStrings", s->should_interpolate_strings);
	put_string(out, "description", s->description);
	put_string(out, "idempotencyKey", s->idempotency_key);
}
