/*
 * The dispatcher thread; see dispatcher.h for the states and the retry
 * schedule. The store is the queue: each pass queries it for the ACTIVE
 * dispatches that are due and not already being sent, adds one curl easy
 * handle per dispatch to the multi handle, and records each finished
 * request with its outcome. No other thread waits on this one.
 */
#include "webhooks/dispatcher.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/json.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "webhooks/template.h"

/* Requests in flight at most; more due dispatches wait for a slot. */
#define MAX_TRANSFERS 64
/* Bytes of a response body kept in the dispatch's calls. */
#define RESPONSE_BODY_MAX 1024
/* Maximum wait between two queries of the store, in milliseconds. */
#define POLL_MAX_MS 1000

#define USER_AGENT "actord-webhooks"

/* One request in flight. */
struct transfer {
	CURL *easy;
	char id[ID_SIZE];
	char webhook_id[ID_SIZE];
	char *payload;			/* the body; owned */
	struct curl_slist *headers;
	struct buf body;		/* the response, cut at RESPONSE_BODY_MAX */
	int64_t started_at;		/* ms since the epoch */
	int64_t attempts;		/* requests before this one */
	int do_not_retry;
	char error[CURL_ERROR_SIZE];
	struct transfer *next;
};

static struct webhook_dispatcher_config config;
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CURLM *multi;			/* guarded by lock for wakeups */
static int started, stopping, woken;
static struct transfer *transfers;
static int transfer_count;

void webhook_dispatcher_wake(void)
{
	pthread_mutex_lock(&lock);
	woken = 1;
	if (multi && started && !stopping)
		curl_multi_wakeup(multi);
	pthread_mutex_unlock(&lock);
}

static int in_flight(const char *id)
{
	struct transfer *t;

	for (t = transfers; t; t = t->next)
		if (!strcmp(t->id, id))
			return 1;
	return 0;
}

static size_t keep_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	size_t room = RESPONSE_BODY_MAX - t->body.len;

	buf_append(&t->body, data, len < room ? len : room);
	return len;
}

static struct curl_slist *add_header(struct curl_slist *list,
				     const char *name, size_t name_len,
				     const char *value, size_t value_len)
{
	struct buf line = BUF_INIT;
	struct curl_slist *next;

	/* "Name:" with nothing after it would remove the header in curl;
	 * "Name;" sends it with an empty value. */
	buf_append(&line, name, name_len);
	buf_puts(&line, value_len ? ": " : ";");
	buf_append(&line, value, value_len);
	next = curl_slist_append(list, line.data);
	buf_release(&line);
	return next ? next : list;
}

/*
 * The rendered headers template (a JSON object) after the headers of the
 * delivery, which it cannot replace: webhook_header_is_reserved() members
 * are dropped, and so are values that could split a header line.
 */
static struct curl_slist *add_template_headers(struct curl_slist *list,
					       const char *headers)
{
	struct json_error err;
	struct json_doc *doc;
	const struct json *m;

	doc = json_parse(headers, strlen(headers), &err);
	if (!doc || json_root(doc)->type != JSON_OBJECT) {
		json_doc_free(doc);
		return list;
	}
	for (m = json_root(doc)->child; m; m = m->next) {
		const char *v = m->str;
		size_t len = m->len;

		if (m->type == JSON_TRUE || m->type == JSON_FALSE) {
			v = m->type == JSON_TRUE ? "true" : "false";
			len = strlen(v);
		} else if (m->type != JSON_STRING && m->type != JSON_NUMBER) {
			continue;
		}
		if (webhook_header_is_reserved(m->key, m->key_len) ||
		    memchr(v, '\r', len) || memchr(v, '\n', len) ||
		    memchr(v, '\0', len))
			continue;
		list = add_header(list, m->key, m->key_len, v, len);
	}
	json_doc_free(doc);
	return list;
}

static struct curl_slist *request_headers(const struct webhook_dispatch *d)
{
	struct curl_slist *list = NULL;
	char line[128];

