/*
 * Conversions of webhooks and dispatches; see webhook_object.h.
 */
#include "api/webhook_object.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "util/log.h"
#include "util/timeutil.h"

void webhook_from_spec(struct webhook *w, const struct webhook_spec *s)
{
	w->is_ad_hoc = s->is_ad_hoc;
	w->event_types = s->event_types;
	w->request_url = s->request_url;
	w->payload_template = s->payload_template;
	w->headers_template = s->headers_template;
	w->idempotency_key = s->idempotency_key;
	w->description = s->description;
	w->should_interpolate_strings = s->should_interpolate_strings;
	w->do_not_retry = s->do_not_retry;
	w->ignore_ssl_errors = s->ignore_ssl_errors;
	snprintf(w->condition_actor_id, sizeof(w->condition_actor_id), "%s",
		 s->condition_actor_id ? s->condition_actor_id : "");
	snprintf(w->condition_task_id, sizeof(w->condition_task_id), "%s",
		 s->condition_actor_task_id ? s->condition_actor_task_id : "");
}

static char *or_null(const char *s)
{
	return s && *s ? (char *)s : NULL;
}

void webhook_write_json(struct buf *b, const struct webhook *w)
{
	/* A view of w's strings; it is never released. */
	struct webhook_spec s = WEBHOOK_SPEC_INIT;

	s.event_types = w->event_types;
	s.request_url = w->request_url;
	s.payload_template = w->payload_template;
	s.headers_template = w->headers_template;
	s.idempotency_key = w->idempotency_key;
	s.description = w->description;
	s.should_interpolate_strings = w->should_interpolate_strings;
	s.do_not_retry = w->do_not_retry;
	s.ignore_ssl_errors = w->ignore_ssl_errors;
	s.is_ad_hoc = w->is_ad_hoc;
	s.condition_actor_id = or_null(w->condition_actor_id);
	s.condition_actor_task_id = or_null(w->condition_task_id);
	s.condition_actor_run_id = or_null(w->condition_run_id);

	buf_putc(b, '{');
	api_put_str(b, 0, "id", w->id);
	api_put_time(b, 1, "createdAt", w->created_at);
	api_put_time(b, 1, "modifiedAt", w->modified_at);
	api_put_str(b, 1, "userId", w->user_id);
	buf_putc(b, ',');
	webhook_spec_write_fields(b, &s);
	if (w->last_dispatch_status[0]) {
		buf_puts(b, ",\"lastDispatch\":{");
		api_put_str(b, 0, "status", w->last_dispatch_status);
		api_put_str(b, 1, "finishedAt",
			    or_null(w->last_dispatch_finished_at));
		buf_putc(b, '}');
	} else {
		buf_puts(b, ",\"lastDispatch\":null");
	}
	buf_printf(b, ",\"stats\":{\"totalDispatches\":%lld}}",
		   (long long)w->total_dispatches);
}

void dispatch_write_json(struct buf *b, const struct webhook_dispatch *d)
{
	buf_putc(b, '{');
	api_put_str(b, 0, "id", d->id);
	api_put_str(b, 1, "userId", d->user_id);
	api_put_str(b, 1, "webhookId", d->webhook_id);
	api_put_time(b, 1, "createdAt", d->created_at);
	api_put_str(b, 1, "status", d->status);
	api_put_str(b, 1, "eventType", d->event_type);
	buf_puts(b, ",\"eventData\":");
	buf_puts(b, d->event_data ? d->event_data : "null");
	buf_puts(b, ",\"calls\":");
	buf_puts(b, d->calls ? d->calls : "[]");
	buf_putc(b, '}');
}

int webhooks_add_ad_hoc(struct store *st, const struct run *run,
			const struct webhook_spec *specs, size_t count)
{
	struct webhook w, existing;
	size_t i;
	int rc;

	for (i = 0; i < count; i++) {
		memset(&w, 0, sizeof(w));
		webhook_from_spec(&w, &specs[i]);
		if (w.idempotency_key) {
			rc = store_webhook_find_key(st, run->user_id,
						    w.idempotency_key, &existing);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				log_info("webhooks", "run %s: webhook %s has"
					 " the idempotency key; not created"
					 " again", run->id, existing.id);
				store_webhook_release(&existing);
				continue;
			}
		}
		id_new(w.id);
		snprintf(w.user_id, sizeof(w.user_id), "%s", run->user_id);
		snprintf(w.condition_run_id, sizeof(w.condition_run_id), "%s",
			 run->id);
		w.is_ad_hoc = 1;
		w.created_at = w.modified_at = time_now_ms();
		if (store_webhook_insert(st, &w))
			return -1;
	}
	return 0;
}
