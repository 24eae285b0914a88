/*
 * The SQLite driver of the webhook part of store.h: the webhooks table
 * and the webhook_dispatches table, whose ACTIVE rows are the delivery
 * queue that src/webhooks/dispatcher.c works through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "util/log.h"

/* Webhooks -------------------------------------------------------------- */

#define WEBHOOK_COLUMNS "w.id, w.user_id, w.is_ad_hoc, w.event_mask," \
	" w.request_url, w.payload_template, w.headers_template," \
	" w.idempotency_key, w.description, w.should_interpolate_strings," \
	" w.do_not_retry, w.ignore_ssl_errors, w.condition_actor_id," \
	" w.condition_task_id, w.condition_run_id, w.created_at," \
	" w.modified_at," \
	" (SELECT count(*) FROM webhook_dispatches d" \
	"  WHERE d.webhook_id = w.id)," \
	" (SELECT d.status FROM webhook_dispatches d WHERE d.webhook_id = w.id" \
	"  ORDER BY d.created_at DESC, d.rowid DESC LIMIT 1)," \
	" (SELECT json_extract(d.calls, '$[#-1].finishedAt')" \
	"  FROM webhook_dispatches d WHERE d.webhook_id = w.id" \
	"  ORDER BY d.created_at DESC, d.rowid DESC LIMIT 1)"

static void webhook_from_row(sqlite3_stmt *stmt, struct webhook *out)
{
	memset(out, 0, sizeof(*out));
	sql_col_copy(stmt, 0, out->id, sizeof(out->id));
	sql_col_copy(stmt, 1, out->user_id, sizeof(out->user_id));
	out->is_ad_hoc = sqlite3_column_int(stmt, 2);
	out->event_types = (unsigned)sqlite3_column_int64(stmt, 3);
	out->request_url = sql_col_dup(stmt, 4);
	out->payload_template = sql_col_dup(stmt, 5);
	out->headers_template = sql_col_dup(stmt, 6);
	out->idempotency_key = sql_col_dup(stmt, 7);
	out->description = sql_col_dup(stmt, 8);
	out->should_interpolate_strings = sqlite3_column_int(stmt, 9);
	out->do_not_retry = sqlite3_column_int(stmt, 10);
	out->ignore_ssl_errors = sqlite3_column_int(stmt, 11);
	sql_col_copy(stmt, 12, out->condition_actor_id,
		     sizeof(out->condition_actor_id));
	sql_col_copy(stmt, 13, out->condition_task_id,
		     sizeof(out->condition_task_id));
	sql_col_copy(stmt, 14, out->condition_run_id,
		     sizeof(out->condition_run_id));
	out->created_at = sqlite3_column_int64(stmt, 15);
	out->modified_at = sqlite3_column_int64(stmt, 16);
	out->total_dispatches = sqlite3_column_int64(stmt, 17);
	sql_col_copy(stmt, 18, out->last_dispatch_status,
		     sizeof(out->last_dispatch_status));
	sql_col_copy(stmt, 19, out->last_dispatch_finished_at,
		     sizeof(out->last_dispatch_finished_at));
}

static int webhook_row(struct store *st, sqlite3_stmt *stmt,
		       struct webhook *out)
{
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	webhook_from_row(stmt, out);
	sqlite3_finalize(stmt);
	return 0;
}

int store_webhook_insert(struct store *st, const struct webhook *w)
{
	return sql_run(st, sql_prep(st, "INSERT INTO webhooks VALUES (?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssiisSSSSiiisssii",
		w->id, w->user_id, (int64_t)w->is_ad_hoc,
		(int64_t)w->event_types, w->request_url, w->payload_template,
		w->headers_template, w->idempotency_key, w->description,
		(int64_t)w->should_interpolate_strings,
		(int64_t)w->do_not_retry, (int64_t)w->ignore_ssl_errors,
		w->condition_actor_id, w->condition_task_id,
		w->condition_run_id, w->created_at, w->modified_at));
}

int store_webhook_update(struct store *st, const struct webhook *w)
{
	int rc = sql_run(st, sql_prep(st, "UPDATE webhooks SET event_mask = ?,"
		" request_url = ?, payload_template = ?, headers_template = ?,"
		" idempotency_key = ?, description = ?,"
		" should_interpolate_strings = ?, do_not_retry = ?,"
		" ignore_ssl_errors = ?, condition_actor_id = ?,"
		" condition_task_id = ?, modified_at = ?"
		" WHERE id = ? AND user_id = ?", "isSSSSiiississ",
		(int64_t)w->event_types, w->request_url, w->payload_template,
		w->headers_template, w->idempotency_key, w->description,
		(int64_t)w->should_interpolate_strings,
		(int64_t)w->do_not_retry, (int64_t)w->ignore_ssl_errors,
		w->condition_actor_id, w->condition_task_id, w->modified_at,
		w->id, w->user_id));

	if (rc)
		return rc;
	return sqlite3_changes(st->db) ? 0 : STORE_NOT_FOUND;
}

