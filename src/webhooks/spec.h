/*
 * Webhook representations: the event-type mask, parsing and validating the
 * JSON objects of POST /v2/webhooks and of the `webhooks` run option, and
 * writing a webhook's fields back as the API returns them. Pure functions
 * without I/O; template.h renders the payload and headers templates.
 *
 * Usage:
 *   struct webhook_spec *specs;
 *   size_t n;
 *   char err[256];
 *   if (webhook_specs_from_base64(query_value, &specs, &n, err, sizeof(err)))
 *           respond 400 invalid-input with err;
 *   ...
 *   webhook_specs_free(specs, n);
 */
#ifndef ACTORD_WEBHOOKS_SPEC_H
#define ACTORD_WEBHOOKS_SPEC_H

#include <stddef.h>

#include "util/buf.h"
#include "util/json.h"

/* Run and build events a webhook can listen to, as a bit mask. */
enum {
	WEBHOOK_EVENT_CREATED = 1,
	WEBHOOK_EVENT_SUCCEEDED = 2,
	WEBHOOK_EVENT_FAILED = 4,
	WEBHOOK_EVENT_TIMED_OUT = 8,
	WEBHOOK_EVENT_ABORTED = 16,
	WEBHOOK_EVENT_RESURRECTED = 32,
	WEBHOOK_EVENT_BUILD_CREATED = 64,
	WEBHOOK_EVENT_BUILD_SUCCEEDED = 128,
	WEBHOOK_EVENT_BUILD_FAILED = 256,
	WEBHOOK_EVENT_BUILD_TIMED_OUT = 512,
	WEBHOOK_EVENT_BUILD_ABORTED = 1024,
};

#define WEBHOOK_EVENT_ALL 2047u

/* Limits of the fields, in bytes. */
#define WEBHOOK_URL_MAX 2048
#define WEBHOOK_TEMPLATE_MAX 65536
#define WEBHOOK_TEXT_MAX 1024	/* idempotencyKey, description, condition ids */

/*
 * The event name of one bit ("ACTOR.RUN.SUCCEEDED"), or NULL when event is
 * not exactly one known bit.
 */
const char *webhook_event_name(unsigned event);

/*
 * The bit of the event a run fires on entering run_status: "READY" ->
 * CREATED, "SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED" -> their bit;
 * 0 for transitional statuses ("RUNNING", "TIMING-OUT", "ABORTING"), for
 * unknown ones and for NULL.
 */
unsigned webhook_event_for_status(const char *run_status);

/*
 * The bit of an event name ("ACTOR.RUN.TIMED_OUT" -> TIMED_OUT), 0 when the
 * name is not one of the five run events. len bytes of name are compared.
 */
unsigned webhook_event_from_name(const char *name, size_t len);

/*
 * One webhook's settings. The spec owns every string, and each is
 * NUL-terminated and free of U+0000; NULL means absent.
 */
struct webhook_spec {
	unsigned event_types;		/* mask of WEBHOOK_EVENT_*, non-zero */
	char *request_url;		/* http:// or https:// with a host */
	char *payload_template;		/* NULL: the default template */
	char *headers_template;		/* NULL: no extra headers */
	char *idempotency_key;
	char *description;
	int should_interpolate_strings, do_not_retry, ignore_ssl_errors,
	    is_ad_hoc;
	/*
	 * Which runs fire the webhook. A persistent webhook has exactly one
	 * of actor id and task id. An ad-hoc webhook has none after parsing,
	 * and the caller sets condition_actor_run_id (a string it allocates
	 * with xstrdup(), which webhook_spec_release() frees).
	 */
	char *condition_actor_id, *condition_actor_task_id;
	char *condition_actor_run_id;
};

#define WEBHOOK_SPEC_INIT { 0 }

/*
 * Parse one webhook object (a JSON object node) into out, which the
 * function initializes first. persistent selects the rules of
 * POST /v2/webhooks (`condition` required, `isAdHoc` read) over those of
 * the `webhooks` run option (`condition` ignored, is_ad_hoc set to 1).
 * Unknown fields are ignored, and null counts as absent for optional
 * fields. Templates are checked by rendering them with sample values.
 * Returns 0, or -1 with out released and a message in err that names the
 * field, the value and what is allowed. The caller chooses the error type
 * (400 invalid-input).
 */
int webhook_spec_from_json(const struct json *obj, int persistent,
			   struct webhook_spec *out, char *err, size_t errlen);

/*
 * Decode the `webhooks` query value: Base64 of a JSON array of webhook
 * objects. Standard and URL-safe alphabets are accepted, padding is
 * optional, and a space is read as '+' (a '+' left unescaped in a query
 * string arrives as a space). An empty array gives count 0 and *out NULL.
 * Returns 0 with an array the caller frees with webhook_specs_free(), or
 * -1 with *out NULL and a message in err: invalid Base64, invalid JSON,
 * not an array, or which element is wrong and why.
 */
int webhook_specs_from_base64(const char *value, struct webhook_spec **out,
			      size_t *count, char *err, size_t errlen);

/* Free the strings of s and reset it to WEBHOOK_SPEC_INIT. */
void webhook_spec_release(struct webhook_spec *s);

/* Release each of count specs, then free the array. NULL is allowed. */
void webhook_specs_free(struct webhook_spec *specs, size_t count);

/*
 * Append the members of the webhook object that come from the spec, as
 * `"isAdHoc":..,"eventTypes":[..],"condition":{..},...` without braces and
 * without a leading or trailing comma, so the caller wraps them with id,
 * userId, createdAt and the other stored fields. An absent payload template
 * is written as the default template text, an absent headers template,
 * idempotency key or description as null.
 */
void webhook_spec_write_fields(struct buf *out, const struct webhook_spec *s);

#endif
