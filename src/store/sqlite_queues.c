/*
 * The SQLite driver of the request-queue part of store.h: the
 * queue_requests table (one row per request, see store.h for its columns)
 * and queue_clients (the client keys that wrote to a queue, for
 * hadMultipleClients). Every write that reads before it writes runs in a
 * BEGIN IMMEDIATE transaction, so two clients never lock the same request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"
#include "util/log.h"
#include "util/request_id.h"
#include "util/timeutil.h"

/* The order number for a new or moved request: below every other for the
 * forefront, above every other otherwise. */
static int next_order_no(struct store *st, const char *queue_id,
			 int forefront, int64_t *out)
{
	sqlite3_stmt *stmt = sql_prep(st, forefront ?
		"SELECT min(0, coalesce(min(order_no), 0)) - 1"
		" FROM queue_requests WHERE queue_id = ?" :
		"SELECT max(0, coalesce(max(order_no), 0)) + 1"
		" FROM queue_requests WHERE queue_id = ?", "s", queue_id);

	if (sql_first_row(st, stmt))
		return -1;
	*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

/* Record the client and the queue's modification time. */
static int touch_queue(struct store *st, const char *queue_id,
		       const char *client_key)
{
	if (client_key[0] &&
	    sql_run(st, sql_prep(st, "INSERT OR IGNORE INTO queue_clients"
				 " VALUES (?, ?)", "ss", queue_id,
				 client_key)))
		return -1;
	return sql_run(st, sql_prep(st, "UPDATE storages SET modified_at = ?,"
			       " accessed_at = ? WHERE id = ?", "iis",
			       time_now_ms(), time_now_ms(), queue_id));
}

static int add_one(struct store *st, const char *queue_id,
		   const struct queue_request_in *in, int forefront,
		   struct queue_request_out *out)
{
	sqlite3_stmt *stmt;
	int64_t order_no;
	int rc;

	stmt = sql_prep(st, "SELECT id, handled FROM queue_requests"
			" WHERE queue_id = ? AND unique_key = ?", "ss",
			queue_id, in->unique_key);
	rc = sql_first_row(st, stmt);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sql_col_copy(stmt, 0, out->id, sizeof(out->id));
		out->was_present = 1;
		out->was_handled = sqlite3_column_int(stmt, 1);
		sqlite3_finalize(stmt);
		return 0;
	}

	request_id_from_key(in->unique_key, strlen(in->unique_key), out->id);
	out->was_present = 0;
	out->was_handled = 0;
	if (next_order_no(st, queue_id, forefront, &order_no))
		return -1;
	stmt = sql_prep(st, "INSERT INTO queue_requests (queue_id, id,"
			" unique_key, order_no, handled, doc)"
			" VALUES (?, ?, ?, ?, ?, ?)", "sssiib", queue_id,
			out->id, in->unique_key, order_no,
			(int64_t)in->handled, in->doc, in->doc_len);
	return sql_run(st, stmt) ? -1 : 0;
}

int store_queue_add(struct store *st, const char *queue_id,
		    const char *client_key, const struct queue_request_in *in,
		    size_t n, int forefront, struct queue_request_out *out)
{
	size_t i;

	if (store_begin(st))
		return -1;
	for (i = 0; i < n; i++)
		if (add_one(st, queue_id, &in[i], forefront, &out[i]))
			goto fail;
	if (touch_queue(st, queue_id, client_key) || store_commit(st))
		goto fail;
	return 0;

fail:
	store_rollback(st);
	return -1;
}