int store_webhook_get(struct store *st, const char *user_id, const char *id,
		      struct webhook *out)
{
	return webhook_row(st, sql_prep(st, "SELECT " WEBHOOK_COLUMNS
				" FROM webhooks w WHERE w.id = ?"
				" AND w.user_id = ?", "ss", id, user_id), out);
}

int store_webhook_find_key(struct store *st, const char *user_id,
			   const char *idempotency_key, struct webhook *out)
{
	return webhook_row(st, sql_prep(st, "SELECT " WEBHOOK_COLUMNS
				" FROM webhooks w WHERE w.user_id = ?"
				" AND w.idempotency_key = ?", "ss", user_id,
				idempotency_key), out);
}

int store_webhook_delete(struct store *st, const char *user_id,
			 const char *id)
{
	int rc;

	/* ACTIVE dispatches stay and are delivered: the event happened
	 * while the webhook existed. */
	if (store_begin(st))
		return -1;
	rc = sql_run(st, sql_prep(st, "DELETE FROM webhooks WHERE id = ?"
			      " AND user_id = ?", "ss", id, user_id));
	if (rc == 0 && !sqlite3_changes(st->db))
		rc = STORE_NOT_FOUND;
	if (rc == 0)
		rc = sql_run(st, sql_prep(st, "DELETE FROM webhook_dispatches"
				      " WHERE webhook_id = ? AND status != 'ACTIVE'",
				      "s", id));
	if (rc == 0 && store_commit(st) == 0)
		return 0;
	store_rollback(st);
	return rc ? rc : -1;
}

