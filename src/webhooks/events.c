/*
 * Run and build events to dispatch rows; see events.h. The variables of a payload
 * are built once per event and rendered once per webhook.
 */
#include "webhooks/events.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/run_object.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "webhooks/dispatcher.h"
#include "webhooks/spec.h"
#include "webhooks/template.h"

/* One event, with the JSON texts of its template variables. */
struct event {
	struct store *st;
	const char *subject_id;		/* the run's or build's, for logs */
	const char *name;		/* "ACTOR.RUN.SUCCEEDED" */
	int64_t now;
	char now_iso[TIME_ISO_LEN];
	struct buf user_id, created_at, event_type, event_data, resource,
		   globals;
	struct webhook_vars vars;
	int count;
	int failed;			/* a store error */
};

/* Fill the variables but eventData and resource, which the caller adds. */
static void event_init(struct event *e, struct store *st, const char *user_id,
		       const char *subject_id, unsigned event)
{
	memset(e, 0, sizeof(*e));
	e->st = st;
	e->subject_id = subject_id;
	e->name = webhook_event_name(event);
	e->now = time_now_ms();
	time_format_iso(e->now, e->now_iso);

	buf_put_json_cstr(&e->user_id, user_id);
	buf_put_json_cstr(&e->created_at, e->now_iso);
	buf_put_json_cstr(&e->event_type, e->name);
	/* dateUnix in milliseconds, as JavaScript's Date.now() gives it. */
	buf_printf(&e->globals, "{\"dateISO\":\"%s\",\"dateUnix\":%lld}",
		   e->now_iso, (long long)e->now);
}

static void event_set_vars(struct event *e)
{
	e->vars.user_id = e->user_id.data;
	e->vars.created_at = e->created_at.data;
	e->vars.event_type = e->event_type.data;
	e->vars.event_data = e->event_data.data;
	e->vars.resource = e->resource.data;
	e->vars.globals = e->globals.data;
}

static void event_release(struct event *e)
{
	buf_release(&e->user_id);
	buf_release(&e->created_at);
	buf_release(&e->event_type);
	buf_release(&e->event_data);
	buf_release(&e->resource);
	buf_release(&e->globals);
}

/*
 * A template that passed validation can still fail with the real values
 * (a result over WEBHOOK_RENDER_MAX bytes). The dispatch is then FAILED
 * at once, with the reason as its one call.
 */
static void fail_dispatch(struct webhook_dispatch *d, const struct event *e,
			  const char *what, const char *err, struct buf *calls)
{
	struct buf message = BUF_INIT;

	buf_printf(&message, "Cannot render the %s template: %s", what, err);
	snprintf(d->status, sizeof(d->status), "FAILED");
	buf_printf(calls, "[{\"startedAt\":\"%s\",\"finishedAt\":\"%s\","
		   "\"errorMessage\":", e->now_iso, e->now_iso);
	buf_put_json_string(calls, message.data, message.len);
	buf_puts(calls, ",\"responseStatus\":null,\"responseBody\":null}]");
	d->calls = calls->data;
	log_warn("webhooks", "dispatch %s of webhook %s failed: %s", d->id,
		 d->webhook_id, message.data);
	buf_release(&message);
}

/* Render and insert the dispatch of the event to webhook w. */
static int add_dispatch(void *ctx, const struct webhook *w)
{
	struct event *e = ctx;
	struct buf payload = BUF_INIT, headers = BUF_INIT, calls = BUF_INIT;
	struct webhook_dispatch d;
	char err[256];

	memset(&d, 0, sizeof(d));
	id_new(d.id);
	snprintf(d.webhook_id, sizeof(d.webhook_id), "%s", w->id);
	snprintf(d.user_id, sizeof(d.user_id), "%s", w->user_id);
	snprintf(d.status, sizeof(d.status), "ACTIVE");
	snprintf(d.event_type, sizeof(d.event_type), "%s", e->name);
	d.event_data = e->event_data.data;
	d.request_url = w->request_url;
	d.do_not_retry = w->do_not_retry;
	d.ignore_ssl_errors = w->ignore_ssl_errors;
	d.next_attempt_at = e->now;
	d.created_at = e->now;

	if (webhook_render(w->payload_template, w->should_interpolate_strings,
			   &e->vars, &payload, err, sizeof(err))) {
		fail_dispatch(&d, e, "payload", err, &calls);
	} else if (w->headers_template &&
		   webhook_render_headers(w->headers_template,
					  w->should_interpolate_strings,
					  &e->vars, &headers, err,
					  sizeof(err))) {
		fail_dispatch(&d, e, "headers", err, &calls);
	}
	d.payload = payload.data ? payload.data : "";
	d.headers = headers.data;
	if (store_dispatch_insert(e->st, &d)) {
		log_error("webhooks", "cannot store the %s dispatch of webhook"
			  " %s for %s", e->name, w->id, e->subject_id);
		e->failed = 1;
	} else {
		e->count++;
	}
	buf_release(&payload);
	buf_release(&headers);
	buf_release(&calls);
	return e->failed;
}

