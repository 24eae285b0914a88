/*
 * The webhook dispatcher: one thread that sends the ACTIVE dispatches of
 * the store (events.h makes them) as HTTP POST requests over libcurl's
 * multi interface, many at once, and records each request's outcome.
 *
 * A dispatch moves ACTIVE -> SUCCEEDED [a 2xx response] or ACTIVE ->
 * FAILED [doNotRetry, or max_retries retries used]. After a failed
 * request n (1, 2, ...) the next one is due retry_secs * 2^(n-1) seconds
 * later. Dispatches are rows, so those ACTIVE when actord stops are sent
 * when it starts again; a request cut short by the stop is sent again.
 */
#ifndef ACTORD_WEBHOOKS_DISPATCHER_H
#define ACTORD_WEBHOOKS_DISPATCHER_H

struct webhook_dispatcher_config {
	unsigned retry_secs;	/* first retry interval, seconds */
	unsigned max_retries;	/* retries after the first request */
	unsigned timeout_secs;	/* per request, connection included */
};

/* Defaults as on the Apify platform: 60 s, 11 retries, 2 minutes. */
#define WEBHOOK_RETRY_SECS 60
#define WEBHOOK_MAX_RETRIES 11
#define WEBHOOK_TIMEOUT_SECS 120

/* Start the thread; it sends the dispatches already due at once. */
int webhook_dispatcher_start(const struct webhook_dispatcher_config *cfg);
/* Make the thread look for new due dispatches now. Any thread may call
 * it, before start and after stop too (then it does nothing). */
void webhook_dispatcher_wake(void);
/* Abandon the requests in progress (they stay ACTIVE) and join the
 * thread. Returns within about a second. */
void webhook_dispatcher_stop(void);

#endif