	list = curl_slist_append(list, "Content-Type: application/json");
	snprintf(line, sizeof(line), "X-Apify-Webhook: %s", d->webhook_id);
	list = curl_slist_append(list, line);
	snprintf(line, sizeof(line), "X-Apify-Webhook-Dispatch-Id: %s", d->id);
	list = curl_slist_append(list, line);
	list = curl_slist_append(list, "X-Apify-Request-Origin: WEBHOOK");
	/* No 100-continue round trip: the body goes with the headers. */
	list = curl_slist_append(list, "Expect:");
	if (d->headers)
		list = add_template_headers(list, d->headers);
	return list;
}

static void free_transfer(struct transfer *t)
{
	if (t->easy) {
		curl_multi_remove_handle(multi, t->easy);
		curl_easy_cleanup(t->easy);
	}
	curl_slist_free_all(t->headers);
	free(t->payload);
	buf_release(&t->body);
	free(t);
}

/* Start the request of d; a dispatch that cannot start is retried later. */
static int start_transfer(void *ctx, const struct webhook_dispatch *d)
{
	struct transfer *t;
	long timeout_ms = (long)config.timeout_secs * 1000;

	(void)ctx;
	if (transfer_count >= MAX_TRANSFERS)
		return 1;
	if (in_flight(d->id))
		return 0;
	t = xcalloc(1, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", d->id);
	snprintf(t->webhook_id, sizeof(t->webhook_id), "%s", d->webhook_id);
	t->payload = xstrdup(d->payload);
	t->headers = request_headers(d);
	t->started_at = time_now_ms();
	t->attempts = d->attempts;
	t->do_not_retry = d->do_not_retry;
	t->easy = curl_easy_init();
	if (!t->easy || !t->headers) {
		log_error("webhooks", "cannot set up the request of dispatch %s",
			  d->id);
		free_transfer(t);
		return 1;
	}
	curl_easy_setopt(t->easy, CURLOPT_URL, d->request_url);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->payload);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)strlen(t->payload));
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, keep_body);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->error);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	if (d->ignore_ssl_errors) {
		curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (curl_multi_add_handle(multi, t->easy) != CURLM_OK) {
		log_error("webhooks", "cannot start the request of dispatch %s",
			  d->id);
		free_transfer(t);
		return 1;
	}
	t->next = transfers;
	transfers = t;
	transfer_count++;
	log_debug("webhooks", "dispatch %s: request %lld to webhook %s",
		  d->id, (long long)d->attempts + 1, d->webhook_id);
	return 0;
}

/* Start what is due; returns when to look again (ms since the epoch). */
static int64_t start_due(struct store *st, int64_t now)
{
	int64_t at;

	if (transfer_count < MAX_TRANSFERS &&
	    store_dispatch_due(st, now, MAX_TRANSFERS + transfer_count,
			       start_transfer, NULL))
		return now + POLL_MAX_MS;
	if (store_dispatch_next_due(st, now, &at) == 0)
		return at;
	return now + 60 * 1000;
}

/* Delay before retry n (1, 2, ...): retry_secs * 2^(n-1), in ms. */
static int64_t retry_delay_ms(int64_t n)
{
	int64_t ms = (int64_t)config.retry_secs * 1000;

	while (--n > 0 && ms < (int64_t)1 << 40)
		ms *= 2;
	return ms;
}

static void put_call(struct buf *call, const struct transfer *t,
		     CURLcode result, long status, int64_t finished_at)
{
	char when[TIME_ISO_LEN];

	time_format_iso(t->started_at, when);
	buf_printf(call, "{\"startedAt\":\"%s\"", when);
	time_format_iso(finished_at, when);
	buf_printf(call, ",\"finishedAt\":\"%s\",\"errorMessage\":", when);
	if (result == CURLE_OK) {
		buf_puts(call, "null");
	} else {
		struct buf message = BUF_INIT;

		buf_put_valid_utf8(&message, t->error[0] ? t->error :
				   curl_easy_strerror(result),
				   strlen(t->error[0] ? t->error :
					  curl_easy_strerror(result)));
		buf_put_json_string(call, message.data, message.len);
		buf_release(&message);
	}
	if (status > 0)
		buf_printf(call, ",\"responseStatus\":%ld", status);
	else
		buf_puts(call, ",\"responseStatus\":null");
	buf_puts(call, ",\"responseBody\":");
	if (status > 0) {
		struct buf text = BUF_INIT;

		buf_put_valid_utf8(&text, t->body.data ? t->body.data : "",
				   t->body.len);
		buf_put_json_string(call, text.data ? text.data : "", text.len);
		buf_release(&text);
	} else {
		buf_puts(call, "null");
	}
	buf_putc(call, '}');
}