int store_queue_request_get(struct store *st, const char *queue_id,
			    const char *id, char **doc, size_t *len)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT doc FROM queue_requests"
				      " WHERE queue_id = ? AND id = ?", "ss",
				      queue_id, id);
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	*len = (size_t)sqlite3_column_bytes(stmt, 0);
	*doc = sql_col_dup(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

int store_queue_request_update(struct store *st, const char *queue_id,
			       const char *client_key, const char *id,
			       const struct queue_request_in *in,
			       int forefront, int *was_handled)
{
	sqlite3_stmt *stmt;
	int64_t order_no;
	int rc;

	if (store_begin(st))
		return -1;
	stmt = sql_prep(st, "SELECT handled, unique_key = ?, order_no"
			" FROM queue_requests WHERE queue_id = ? AND id = ?",
			"sss", in->unique_key, queue_id, id);
	rc = sql_first_row(st, stmt);
	if (rc)
		goto out;
	*was_handled = sqlite3_column_int(stmt, 0);
	rc = sqlite3_column_int(stmt, 1) ? 0 : STORE_CONFLICT;
	order_no = sqlite3_column_int64(stmt, 2);
	sqlite3_finalize(stmt);
	if (rc)
		goto out;

	rc = -1;
	if (forefront && next_order_no(st, queue_id, 1, &order_no))
		goto out;
	if (sql_run(st, sql_prep(st, "UPDATE queue_requests SET doc = ?,"
				 " handled = ?, order_no = ? WHERE queue_id = ?"
				 " AND id = ?", "biiss", in->doc, in->doc_len,
				 (int64_t)in->handled, order_no, queue_id,
				 id)))
		goto out;
	if (touch_queue(st, queue_id, client_key) || store_commit(st))
		goto out;
	return 0;

out:
	store_rollback(st);
	return rc;
}

int store_queue_request_delete(struct store *st, const char *queue_id,
			       const char *id, const char *unique_key)
{
	int rc = sql_run(st, id ?
		sql_prep(st, "DELETE FROM queue_requests WHERE queue_id = ?"
			 " AND id = ?", "ss", queue_id, id) :
		sql_prep(st, "DELETE FROM queue_requests WHERE queue_id = ?"
			 " AND unique_key = ?", "ss", queue_id, unique_key));

	if (rc)
		return rc;
	return sqlite3_changes(st->db) ? 0 : STORE_NOT_FOUND;
}

#define HEAD_SELECT "SELECT id, doc, lock_expires_at FROM queue_requests" \
	" WHERE queue_id = ? AND handled = 0 AND lock_expires_at <= ?" \
	" ORDER BY order_no LIMIT ?"

static int each_request(struct store *st, sqlite3_stmt *stmt,
			store_request_fn fn, void *ctx)
{
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(stmt, 0),
		   (const char *)sqlite3_column_text(stmt, 1),
		   (size_t)sqlite3_column_bytes(stmt, 1),
		   sqlite3_column_int64(stmt, 2));
	if (rc != SQLITE_DONE)
		log_error("store", "cannot read requests: %s",
			  sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_queue_list_requests(struct store *st, const char *queue_id,
			      const char *after_id, int64_t limit,
			      store_request_fn fn, void *ctx)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT id, doc, 0 FROM"
				      " queue_requests WHERE queue_id = ?"
				      " AND id > ? ORDER BY id LIMIT ?", "ssi",
				      queue_id, after_id ? after_id : "",
				      limit);

	return each_request(st, stmt, fn, ctx);
}

int store_queue_head(struct store *st, const char *queue_id, int64_t limit,
		     int64_t now_ms, store_request_fn fn, void *ctx)
{
	return each_request(st, sql_prep(st, HEAD_SELECT, "sii", queue_id,
					 now_ms, limit), fn, ctx);
}

int store_queue_lock_head(struct store *st, const char *queue_id,
			  const char *client_key, int64_t limit,
			  int64_t now_ms, int64_t lock_ms, store_request_fn fn,
			  void *ctx, int *still_locked)
{
	int64_t locked = 0;

	if (store_begin(st))
		return -1;
	/* The rows are locked before they are read back, inside the same
	 * transaction, so no other client gets them from its head. */
	if (sql_run(st, sql_prep(st, "UPDATE queue_requests SET"
				 " lock_expires_at = ?, lock_client = ?"
				 " WHERE queue_id = ? AND id IN (SELECT id"
				 " FROM queue_requests WHERE queue_id = ?"
				 " AND handled = 0 AND lock_expires_at <= ?"
				 " ORDER BY order_no LIMIT ?)", "isssii",
				 now_ms + lock_ms, client_key, queue_id,
				 queue_id, now_ms, limit)))
		goto fail;
	if (each_request(st, sql_prep(st, "SELECT id, doc, lock_expires_at"
				      " FROM queue_requests WHERE queue_id = ?"
				      " AND handled = 0 AND lock_expires_at = ?"
				      " AND lock_client = ? ORDER BY order_no"
				      " LIMIT ?", "sisi", queue_id,
				      now_ms + lock_ms, client_key, limit),
			 fn, ctx))
		goto fail;
	if (sql_count_rows(st, sql_prep(st, "SELECT count(*) FROM"
					" queue_requests WHERE queue_id = ?"
					" AND handled = 0 AND lock_expires_at"
					" > ?", "si", queue_id, now_ms),
			   &locked))
		goto fail;
	if (touch_queue(st, queue_id, client_key) || store_commit(st))
		goto fail;
	*still_locked = locked > 0;
	return 0;

fail:
	store_rollback(st);
	return -1;
}

