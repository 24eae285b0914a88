/*
 * Internals the SQLite driver's files share: the connection and the
 * statement helpers of sqlite.c, which the other sqlite_*.c files (one per
 * group of tables) use. Nothing outside src/store/ includes this.
 */
#ifndef ACTORD_STORE_SQLITE_INT_H
#define ACTORD_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store.h"

struct store {
	sqlite3 *db;
};

/*
 * Prepare sql and bind its parameters from fmt, one letter a parameter:
 * s text, S text or NULL for NULL or "", i int64, d double, b blob
 * (pointer, size_t). Returns NULL on error (logged).
 */
sqlite3_stmt *sql_prep(struct store *st, const char *sql, const char *fmt,
		       ...);
/* Step a statement that returns no rows and finalize it: 0,
 * STORE_CONFLICT on a constraint violation, or -1 (logged). */
int sql_run(struct store *st, sqlite3_stmt *stmt);
/* Step to the first row: 0 with a row, STORE_NOT_FOUND, or -1. The
 * statement is finalized unless 0 is returned. */
int sql_first_row(struct store *st, sqlite3_stmt *stmt);
/* Run a count(*) query into *total; -1 on error. */
int sql_count_rows(struct store *st, sqlite3_stmt *stmt, int64_t *total);
/* Column col as text: copied into out (cut to size), or a copy the caller
 * frees (NULL for SQL NULL). */
void sql_col_copy(sqlite3_stmt *stmt, int col, char *out, size_t size);
char *sql_col_dup(sqlite3_stmt *stmt, int col);

/*
 * Make the statements until sql_release() one change: a savepoint, which
 * nests in the caller's transaction or starts its own. sql_release(st,
 * rc) keeps the change when rc is 0, else undoes it, and returns rc, or
 * -1 when the change could not be kept.
 */
int sql_savepoint(struct store *st);
int sql_release(struct store *st, int rc);
/* Write a record and count it in its store's size and write count, as
 * one change. content_encoding is "" for plain bytes. */
int sql_record_put(struct store *st, const char *kvs_id, const char *key,
		   const char *content_type, const char *content_encoding,
		   const void *value, size_t len);

/* The columns of a storage, in the order sql_storage_from_row() reads. */
#define STORAGE_COLUMNS "id, user_id, name, actor_id, run_id, created_at," \
	" modified_at, accessed_at, item_count, storage_bytes, write_count," \
	" delete_count"
/* Fill out from the current row of a SELECT STORAGE_COLUMNS statement. */
void sql_storage_from_row(sqlite3_stmt *stmt, struct storage *out);

#endif