/* Record the outcome of t's request and decide what comes next. */
static void finish_transfer(struct store *st, struct transfer *t,
			    CURLcode result)
{
	struct buf call = BUF_INIT;
	int64_t now = time_now_ms();
	int64_t n = t->attempts + 1, next = 0;
	const char *status;
	long code = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	if (result == CURLE_OK && code >= 200 && code < 300) {
		status = "SUCCEEDED";
	} else if (t->do_not_retry || n > (int64_t)config.max_retries) {
		status = "FAILED";
	} else {
		status = "ACTIVE";
		next = now + retry_delay_ms(n);
	}
	put_call(&call, t, result, code, now);
	if (store_dispatch_record_call(st, t->id, status, next, call.data))
		log_error("webhooks", "cannot record request %lld of dispatch"
			  " %s", (long long)n, t->id);
	if (!strcmp(status, "SUCCEEDED"))
		log_info("webhooks", "dispatch %s of webhook %s succeeded"
			 " (status %ld, request %lld)", t->id, t->webhook_id,
			 code, (long long)n);
	else
		log_warn("webhooks", "dispatch %s of webhook %s: request %lld"
			 " failed (%s); %s", t->id, t->webhook_id,
			 (long long)n, result != CURLE_OK ?
			 curl_easy_strerror(result) : "status not 2xx",
			 next ? "will retry" : "no more retries");
	buf_release(&call);
}

/* Record every finished request; returns how many finished. */
static int collect_finished(struct store *st)
{
	struct transfer **p, *t;
	CURLMsg *msg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&t);
		finish_transfer(st, t, msg->data.result);
		for (p = &transfers; *p != t; p = &(*p)->next)
			;
		*p = t->next;
		transfer_count--;
		free_transfer(t);
		n++;
	}
	return n;
}

static void *dispatcher_main(void *arg)
{
	struct store *st = store_thread();
	int64_t next_check = 0, wait;
	int running, stop, wake;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		stop = stopping;
		wake = woken;
		woken = 0;
		pthread_mutex_unlock(&lock);
		if (stop)
			break;
		if (st && (wake || time_now_ms() >= next_check))
			next_check = start_due(st, time_now_ms());
		curl_multi_perform(multi, &running);
		if (st && collect_finished(st))
			next_check = 0;
		wait = next_check - time_now_ms();
		if (wait < 0)
			wait = 0;
		if (wait > POLL_MAX_MS)
			wait = POLL_MAX_MS;
		curl_multi_poll(multi, NULL, 0, (int)wait, NULL);
	}
	/* Requests cut short stay ACTIVE and are sent again on start. */
	while (transfers) {
		struct transfer *t = transfers;

		transfers = t->next;
		free_transfer(t);
	}
	transfer_count = 0;
	return NULL;
}

int webhook_dispatcher_start(const struct webhook_dispatcher_config *cfg)
{
	config = *cfg;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("webhooks", "cannot initialize libcurl");
		return -1;
	}
	pthread_mutex_lock(&lock);
	multi = curl_multi_init();
	pthread_mutex_unlock(&lock);
	if (!multi) {
		log_error("webhooks", "cannot create the curl multi handle");
		return -1;
	}
	if (pthread_create(&thread, NULL, dispatcher_main, NULL)) {
		log_error("webhooks", "cannot start the dispatcher thread");
		return -1;
	}
	pthread_mutex_lock(&lock);
	started = 1;
	pthread_mutex_unlock(&lock);
	log_info("webhooks", "dispatcher started: retries after %u s, doubling,"
		 " at most %u; request timeout %u s", config.retry_secs,
		 config.max_retries, config.timeout_secs);
	return 0;
}

void webhook_dispatcher_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!started) {
		pthread_mutex_unlock(&lock);
		return;
	}
	stopping = 1;
	curl_multi_wakeup(multi);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);

	pthread_mutex_lock(&lock);
	curl_multi_cleanup(multi);
	multi = NULL;
	started = 0;
	pthread_mutex_unlock(&lock);
	curl_global_cleanup();
}
