/*
 * The SQLite driver's storage management: listing, renaming and deleting
 * datasets, key-value stores and request queues, and the key list and
 * deletion of records. Creation and the hot paths (items, record get and
 * put) are in sqlite.c. Read store.h first.
 */
#include "store/sqlite_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

int store_storage_list(struct store *st, enum storage_kind kind,
		       const char *user_id, int unnamed, int64_t offset,
		       int64_t limit, int desc,
		       int (*fn)(void *ctx, const struct storage *s),
		       void *ctx, int64_t *total)
{
	/* unnamed = 0 lists named storages only, as the platform does. The
	 * rowid orders storages made in the same millisecond as made. */
	const char *where = unnamed ? " FROM storages WHERE kind = ?"
		" AND user_id = ?" : " FROM storages WHERE kind = ?"
		" AND user_id = ? AND name IS NOT NULL AND name <> ''";
	char sql[512];
	sqlite3_stmt *stmt;
	struct storage s;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT count(*)%s", where);
	if (sql_count_rows(st, sql_prep(st, sql, "is", (int64_t)kind, user_id),
			   total))
		return -1;
	snprintf(sql, sizeof(sql), "SELECT " STORAGE_COLUMNS "%s"
		 " ORDER BY created_at %s, rowid %s LIMIT ? OFFSET ?", where,
		 desc ? "DESC" : "ASC", desc ? "DESC" : "ASC");
	stmt = sql_prep(st, sql, "isii", (int64_t)kind, user_id, limit, offset);
	if (!stmt)
		return -1;
	memset(&s, 0, sizeof(s));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		sql_storage_from_row(stmt, &s);
		if (fn(ctx, &s)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		log_error("store", "cannot list storages of user %s: %s",
			  user_id, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int store_storage_rename(struct store *st, enum storage_kind kind,
			 const char *id, const char *name)
{
	int rc = sql_run(st, sql_prep(st, "UPDATE storages SET name = ?,"
				      " modified_at = ? WHERE id = ? AND"
				      " kind = ?", "Sisi", name, time_now_ms(),
				      id, (int64_t)kind));

	if (rc == 0 && sqlite3_changes(st->db) == 0)
		return STORE_NOT_FOUND;
	return rc;
}

int store_storage_delete(struct store *st, enum storage_kind kind,
			 const char *id)
{
	int rc;

	if (store_begin(st))
		return -1;
	rc = sql_run(st, sql_prep(st, "DELETE FROM storages WHERE id = ?"
				  " AND kind = ?", "si", id, (int64_t)kind));
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = STORE_NOT_FOUND;
	if (rc == 0 && kind == STORAGE_DATASET)
		rc = sql_run(st, sql_prep(st, "DELETE FROM items WHERE"
					  " dataset_id = ?", "s", id));
	if (rc == 0 && kind == STORAGE_KVS)
		rc = sql_run(st, sql_prep(st, "DELETE FROM records WHERE"
					  " kvs_id = ?", "s", id));
	if (rc || store_commit(st)) {
		store_rollback(st);
		return rc ? rc : -1;
	}
	return 0;
}

int store_record_put_encoded(struct store *st, const char *kvs_id,
			     const char *key, const char *content_type,
			     const char *content_encoding, const void *value,
			     size_t len)
{
	return sql_record_put(st, kvs_id, key, content_type, content_encoding,
			      value, len);
}

int store_record_delete(struct store *st, const char *kvs_id, const char *key)
{
	int rc, found = 0;

	if (sql_savepoint(st))
		return -1;
	/* A delete of a missing key counts too: it is a delete request. */
	rc = sql_run(st, sql_prep(st, "UPDATE storages SET storage_bytes ="
			 " storage_bytes - coalesce((SELECT length(value) FROM"
			 " records WHERE kvs_id = ?1 AND key = ?2), 0),"
			 " delete_count = delete_count + 1, modified_at = ?3"
			 " WHERE id = ?1", "ssi", kvs_id, key, time_now_ms()));
	if (rc == 0)
		rc = sql_run(st, sql_prep(st, "DELETE FROM records WHERE"
				 " kvs_id = ? AND key = ?", "ss", kvs_id, key));
	if (rc == 0)
		found = sqlite3_changes(st->db) > 0;
	rc = sql_release(st, rc);
	if (rc == 0 && !found)
		return STORE_NOT_FOUND;
	return rc;
}

int store_record_keys(struct store *st, const char *kvs_id,
		      const char *after, const char *prefix, int64_t limit,
		      int (*fn)(void *ctx, const char *key, int64_t size),
		      void *ctx)
{
	/* Keys compare with SQLite's BINARY collation: UTF-8 byte order. */
	sqlite3_stmt *stmt = sql_prep(st, "SELECT key, length(value) FROM"
				      " records WHERE kvs_id = ? AND key > ?"
				      " AND substr(key, 1, ?) = ? ORDER BY key"
				      " LIMIT ?", "ssisi", kvs_id, after,
				      (int64_t)strlen(prefix), prefix, limit);
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (fn(ctx, (const char *)sqlite3_column_text(stmt, 0),
		       sqlite3_column_int64(stmt, 1))) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		log_error("store", "cannot list keys of key-value store %s: %s",
			  kvs_id, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}