/* Insert the dispatches of the prepared event e to every matching webhook. */
static int record(struct event *e, const struct webhook_subject *subject,
		  unsigned event, int *count)
{
	int rc;

	event_set_vars(e);
	rc = store_webhook_matching(e->st, subject, event, add_dispatch, e);
	*count = e->count;
	event_release(e);
	return rc || e->failed ? -1 : 0;
}

/* TODO: the TEST event and POST /v2/webhooks/:id/test. */
int webhook_events_record(struct store *st, const struct run *run,
			  unsigned event, int *count)
{
	struct webhook_subject subject = { run->user_id, run->actor_id,
					   run->task_id, run->id };
	struct event e;

	*count = 0;
	if (!webhook_event_name(event))
		return 0;
	event_init(&e, st, run->user_id, run->id, event);
	buf_putc(&e.event_data, '{');
	api_put_str(&e.event_data, 0, "actorId", run->actor_id);
	if (run->task_id[0])
		api_put_str(&e.event_data, 1, "actorTaskId", run->task_id);
	api_put_str(&e.event_data, 1, "actorRunId", run->id);
	buf_putc(&e.event_data, '}');
	run_to_json(&e.resource, run);
	return record(&e, &subject, event, count);
}

int webhook_events_record_build(struct store *st, const struct build *b,
				unsigned event, int *count)
{
	struct webhook_subject subject = { b->user_id, b->actor_id, "", "" };
	struct event e;

	*count = 0;
	if (!webhook_event_name(event) || !b->doc)
		return 0;
	event_init(&e, st, b->user_id, b->id, event);
	buf_putc(&e.event_data, '{');
	api_put_str(&e.event_data, 0, "actorId", b->actor_id);
	api_put_str(&e.event_data, 1, "actorBuildId", b->id);
	buf_putc(&e.event_data, '}');
	buf_puts(&e.resource, b->doc);
	return record(&e, &subject, event, count);
}

unsigned webhook_build_event_for_status(const char *status)
{
	if (!strcmp(status, "SUCCEEDED"))
		return WEBHOOK_EVENT_BUILD_SUCCEEDED;
	if (!strcmp(status, "FAILED"))
		return WEBHOOK_EVENT_BUILD_FAILED;
	if (!strcmp(status, "TIMED-OUT"))
		return WEBHOOK_EVENT_BUILD_TIMED_OUT;
	if (!strcmp(status, "ABORTED"))
		return WEBHOOK_EVENT_BUILD_ABORTED;
	return 0;
}

void webhook_events_fire(const char *run_id, unsigned event)
{
	struct store *st = store_thread();
	struct run run;
	int count = 0;

	if (!event)
		return;
	if (!st || store_run_get(st, run_id, &run)) {
		log_error("webhooks", "cannot read run %s for its %s webhooks",
			  run_id, webhook_event_name(event));
		return;
	}
	if (store_begin(st) == 0) {
		if (webhook_events_record(st, &run, event, &count) == 0 &&
		    store_commit(st) == 0) {
			if (count)
				webhook_dispatcher_wake();
		} else {
			store_rollback(st);
			count = -1;
		}
	} else {
		count = -1;
	}
	if (count < 0)
		log_error("webhooks", "the %s webhooks of run %s were not"
			  " recorded", webhook_event_name(event), run_id);
	store_run_release(&run);
}