int store_queue_lock_change(struct store *st, const char *queue_id,
			    const char *client_key, const char *id,
			    int64_t now_ms, int64_t lock_ms, int forefront,
			    int64_t *expires_at)
{
	sqlite3_stmt *stmt;
	int64_t order_no;
	int rc;

	if (store_begin(st))
		return -1;
	stmt = sql_prep(st, "SELECT lock_expires_at > ? AND lock_client = ?,"
			" order_no FROM queue_requests WHERE queue_id = ?"
			" AND id = ?", "isss", now_ms, client_key, queue_id,
			id);
	rc = sql_first_row(st, stmt);
	if (rc)
		goto out;
	rc = sqlite3_column_int(stmt, 0) ? 0 : STORE_LOCK_NOT_HELD;
	order_no = sqlite3_column_int64(stmt, 1);
	sqlite3_finalize(stmt);
	if (rc)
		goto out;

	rc = -1;
	if (forefront && next_order_no(st, queue_id, 1, &order_no))
		goto out;
	*expires_at = lock_ms < 0 ? 0 : now_ms + lock_ms;
	if (sql_run(st, sql_prep(st, "UPDATE queue_requests SET"
				 " lock_expires_at = ?, order_no = ?"
				 " WHERE queue_id = ? AND id = ?", "iiss",
				 *expires_at, order_no, queue_id, id)))
		goto out;
	if (store_commit(st))
		goto out;
	return 0;

out:
	store_rollback(st);
	return rc;
}

int store_queue_unlock(struct store *st, const char *queue_id,
		       const char *client_key, int64_t now_ms, int64_t *count)
{
	if (sql_run(st, sql_prep(st, "UPDATE queue_requests SET"
				 " lock_expires_at = 0 WHERE queue_id = ?"
				 " AND lock_client = ? AND lock_expires_at > ?",
				 "ssi", queue_id, client_key, now_ms)))
		return -1;
	*count = sqlite3_changes(st->db);
	return 0;
}

/* TODO: keep the counts in the queue's row if counting on each read of a
 * large queue shows up in profiles. */
int store_queue_counts(struct store *st, const char *queue_id,
		       struct queue_counts *out)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT count(*),"
		" coalesce(sum(handled), 0), (SELECT count(*) > 1 FROM"
		" queue_clients WHERE queue_id = ?1) FROM queue_requests"
		" WHERE queue_id = ?1", "s", queue_id);

	if (sql_first_row(st, stmt))
		return -1;
	out->total = sqlite3_column_int64(stmt, 0);
	out->handled = sqlite3_column_int64(stmt, 1);
	out->had_multiple_clients = sqlite3_column_int(stmt, 2);
	sqlite3_finalize(stmt);
	return 0;
}

/* Queues ----------------------------------------------------------------- */

int store_queue_rename(struct store *st, const char *queue_id,
		       const char *name)
{
	int rc = sql_run(st, sql_prep(st, "UPDATE storages SET name = ?,"
				      " modified_at = ? WHERE id = ?", "Sis",
				      name, time_now_ms(), queue_id));

	if (rc)
		return rc;
	return sqlite3_changes(st->db) ? 0 : STORE_NOT_FOUND;
}

int store_queue_delete(struct store *st, const char *queue_id)
{
	if (store_begin(st))
		return -1;
	if (sql_run(st, sql_prep(st, "DELETE FROM queue_requests"
				 " WHERE queue_id = ?", "s", queue_id)) ||
	    sql_run(st, sql_prep(st, "DELETE FROM queue_clients"
				 " WHERE queue_id = ?", "s", queue_id)) ||
	    sql_run(st, sql_prep(st, "DELETE FROM storages WHERE id = ?",
				 "s", queue_id)) ||
	    store_commit(st)) {
		store_rollback(st);
		return -1;
	}
	return 0;
}