/* Step stmt and call fn with each row; finalizes stmt. */
static int each_webhook(struct store *st, sqlite3_stmt *stmt,
			int (*fn)(void *ctx, const struct webhook *w),
			void *ctx)
{
	struct webhook w;
	int rc, stop = 0;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		webhook_from_row(stmt, &w);
		stop = fn(ctx, &w);
		store_webhook_release(&w);
		if (stop)
			break;
	}
	sqlite3_finalize(stmt);
	if (!stop && rc != SQLITE_DONE) {
		log_error("store", "webhook query failed: %s",
			  sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

#define WEBHOOK_FILTER " WHERE w.user_id = ?1" \
	" AND (?2 = '' OR w.condition_actor_id = ?2)" \
	" AND (?3 = '' OR w.condition_task_id = ?3)"

int store_webhook_list(struct store *st, const struct webhook_filter *f,
		       int64_t offset, int64_t limit, int desc,
		       int (*fn)(void *ctx, const struct webhook *w),
		       void *ctx, int64_t *total)
{
	if (sql_count_rows(st, sql_prep(st, "SELECT count(*) FROM webhooks w"
				   WEBHOOK_FILTER, "sss", f->user_id,
				   f->actor_id, f->task_id), total))
		return -1;
	return each_webhook(st, sql_prep(st, desc ?
		"SELECT " WEBHOOK_COLUMNS " FROM webhooks w" WEBHOOK_FILTER
		" ORDER BY w.created_at DESC, w.rowid DESC LIMIT ?4 OFFSET ?5" :
		"SELECT " WEBHOOK_COLUMNS " FROM webhooks w" WEBHOOK_FILTER
		" ORDER BY w.created_at, w.rowid LIMIT ?4 OFFSET ?5", "sssii",
		f->user_id, f->actor_id, f->task_id, limit, offset), fn, ctx);
}

int store_webhook_matching(struct store *st, const struct webhook_subject *s,
			   unsigned event,
			   int (*fn)(void *ctx, const struct webhook *w),
			   void *ctx)
{
	return each_webhook(st, sql_prep(st, "SELECT " WEBHOOK_COLUMNS
		" FROM webhooks w WHERE w.user_id = ?1 AND (w.event_mask & ?2)"
		" AND ((?3 != '' AND w.condition_run_id = ?3)"
		" OR w.condition_actor_id = ?4"
		" OR (?5 != '' AND w.condition_task_id = ?5))"
		" ORDER BY w.created_at, w.rowid", "sisss", s->user_id,
		(int64_t)event, s->run_id, s->actor_id, s->task_id), fn, ctx);
}

void store_webhook_release(struct webhook *w)
{
	free(w->request_url);
	free(w->payload_template);
	free(w->headers_template);
	free(w->idempotency_key);
	free(w->description);
	w->request_url = w->payload_template = w->headers_template = NULL;
	w->idempotency_key = w->description = NULL;
}

/* Dispatches ------------------------------------------------------------ */

#define DISPATCH_COLUMNS "id, webhook_id, user_id, status, event_type," \
	" event_data, request_url, payload, headers, do_not_retry," \
	" ignore_ssl_errors, attempts, next_attempt_at, calls, created_at"

int store_dispatch_insert(struct store *st, const struct webhook_dispatch *d)
{
	return sql_run(st, sql_prep(st, "INSERT INTO webhook_dispatches ("
		DISPATCH_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?)", "ssssssssSiiiisi", d->id, d->webhook_id,
		d->user_id, d->status, d->event_type, d->event_data,
		d->request_url, d->payload, d->headers,
		(int64_t)d->do_not_retry, (int64_t)d->ignore_ssl_errors,
		d->attempts, d->next_attempt_at, d->calls ? d->calls : "[]",
		d->created_at));
}

static void dispatch_from_row(sqlite3_stmt *stmt, struct webhook_dispatch *out)
{
	memset(out, 0, sizeof(*out));
	sql_col_copy(stmt, 0, out->id, sizeof(out->id));
	sql_col_copy(stmt, 1, out->webhook_id, sizeof(out->webhook_id));
	sql_col_copy(stmt, 2, out->user_id, sizeof(out->user_id));
	sql_col_copy(stmt, 3, out->status, sizeof(out->status));
	sql_col_copy(stmt, 4, out->event_type, sizeof(out->event_type));
	out->event_data = sql_col_dup(stmt, 5);
	out->request_url = sql_col_dup(stmt, 6);
	out->payload = sql_col_dup(stmt, 7);
	out->headers = sql_col_dup(stmt, 8);
	out->do_not_retry = sqlite3_column_int(stmt, 9);
	out->ignore_ssl_errors = sqlite3_column_int(stmt, 10);
	out->attempts = sqlite3_column_int64(stmt, 11);
	out->next_attempt_at = sqlite3_column_int64(stmt, 12);
	out->calls = sql_col_dup(stmt, 13);
	out->created_at = sqlite3_column_int64(stmt, 14);
}

static int each_dispatch(struct store *st, sqlite3_stmt *stmt,
			 int (*fn)(void *ctx, const struct webhook_dispatch *d),
			 void *ctx)
{
	struct webhook_dispatch d;
	int rc, stop = 0;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		dispatch_from_row(stmt, &d);
		stop = fn(ctx, &d);
		store_dispatch_release(&d);
		if (stop)
			break;
	}
	sqlite3_finalize(stmt);
	if (!stop && rc != SQLITE_DONE) {
		log_error("store", "dispatch query failed: %s",
			  sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int store_dispatch_get(struct store *st, const char *user_id, const char *id,
		       struct webhook_dispatch *out)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT " DISPATCH_COLUMNS
				      " FROM webhook_dispatches WHERE id = ?1"
				      " AND (?2 = '' OR user_id = ?2)", "ss",
				      id, user_id);
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	dispatch_from_row(stmt, out);
	sqlite3_finalize(stmt);
	return 0;
}

#define DISPATCH_FILTER " WHERE user_id = ?1" \
	" AND (?2 = '' OR webhook_id = ?2)"

int store_dispatch_list(struct store *st, const char *user_id,
			const char *webhook_id, int64_t offset, int64_t limit,
			int desc,
			int (*fn)(void *ctx, const struct webhook_dispatch *d),
			void *ctx, int64_t *total)
{
	if (sql_count_rows(st, sql_prep(st, "SELECT count(*)"
				   " FROM webhook_dispatches" DISPATCH_FILTER,
				   "ss", user_id, webhook_id), total))
		return -1;
	return each_dispatch(st, sql_prep(st, desc ?
		"SELECT " DISPATCH_COLUMNS " FROM webhook_dispatches"
		DISPATCH_FILTER " ORDER BY created_at DESC, rowid DESC"
		" LIMIT ?3 OFFSET ?4" :
		"SELECT " DISPATCH_COLUMNS " FROM webhook_dispatches"
		DISPATCH_FILTER " ORDER BY created_at, rowid LIMIT ?3 OFFSET ?4",
		"ssii", user_id, webhook_id, limit, offset), fn, ctx);
}

int store_dispatch_due(struct store *st, int64_t now_ms, int64_t limit,
		       int (*fn)(void *ctx, const struct webhook_dispatch *d),
		       void *ctx)
{
	return each_dispatch(st, sql_prep(st, "SELECT " DISPATCH_COLUMNS
		" FROM webhook_dispatches WHERE status = 'ACTIVE'"
		" AND next_attempt_at <= ? ORDER BY next_attempt_at, rowid"
		" LIMIT ?", "ii", now_ms, limit), fn, ctx);
}

int store_dispatch_next_due(struct store *st, int64_t now_ms, int64_t *at)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT min(next_attempt_at)"
				      " FROM webhook_dispatches"
				      " WHERE status = 'ACTIVE'"
				      " AND next_attempt_at > ?", "i", now_ms);
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		rc = STORE_NOT_FOUND;
	else
		*at = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc;
}

int store_dispatch_record_call(struct store *st, const char *id,
			       const char *status, int64_t next_attempt_at,
			       const char *call)
{
	return sql_run(st, sql_prep(st, "UPDATE webhook_dispatches"
		" SET calls = json_insert(calls, '$[#]', json(?)),"
		" attempts = attempts + 1, status = ?, next_attempt_at = ?"
		" WHERE id = ?", "ssis", call, status, next_attempt_at, id));
}

void store_dispatch_release(struct webhook_dispatch *d)
{
	free(d->event_data);
	free(d->request_url);
	free(d->payload);
	free(d->headers);
	free(d->calls);
	d->event_data = d->request_url = d->payload = d->headers = NULL;
	d->calls = NULL;
}
