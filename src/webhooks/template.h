/*
 * Rendering of webhook payload and headers templates: JSON text with
 * {{variable}} placeholders, filled from the event's values the way the
 * Apify platform does it. Pure functions without I/O; spec.h validates
 * templates with webhook_render() and sample values.
 */
#ifndef ACTORD_WEBHOOKS_TEMPLATE_H
#define ACTORD_WEBHOOKS_TEMPLATE_H

#include <stddef.h>

#include "util/buf.h"

/*
 * Maximum bytes of a rendered payload or headers object: rendering that
 * would grow the text past it fails instead.
 */
#define WEBHOOK_RENDER_MAX (4u << 20)

/* The template used when a webhook has none. */
extern const char webhook_default_template[];

/*
 * The values of the template variables, as JSON texts. Not owned; NULL or
 * "" means the variable is missing.
 */
struct webhook_vars {
	const char *user_id;	/* JSON string, e.g. "\"abc\"" */
	const char *created_at;	/* JSON string of the ISO time of the event */
	const char *event_type;	/* JSON string, e.g. "\"ACTOR.RUN.SUCCEEDED\"" */
	const char *event_data;	/* JSON object text */
	const char *resource;	/* JSON object text (the run object) */
	const char *globals;	/* JSON object {"dateISO":..,"dateUnix":..} */
};

/*
 * Sample values for validating a template when a webhook is created: a
 * user id, a time, an event type, event data, a short run object and
 * globals, each of the type the real value has.
 */
extern const struct webhook_vars webhook_sample_vars;

/*
 * Render template (NULL: webhook_default_template) into out, appending
 * compact valid JSON. Placeholders outside JSON strings are replaced with
 * the JSON of their value until the text parses, and a missing or falsy
 * value (null, false, 0, "") becomes null. With interpolate_strings, a
 * string value that is exactly "{{var}}" becomes the typed value, and each
 * {{var}} inside other strings becomes the value's string form. Variables
 * are userId, createdAt, eventType, eventData, resource and globals, with
 * dot paths into objects and arrays ({{resource.defaultDatasetId}}).
 * docs/API.md has the details. Returns 0, or -1 with a message in err and
 * out's length as it was. The errors are an unknown variable, text that
 * never becomes valid JSON, a template over WEBHOOK_TEMPLATE_MAX bytes, a
 * result over WEBHOOK_RENDER_MAX bytes and a value in v that is not JSON.
 */
int webhook_render(const char *template, int interpolate_strings,
		   const struct webhook_vars *v, struct buf *out,
		   char *err, size_t errlen);

/*
 * Render a headers template like webhook_render() and check that the
 * result can become request headers. It must be a JSON object whose member
 * names are HTTP header names (RFC 9110 tokens). Its values must be
 * strings without CR, LF or NUL, numbers, booleans or null, and the
 * delivery sends no header for null. The compact object is appended to
 * out. Returns 0, or -1 with a message in err naming the
 * header and out's length as it was.
 */
int webhook_render_headers(const char *template, int interpolate_strings,
			   const struct webhook_vars *v, struct buf *out,
			   char *err, size_t errlen);

/*
 * 1 if a headers template may not set name (case-insensitive) because the
 * delivery sets it: Host, Content-Type, Content-Length, Transfer-Encoding,
 * Connection, X-Apify-Webhook, X-Apify-Webhook-Dispatch-Id and
 * X-Apify-Request-Origin. The delivery drops such members.
 */
int webhook_header_is_reserved(const char *name, size_t len);

#endif
