/*
 * Webhooks between their three forms: the parsed representation
 * (struct webhook_spec, webhooks/spec.h), the stored row (struct webhook,
 * store.h) and the API object. Also the ad-hoc webhooks of a new run.
 */
#ifndef ACTORD_API_WEBHOOK_OBJECT_H
#define ACTORD_API_WEBHOOK_OBJECT_H

#include <stddef.h>

#include "store/store.h"
#include "webhooks/spec.h"

/*
 * Set the fields of w that s has. w borrows the strings of s, so it must
 * not outlive s and must not be released with store_webhook_release().
 */
void webhook_from_spec(struct webhook *w, const struct webhook_spec *s);

/* Append the webhook object as the API returns it. */
void webhook_write_json(struct buf *b, const struct webhook *w);
/* Append the webhook dispatch object as the API returns it. */
void dispatch_write_json(struct buf *b, const struct webhook_dispatch *d);

/*
 * Store the ad-hoc webhooks of run (the `webhooks` run option), inside
 * the caller's transaction. A spec whose idempotencyKey the user already
 * has makes no new webhook. Returns 0 or -1 (a store error, logged).
 */
int webhooks_add_ad_hoc(struct store *st, const struct run *run,
			const struct webhook_spec *specs, size_t count);

#endif
