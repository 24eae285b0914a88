/*
 * The SQLite driver of store.h: one database file in WAL mode, one
 * connection per thread, items keyed by (dataset, index) so that a page at
 * any offset is an index range. Read store.h first; schema.c (below, in
 * SCHEMA) is the table layout.
 */
#include "store/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "util/timeutil.h"


static char *db_path;
static pthread_key_t thread_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS users ("
	" id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS actors ("
	" id TEXT PRIMARY KEY, user_id TEXT NOT NULL, parent_id TEXT NOT NULL,"
	" name TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (user_id, name));"
	"CREATE TABLE IF NOT EXISTS tasks ("
	" id TEXT PRIMARY KEY, user_id TEXT NOT NULL, parent_id TEXT NOT NULL,"
	" name TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (user_id, name));"
	"CREATE TABLE IF NOT EXISTS builds ("
	" id TEXT PRIMARY KEY, actor_id TEXT NOT NULL, user_id TEXT NOT NULL,"
	" version TEXT NOT NULL, seq INTEGER NOT NULL, number TEXT NOT NULL,"
	" status TEXT NOT NULL, command TEXT, input_schema TEXT,"
	" doc TEXT NOT NULL, env_vars TEXT, UNIQUE (actor_id, number));"
	"CREATE TABLE IF NOT EXISTS build_tags ("
	" actor_id TEXT NOT NULL, tag TEXT NOT NULL, build_id TEXT NOT NULL,"
	" PRIMARY KEY (actor_id, tag)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS runs ("
	" id TEXT PRIMARY KEY, user_id TEXT NOT NULL, actor_id TEXT NOT NULL,"
	" task_id TEXT NOT NULL, build_id TEXT NOT NULL,"
	" build_number TEXT NOT NULL, status TEXT NOT NULL,"
	" status_message TEXT, message_terminal INTEGER NOT NULL DEFAULT 0,"
	" started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL DEFAULT 0,"
	" exit_code INTEGER NOT NULL DEFAULT -1, timeout_secs REAL NOT NULL,"
	" memory_mbytes INTEGER NOT NULL, dataset_id TEXT NOT NULL,"
	" kvs_id TEXT NOT NULL, rq_id TEXT NOT NULL, origin TEXT NOT NULL,"
	" input_body_len INTEGER NOT NULL, pid INTEGER NOT NULL DEFAULT 0,"
	" max_items INTEGER NOT NULL DEFAULT 0,"
	" max_total_charge_usd REAL NOT NULL DEFAULT 0,"
	" restart_on_error INTEGER NOT NULL DEFAULT 0,"
	" restart_count INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS runs_task ON runs (task_id, started_at);"
	"CREATE INDEX IF NOT EXISTS runs_status ON runs (status);"
	"CREATE TABLE IF NOT EXISTS storages ("
	" id TEXT PRIMARY KEY, kind INTEGER NOT NULL, user_id TEXT NOT NULL,"
	" name TEXT, actor_id TEXT NOT NULL, run_id TEXT NOT NULL,"
	" created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL,"
	" accessed_at INTEGER NOT NULL, item_count INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (kind, user_id, name));"
	"CREATE TABLE IF NOT EXISTS items ("
	" dataset_id TEXT NOT NULL, idx INTEGER NOT NULL, body BLOB NOT NULL,"
	" PRIMARY KEY (dataset_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS records ("
	" kvs_id TEXT NOT NULL, key TEXT NOT NULL, content_type TEXT NOT NULL,"
	" value BLOB NOT NULL, modified_at INTEGER NOT NULL,"
	" content_encoding TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (kvs_id, key)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS webhooks ("
	" id TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
	" is_ad_hoc INTEGER NOT NULL, event_mask INTEGER NOT NULL,"
	" request_url TEXT NOT NULL, payload_template TEXT,"
	" headers_template TEXT, idempotency_key TEXT, description TEXT,"
	" should_interpolate_strings INTEGER NOT NULL,"
	" do_not_retry INTEGER NOT NULL, ignore_ssl_errors INTEGER NOT NULL,"
	" condition_actor_id TEXT NOT NULL, condition_task_id TEXT NOT NULL,"
	" condition_run_id TEXT NOT NULL, created_at INTEGER NOT NULL,"
	" modified_at INTEGER NOT NULL, UNIQUE (user_id, idempotency_key));"
	"CREATE INDEX IF NOT EXISTS webhooks_run ON webhooks (condition_run_id);"
	"CREATE INDEX IF NOT EXISTS webhooks_actor"
	" ON webhooks (condition_actor_id);"
	"CREATE INDEX IF NOT EXISTS webhooks_task"
	" ON webhooks (condition_task_id);"
	"CREATE TABLE IF NOT EXISTS webhook_dispatches ("
	" id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, user_id TEXT NOT NULL,"
	" status TEXT NOT NULL, event_type TEXT NOT NULL,"
	" event_data TEXT NOT NULL, request_url TEXT NOT NULL,"
	" payload TEXT NOT NULL, headers TEXT, do_not_retry INTEGER NOT NULL,"
	" ignore_ssl_errors INTEGER NOT NULL, attempts INTEGER NOT NULL,"
	" next_attempt_at INTEGER NOT NULL, calls TEXT NOT NULL,"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS dispatches_due"
	" ON webhook_dispatches (status, next_attempt_at);"
	"CREATE INDEX IF NOT EXISTS dispatches_webhook"
	" ON webhook_dispatches (webhook_id, created_at);"
	"CREATE INDEX IF NOT EXISTS dispatches_user"
	" ON webhook_dispatches (user_id, created_at);"
	"CREATE TABLE IF NOT EXISTS queue_requests ("
	" queue_id TEXT NOT NULL, id TEXT NOT NULL, unique_key TEXT NOT NULL,"
	" order_no INTEGER NOT NULL, handled INTEGER NOT NULL,"
	" lock_expires_at INTEGER NOT NULL DEFAULT 0,"
	" lock_client TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL,"
	" PRIMARY KEY (queue_id, id), UNIQUE (queue_id, unique_key))"
	" WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS queue_requests_head"
	" ON queue_requests (queue_id, handled, order_no);"
	"CREATE INDEX IF NOT EXISTS queue_requests_order"
	" ON queue_requests (queue_id, order_no);"
	"CREATE TABLE IF NOT EXISTS queue_clients ("
	" queue_id TEXT NOT NULL, client_key TEXT NOT NULL,"
	" PRIMARY KEY (queue_id, client_key)) WITHOUT ROWID;";

static void close_thread_store(void *p)
{
	struct store *st = p;

	sqlite3_close_v2(st->db);
	free(st);
}

static void make_key(void)
{
	pthread_key_create(&thread_key, close_thread_store);
}

static struct store *store_open(void)
{
	struct store *st = xcalloc(1, sizeof(*st));
	char *err = NULL;
	int rc;

	rc = sqlite3_open_v2(db_path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store", "cannot open %s: %s", db_path,
			  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	/*
	 * WAL lets readers run beside the one writer; synchronous=FULL makes
	 * each commit durable before a 2xx goes out. busy_timeout covers the
	 * short waits for the write lock between threads.
	 */
	sqlite3_busy_timeout(st->db, 10000);
	rc = sqlite3_exec(st->db, "PRAGMA journal_mode=WAL;"
			  "PRAGMA synchronous=FULL;PRAGMA foreign_keys=OFF;",
			  NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		log_error("store", "cannot configure %s: %s", db_path, err);
		sqlite3_free(err);
		goto fail;
	}
	return st;

fail:
	sqlite3_close_v2(st->db);
	free(st);
	return NULL;
}

/*
 * Create the database file readable by its owner only, or make an older
 * one so, because it contains API tokens. SQLite gives the -wal and -shm
 * files the mode of the database file.
 */
static int restrict_db_file(void)
{
	static const char *const suffixes[] = { "-wal", "-shm" };
	int fd = open(db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	char path[4096];
	int i;

	if (fd < 0 || fchmod(fd, 0600)) {
		log_error("store", "cannot create %s with mode 0600: %s",
			  db_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	/* Files left by an older actord, which created them 0644. */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", db_path, suffixes[i]);
		if (chmod(path, 0600) && errno != ENOENT)
			log_warn("store", "cannot make %s private: %s", path,
				 strerror(errno));
	}
	return 0;
}

/*
 * Columns added to a table after its first release. CREATE TABLE IF NOT
 * EXISTS leaves the table of an older data dir as it was, so each column
 * is added there when a query naming it does not compile. fill, when set,
 * computes the column for the rows already there, in the transaction that
 * adds it, so a crash cannot leave the column added but not filled.
 */
static const struct added_column {
	const char *table, *column, *declaration, *fill;
} added_columns[] = {
	{ "runs", "max_items", "INTEGER NOT NULL DEFAULT 0", NULL },
	{ "runs", "max_total_charge_usd", "REAL NOT NULL DEFAULT 0", NULL },
	{ "runs", "restart_on_error", "INTEGER NOT NULL DEFAULT 0", NULL },
	{ "runs", "restart_count", "INTEGER NOT NULL DEFAULT 0", NULL },
	{ "records", "content_encoding", "TEXT NOT NULL DEFAULT ''", NULL },
	{ "runs", "metamorphs", "TEXT", NULL },
	{ "runs", "resurrect_count", "INTEGER NOT NULL DEFAULT 0", NULL },
	{ "builds", "env_vars", "TEXT", NULL },
	/* The CPU time (microseconds) and peak memory (bytes) of the run's
	 * ended processes; runs that ended before these existed keep 0. */
	{ "runs", "cpu_usecs", "INTEGER NOT NULL DEFAULT 0", NULL },
	{ "runs", "mem_max_bytes", "INTEGER NOT NULL DEFAULT 0", NULL },
	/* Bytes of the stored items (datasets) or record values (key-value
	 * stores), kept by every write; counted once for older data. */
	{ "storages", "storage_bytes", "INTEGER NOT NULL DEFAULT 0",
	  "UPDATE storages SET storage_bytes = CASE kind"
	  " WHEN 0 THEN (SELECT coalesce(sum(length(body)), 0) FROM items"
	  " WHERE dataset_id = storages.id)"
	  " WHEN 1 THEN (SELECT coalesce(sum(length(value)), 0) FROM records"
	  " WHERE kvs_id = storages.id) ELSE 0 END" },
	/* Write and delete requests since the column was added. */
	{ "storages", "write_count", "INTEGER NOT NULL DEFAULT 0", NULL },
	{ "storages", "delete_count", "INTEGER NOT NULL DEFAULT 0", NULL },
};

/* Add column c and fill it in one transaction. Returns 0 or -1 (logged). */
static int add_column(sqlite3 *db, const struct added_column *c)
{
	char sql[256];
	char *err = NULL;

	snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s",
		 c->table, c->column, c->declaration);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK ||
	    (c->fill && sqlite3_exec(db, c->fill, NULL, NULL, &err) !=
	     SQLITE_OK) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
		log_error("store", "cannot add column %s.%s in %s: %s",
			  c->table, c->column, db_path, err);
		sqlite3_free(err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	log_info("store", "added column %s.%s to %s", c->table, c->column,
		 db_path);
	return 0;
}

static int add_missing_columns(sqlite3 *db)
{
	const struct added_column *c;
	sqlite3_stmt *stmt;
	char sql[256];
	size_t i;

	for (i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++) {
		c = &added_columns[i];
		snprintf(sql, sizeof(sql), "SELECT %s FROM %s LIMIT 0",
			 c->column, c->table);
		if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
			sqlite3_finalize(stmt);
			continue;
		}
		if (add_column(db, c))
			return -1;
	}
	return 0;
}

int store_open_global(const char *data_dir)
{
	struct store *st;
	char *err = NULL;
	size_t n = strlen(data_dir) + 32;

	pthread_once(&key_once, make_key);
	db_path = xmalloc(n);
	snprintf(db_path, n, "%s/actord.sqlite3", data_dir);
	if (restrict_db_file())
		return -1;
	st = store_thread();
	if (!st)
		return -1;
	if (sqlite3_exec(st->db, SCHEMA, NULL, NULL, &err) != SQLITE_OK) {
		log_error("store", "cannot create the schema in %s: %s",
			  db_path, err);
		sqlite3_free(err);
		return -1;
	}
	return add_missing_columns(st->db);
}

void store_close_global(void)
{
	struct store *st = pthread_getspecific(thread_key);

	if (st) {
		close_thread_store(st);
		pthread_setspecific(thread_key, NULL);
	}
	free(db_path);
	db_path = NULL;
}

struct store *store_thread(void)
{
	struct store *st = pthread_getspecific(thread_key);

	if (st)
		return st;
	st = store_open();
	if (st)
		pthread_setspecific(thread_key, st);
	return st;
}

/*
 * Prepare sql and bind its parameters from a format string, one letter a
 * parameter: s text (NULL or "" binds NULL when upper-case S), i int64,
 * d double, b blob (pointer, size_t). Returns NULL on error (logged).
 */
sqlite3_stmt *sql_prep(struct store *st, const char *sql, const char *fmt,
		       ...)
{
	sqlite3_stmt *stmt = NULL;
	va_list ap;
	int i, rc = SQLITE_OK;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		log_error("store", "cannot prepare \"%.60s\": %s", sql,
			  sqlite3_errmsg(st->db));
		return NULL;
	}
	va_start(ap, fmt);
	for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		const char *s;
		const void *p;
		size_t n;

		switch (fmt[i]) {
		case 's':
			s = va_arg(ap, const char *);
			rc = sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_STATIC);
			break;
		case 'S':
			s = va_arg(ap, const char *);
			rc = (s && *s) ?
			     sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_STATIC) :
			     sqlite3_bind_null(stmt, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int64(stmt, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_double(stmt, i + 1, va_arg(ap, double));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			rc = sqlite3_bind_blob64(stmt, i + 1, p, n, SQLITE_STATIC);
			break;
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK) {
		log_error("store", "cannot bind \"%.60s\": %s", sql,
			  sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/* Step a statement that returns no rows and finalize it. */
int sql_run(struct store *st, sqlite3_stmt *stmt)
{
	int rc;

	if (!stmt)
		return -1;
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return STORE_CONFLICT;
	log_error("store", "statement failed: %s", sqlite3_errmsg(st->db));
	return -1;
}

/* Step to the first row: 0 with a row, STORE_NOT_FOUND, or -1. The
 * statement is finalized unless 0 is returned. */
int sql_first_row(struct store *st, sqlite3_stmt *stmt)
{
	int rc;

	if (!stmt)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	log_error("store", "query failed: %s", sqlite3_errmsg(st->db));
	return -1;
}

void sql_col_copy(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	snprintf(out, size, "%s", s ? (const char *)s : "");
}

char *sql_col_dup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s ? xstrndup((const char *)s,
			    (size_t)sqlite3_column_bytes(stmt, col)) : NULL;
}

int store_begin(struct store *st)
{
	return sql_run(st, sql_prep(st, "BEGIN IMMEDIATE", ""));
}

int store_commit(struct store *st)
{
	return sql_run(st, sql_prep(st, "COMMIT", ""));
}

void store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Users ------------------------------------------------------------- */

static int user_row(struct store *st, sqlite3_stmt *stmt, struct user *out)
{
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	sql_col_copy(stmt, 0, out->id, sizeof(out->id));
	sql_col_copy(stmt, 1, out->username, sizeof(out->username));
	sqlite3_finalize(stmt);
	return 0;
}

int store_user_by_token(struct store *st, const char *token, struct user *out)
{
	return user_row(st, sql_prep(st, "SELECT id, username FROM users"
				 " WHERE token = ?", "s", token), out);
}

int store_user_by_name(struct store *st, const char *username,
		       struct user *out)
{
	return user_row(st, sql_prep(st, "SELECT id, username FROM users"
				 " WHERE username = ?", "s", username), out);
}

int store_user_by_id(struct store *st, const char *id, struct user *out)
{
	return user_row(st, sql_prep(st, "SELECT id, username FROM users"
				 " WHERE id = ?", "s", id), out);
}

int store_user_token(struct store *st, const char *user_id, char *out,
		     size_t size)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT token FROM users WHERE id = ?",
				  "s", user_id);
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	sql_col_copy(stmt, 0, out, size);
	sqlite3_finalize(stmt);
	return 0;
}

int store_user_count(struct store *st, int64_t *count)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT count(*) FROM users", "");
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	*count = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

int store_user_create(struct store *st, const char *username,
		      const char *token, struct user *out)
{
	id_new(out->id);
	snprintf(out->username, sizeof(out->username), "%s", username);
	return sql_run(st, sql_prep(st, "INSERT INTO users VALUES (?, ?, ?, ?)",
			    "sssi", out->id, username, token, time_now_ms()));
}

/* Documents: actors and tasks ------------------------------------------ */

static const char *doc_table(enum store_kind kind)
{
	return kind == STORE_ACTOR ? "actors" : "tasks";
}

static int doc_row(struct store *st, sqlite3_stmt *stmt, struct store_doc *out)
{
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	sql_col_copy(stmt, 0, out->id, sizeof(out->id));
	sql_col_copy(stmt, 1, out->user_id, sizeof(out->user_id));
	sql_col_copy(stmt, 2, out->parent_id, sizeof(out->parent_id));
	out->name = sql_col_dup(stmt, 3);
	out->doc = sql_col_dup(stmt, 4);
	out->doc_len = (size_t)sqlite3_column_bytes(stmt, 4);
	sqlite3_finalize(stmt);
	return 0;
}

int store_doc_get(struct store *st, enum store_kind kind, const char *id,
		  struct store_doc *out)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT id, user_id, parent_id, name, doc"
		 " FROM %s WHERE id = ?", doc_table(kind));
	return doc_row(st, sql_prep(st, sql, "s", id), out);
}

int store_doc_find(struct store *st, enum store_kind kind,
		   const char *user_id, const char *name, struct store_doc *out)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT id, user_id, parent_id, name, doc"
		 " FROM %s WHERE user_id = ? AND name = ?", doc_table(kind));
	return doc_row(st, sql_prep(st, sql, "ss", user_id, name), out);
}

/* 1 if another document of the user has this name, 0 if not, -1 on error. */
static int name_taken(struct store *st, enum store_kind kind,
		      const struct store_doc *d)
{
	struct store_doc other = { 0 };
	int rc = store_doc_find(st, kind, d->user_id, d->name, &other);
	int taken;

	if (rc == STORE_NOT_FOUND)
		return 0;
	if (rc < 0)
		return -1;
	taken = strcmp(other.id, d->id) != 0;
	store_doc_release(&other);
	return taken;
}

int store_doc_put(struct store *st, enum store_kind kind,
		  const struct store_doc *d)
{
	char sql[128];
	int taken = name_taken(st, kind, d);

	/* OR REPLACE replaces on the primary key only. A rename onto a taken
	 * name must be a conflict, not a silent delete of the other row. */
	if (taken)
		return taken < 0 ? -1 : STORE_CONFLICT;
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO %s"
		 " VALUES (?, ?, ?, ?, ?)", doc_table(kind));
	return sql_run(st, sql_prep(st, sql, "sssss", d->id, d->user_id, d->parent_id,
			    d->name, d->doc));
}

int store_doc_count_run(struct store *st, enum store_kind kind,
			const char *id)
{
	char sql[192];

	snprintf(sql, sizeof(sql), "UPDATE %s SET doc = json_set(doc,"
		 " '$.stats.totalRuns', coalesce(json_extract(doc,"
		 " '$.stats.totalRuns'), 0) + 1) WHERE id = ?",
		 doc_table(kind));
	return sql_run(st, sql_prep(st, sql, "s", id));
}

int store_doc_delete(struct store *st, enum store_kind kind, const char *id)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?",
		 doc_table(kind));
	return sql_run(st, sql_prep(st, sql, "s", id));
}

/* Append the first column of each row as a JSON array element. */
static int list_rows(struct store *st, sqlite3_stmt *stmt, struct buf *out,
		     int64_t *count)
{
	int rc;

	if (!stmt)
		return -1;
	*count = 0;
	buf_putc(out, '[');
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*count)
			buf_putc(out, ',');
		buf_append(out, sqlite3_column_text(stmt, 0),
			   (size_t)sqlite3_column_bytes(stmt, 0));
		(*count)++;
	}
	buf_putc(out, ']');
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		log_error("store", "list failed: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int sql_count_rows(struct store *st, sqlite3_stmt *stmt, int64_t *total)
{
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc < 0 ? -1 : 0;
	*total = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

int store_doc_list(struct store *st, enum store_kind kind, const char *user_id,
		   int64_t offset, int64_t limit, int desc, struct buf *out,
		   int64_t *total, int64_t *count)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE user_id = ?",
		 doc_table(kind));
	if (sql_count_rows(st, sql_prep(st, sql, "s", user_id), total))
		return -1;
	snprintf(sql, sizeof(sql), "SELECT doc FROM %s WHERE user_id = ?"
		 " ORDER BY rowid %s LIMIT ? OFFSET ?", doc_table(kind),
		 desc ? "DESC" : "ASC");
	return list_rows(st, sql_prep(st, sql, "sii", user_id, limit, offset), out,
			 count);
}

void store_doc_release(struct store_doc *d)
{
	free(d->name);
	free(d->doc);
	d->name = d->doc = NULL;
}

/* Builds ---------------------------------------------------------------- */

int store_build_next_seq(struct store *st, const char *actor_id,
			 const char *version, int64_t *seq)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT coalesce(max(seq), 0) + 1"
				  " FROM builds WHERE actor_id = ? AND version = ?",
				  "ss", actor_id, version);
	int rc = sql_first_row(st, stmt);

	if (rc)
		return -1;
	*seq = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

int store_build_put(struct store *st, const struct build *b,
		    const char *version, int64_t seq)
{
	/* An upsert keeps the row's rowid, and so the build's place in
	 * the lists, when a build moves on from READY. env_vars is the
	 * snapshot taken when the row is inserted, so no update changes it. */
	return sql_run(st, sql_prep(st, "INSERT INTO builds (id, actor_id,"
			    " user_id, version, seq, number, status, command,"
			    " input_schema, doc, env_vars) VALUES"
			    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id)"
			    " DO UPDATE SET status = excluded.status,"
			    " command = excluded.command,"
			    " input_schema = excluded.input_schema,"
			    " doc = excluded.doc", "ssssissSSsS",
			    b->id, b->actor_id, b->user_id, version, seq,
			    b->number, b->status, b->command, b->input_schema,
			    b->doc, b->env_vars));
}

static int build_row(struct store *st, sqlite3_stmt *stmt, struct build *out)
{
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	sql_col_copy(stmt, 0, out->id, sizeof(out->id));
	sql_col_copy(stmt, 1, out->actor_id, sizeof(out->actor_id));
	sql_col_copy(stmt, 2, out->user_id, sizeof(out->user_id));
	sql_col_copy(stmt, 3, out->number, sizeof(out->number));
	sql_col_copy(stmt, 4, out->status, sizeof(out->status));
	out->command = sql_col_dup(stmt, 5);
	out->input_schema = sql_col_dup(stmt, 6);
	out->doc = sql_col_dup(stmt, 7);
	out->env_vars = sql_col_dup(stmt, 8);
	sqlite3_finalize(stmt);
	return 0;
}

#define BUILD_COLUMNS "id, actor_id, user_id, number, status, command," \
		      " input_schema, doc, env_vars"

int store_build_get(struct store *st, const char *id, struct build *out)
{
	return build_row(st, sql_prep(st, "SELECT " BUILD_COLUMNS " FROM builds"
				  " WHERE id = ?", "s", id), out);
}

int store_build_resolve(struct store *st, const char *actor_id,
			const char *tag_or_number, struct build *out)
{
	int rc = build_row(st, sql_prep(st, "SELECT " BUILD_COLUMNS " FROM builds"
				    " WHERE id = (SELECT build_id FROM build_tags"
				    " WHERE actor_id = ? AND tag = ?)", "ss",
				    actor_id, tag_or_number), out);

	if (rc != STORE_NOT_FOUND)
		return rc;
	return build_row(st, sql_prep(st, "SELECT " BUILD_COLUMNS " FROM builds"
				  " WHERE actor_id = ? AND number = ?", "ss",
				  actor_id, tag_or_number), out);
}

int store_build_tag(struct store *st, const char *actor_id, const char *tag,
		    const char *build_id)
{
	return sql_run(st, sql_prep(st, "INSERT OR REPLACE INTO build_tags"
			    " VALUES (?, ?, ?)", "sss", actor_id, tag,
			    build_id));
}

/* Append the first column of each row, NUL-terminated, to ids; finalizes
 * stmt. Returns 0 or -1. */
static int collect_ids(sqlite3_stmt *stmt, struct buf *ids)
{
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		buf_puts(ids, (const char *)sqlite3_column_text(stmt, 0));
		buf_putc(ids, '\0');
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_build_idle_ids(struct store *st, const char *actor_id,
			 struct buf *ids)
{
	return collect_ids(sql_prep(st, "SELECT b.id FROM builds b WHERE"
		" b.actor_id = ? AND NOT EXISTS (SELECT 1 FROM runs r WHERE"
		" r.build_id = b.id AND r.status NOT IN ('SUCCEEDED', 'FAILED',"
		" 'TIMED-OUT', 'ABORTED'))", "s", actor_id), ids);
}

int store_build_delete(struct store *st, const char *id, char *tag,
		       size_t tag_size, int64_t *runs)
{
	sqlite3_stmt *stmt;
	int rc;

	*tag = '\0';
	*runs = 0;
	if (store_begin(st))
		return -1;
	stmt = sql_prep(st, "SELECT tag FROM build_tags WHERE build_id = ?"
			" ORDER BY tag LIMIT 1", "s", id);
	rc = sql_first_row(st, stmt);
	if (rc == 0) {
		sql_col_copy(stmt, 0, tag, tag_size);
		sqlite3_finalize(stmt);
	}
	if (rc < 0 || sql_count_rows(st, sql_prep(st, "SELECT count(*) FROM"
			" runs WHERE build_id = ? AND status NOT IN"
			" ('SUCCEEDED', 'FAILED', 'TIMED-OUT', 'ABORTED')", "s",
			id), runs)) {
		store_rollback(st);
		return -1;
	}
	if (*tag || *runs) {
		store_rollback(st);
		return STORE_CONFLICT;
	}
	if (sql_run(st, sql_prep(st, "DELETE FROM builds WHERE id = ?", "s",
				 id)) || store_commit(st)) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_build_end_unfinished(struct store *st, const char *status,
			       const char *finished_at, struct buf *ids)
{
	if (store_begin(st))
		return -1;
	if (collect_ids(sql_prep(st, "SELECT id FROM builds WHERE status IN"
				 " ('READY', 'RUNNING')", ""), ids) ||
	    sql_run(st, sql_prep(st, "UPDATE builds SET status = ?1,"
			" doc = json_set(doc, '$.status', ?1, '$.finishedAt', ?2,"
			" '$.stats.durationMillis', CAST(round((julianday(?2) -"
			" julianday(json_extract(doc, '$.startedAt'))) * 86400000)"
			" AS INTEGER))"
			" WHERE status IN ('READY', 'RUNNING')", "ss", status,
			finished_at)) ||
	    store_commit(st)) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_build_tags(struct store *st, const char *actor_id, char **json_out)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT json_group_object(t.tag,"
		" json_object('buildId', b.id, 'buildNumber', b.number,"
		" 'finishedAt', json_extract(b.doc, '$.finishedAt')))"
		" FROM build_tags t JOIN builds b ON b.id = t.build_id"
		" WHERE t.actor_id = ?", "s", actor_id);
	int rc = sql_first_row(st, stmt);

	*json_out = NULL;
	if (rc)
		return rc < 0 ? -1 : 0;
	*json_out = sql_col_dup(stmt, 0);
	sqlite3_finalize(stmt);
	return *json_out ? 0 : -1;
}

int store_build_list(struct store *st, const char *actor_id, int64_t offset,
		     int64_t limit, int desc, struct buf *out, int64_t *total,
		     int64_t *count)
{
	if (sql_count_rows(st, sql_prep(st, "SELECT count(*) FROM builds"
				" WHERE actor_id = ?", "s", actor_id), total))
		return -1;
	return list_rows(st, sql_prep(st, desc ?
		"SELECT doc FROM builds WHERE actor_id = ? ORDER BY rowid DESC"
		" LIMIT ? OFFSET ?" :
		"SELECT doc FROM builds WHERE actor_id = ? ORDER BY rowid"
		" LIMIT ? OFFSET ?", "sii", actor_id, limit, offset),
		out, count);
}

int store_build_list_user(struct store *st, const char *user_id,
			  int64_t offset, int64_t limit, int desc,
			  struct buf *out, int64_t *total, int64_t *count)
{
	if (sql_count_rows(st, sql_prep(st, "SELECT count(*) FROM builds"
				" WHERE user_id = ?", "s", user_id), total))
		return -1;
	return list_rows(st, sql_prep(st, desc ?
		"SELECT doc FROM builds WHERE user_id = ? ORDER BY rowid DESC"
		" LIMIT ? OFFSET ?" :
		"SELECT doc FROM builds WHERE user_id = ? ORDER BY rowid"
		" LIMIT ? OFFSET ?", "sii", user_id, limit, offset),
		out, count);
}

void store_build_release(struct build *b)
{
	free(b->command);
	free(b->input_schema);
	free(b->doc);
	free(b->env_vars);
	b->command = b->input_schema = b->doc = b->env_vars = NULL;
}

/* Runs ------------------------------------------------------------------ */

#define RUN_COLUMNS "id, user_id, actor_id, task_id, build_id, build_number," \
	" status, status_message, message_terminal, started_at, finished_at," \
	" exit_code, timeout_secs, memory_mbytes, dataset_id, kvs_id, rq_id," \
	" origin, input_body_len, pid, max_items, max_total_charge_usd," \
	" restart_on_error, restart_count, metamorphs, resurrect_count," \
	" cpu_usecs, mem_max_bytes"

int store_run_insert(struct store *st, const struct run *r)
{
	return sql_run(st, sql_prep(st, "INSERT INTO runs (" RUN_COLUMNS ") VALUES"
		" (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?, ?)",
		"sssssssSiiiidissssiiidiiSiii", r->id, r->user_id, r->actor_id,
		r->task_id, r->build_id, r->build_number, r->status,
		r->status_message, (int64_t)r->status_message_terminal,
		r->started_at, r->finished_at, (int64_t)r->exit_code,
		r->timeout_secs, r->memory_mbytes, r->dataset_id, r->kvs_id,
		r->rq_id, r->origin, r->input_body_len, r->pid, r->max_items,
		r->max_total_charge_usd, (int64_t)r->restart_on_error,
		r->restart_count, r->metamorphs, r->resurrect_count,
		r->cpu_usecs, r->mem_max_bytes));
}

/* Fill out from the current row of a SELECT RUN_COLUMNS statement. */
static void run_from_row(sqlite3_stmt *stmt, struct run *out)
{
	sql_col_copy(stmt, 0, out->id, sizeof(out->id));
	sql_col_copy(stmt, 1, out->user_id, sizeof(out->user_id));
	sql_col_copy(stmt, 2, out->actor_id, sizeof(out->actor_id));
	sql_col_copy(stmt, 3, out->task_id, sizeof(out->task_id));
	sql_col_copy(stmt, 4, out->build_id, sizeof(out->build_id));
	sql_col_copy(stmt, 5, out->build_number, sizeof(out->build_number));
	sql_col_copy(stmt, 6, out->status, sizeof(out->status));
	out->status_message = sql_col_dup(stmt, 7);
	out->status_message_terminal = sqlite3_column_int(stmt, 8);
	out->started_at = sqlite3_column_int64(stmt, 9);
	out->finished_at = sqlite3_column_int64(stmt, 10);
	out->exit_code = sqlite3_column_int(stmt, 11);
	out->timeout_secs = sqlite3_column_double(stmt, 12);
	out->memory_mbytes = sqlite3_column_int64(stmt, 13);
	sql_col_copy(stmt, 14, out->dataset_id, sizeof(out->dataset_id));
	sql_col_copy(stmt, 15, out->kvs_id, sizeof(out->kvs_id));
	sql_col_copy(stmt, 16, out->rq_id, sizeof(out->rq_id));
	sql_col_copy(stmt, 17, out->origin, sizeof(out->origin));
	out->input_body_len = sqlite3_column_int64(stmt, 18);
	out->pid = sqlite3_column_int64(stmt, 19);
	out->max_items = sqlite3_column_int64(stmt, 20);
	out->max_total_charge_usd = sqlite3_column_double(stmt, 21);
	out->restart_on_error = sqlite3_column_int(stmt, 22);
	out->restart_count = sqlite3_column_int64(stmt, 23);
	out->metamorphs = sql_col_dup(stmt, 24);
	out->resurrect_count = sqlite3_column_int64(stmt, 25);
	out->cpu_usecs = sqlite3_column_int64(stmt, 26);
	out->mem_max_bytes = sqlite3_column_int64(stmt, 27);
}

static int run_row(struct store *st, sqlite3_stmt *stmt, struct run *out)
{
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	run_from_row(stmt, out);
	sqlite3_finalize(stmt);
	return 0;
}

/* The WHERE clause of a run list; an empty filter field matches all. */
#define RUN_FILTER " WHERE user_id = ? AND (?2 = '' OR actor_id = ?2)" \
	" AND (?3 = '' OR task_id = ?3) AND (?4 = '' OR status = ?4)"

int store_run_list(struct store *st, const struct run_filter *f,
		   int64_t offset, int64_t limit, int desc,
		   int (*fn)(void *ctx, const struct run *run), void *ctx,
		   int64_t *total)
{
	sqlite3_stmt *stmt;
	struct run run;
	int rc, stop = 0;

	if (sql_count_rows(st, sql_prep(st, "SELECT count(*) FROM runs" RUN_FILTER,
				"ssss", f->user_id, f->actor_id, f->task_id,
				f->status), total))
		return -1;
	stmt = sql_prep(st, desc ?
		    "SELECT " RUN_COLUMNS " FROM runs" RUN_FILTER
		    " ORDER BY started_at DESC, rowid DESC LIMIT ?5 OFFSET ?6" :
		    "SELECT " RUN_COLUMNS " FROM runs" RUN_FILTER
		    " ORDER BY started_at, rowid LIMIT ?5 OFFSET ?6",
		    "ssssii", f->user_id, f->actor_id, f->task_id, f->status,
		    limit, offset);
	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&run, 0, sizeof(run));
		run_from_row(stmt, &run);
		stop = fn(ctx, &run);
		store_run_release(&run);
		if (stop)
			break;
	}
	sqlite3_finalize(stmt);
	if (!stop && rc != SQLITE_DONE) {
		log_error("store", "run list failed: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int store_run_get(struct store *st, const char *id, struct run *out)
{
	return run_row(st, sql_prep(st, "SELECT " RUN_COLUMNS " FROM runs"
				" WHERE id = ?", "s", id), out);
}

int store_run_last(struct store *st, const struct run_filter *f,
		   struct run *out)
{
	return run_row(st, sql_prep(st, "SELECT " RUN_COLUMNS " FROM runs"
				    RUN_FILTER " ORDER BY started_at DESC,"
				    " rowid DESC LIMIT 1", "ssss", f->user_id,
				    f->actor_id, f->task_id, f->status), out);
}

int store_run_set_running(struct store *st, const char *id, int64_t pid)
{
	/* An abort may have come first: ABORTING stays. */
	return sql_run(st, sql_prep(st, "UPDATE runs SET pid = ?, status = CASE status"
			    " WHEN 'READY' THEN 'RUNNING' ELSE status END"
			    " WHERE id = ?", "is", pid, id));
}

int store_run_restart(struct store *st, const char *id, int count)
{
	return sql_run(st, sql_prep(st, "UPDATE runs SET status = 'READY', pid = 0,"
			    " restart_count = restart_count + ? WHERE id = ?"
			    " AND status = 'RUNNING'", "is", (int64_t)(count != 0),
			    id));
}

int store_run_resurrect(struct store *st, const char *id, int *changed)
{
	if (sql_run(st, sql_prep(st, "UPDATE runs SET status = 'READY',"
			 " status_message = NULL, message_terminal = 0,"
			 " finished_at = 0, exit_code = -1, pid = 0,"
			 " resurrect_count = resurrect_count + 1 WHERE id = ? AND"
			 " status IN ('SUCCEEDED', 'FAILED', 'TIMED-OUT',"
			 " 'ABORTED')", "s", id)))
		return -1;
	*changed = sqlite3_changes(st->db) > 0;
	return 0;
}

int store_run_metamorph(struct store *st, const char *id,
			const char *build_id, const char *build_number,
			const char *entry, int *changed)
{
	if (sql_run(st, sql_prep(st, "UPDATE runs SET build_id = ?,"
			 " build_number = ?, metamorphs = json_insert("
			 "coalesce(metamorphs, '[]'), '$[#]', json(?))"
			 " WHERE id = ? AND status = 'RUNNING'", "ssss",
			 build_id, build_number, entry, id)))
		return -1;
	*changed = sqlite3_changes(st->db) > 0;
	return 0;
}

int store_run_set_stopping(struct store *st, const char *id,
			   const char *status, int *changed)
{
	if (sql_run(st, sql_prep(st, "UPDATE runs SET status = ? WHERE id = ?"
			 " AND status IN ('READY', 'RUNNING')", "ss", status,
			 id)))
		return -1;
	*changed = sqlite3_changes(st->db) > 0;
	return 0;
}

int store_run_delete_finished(struct store *st, const char *id, int *deleted)
{
	if (sql_run(st, sql_prep(st, "DELETE FROM runs WHERE id = ? AND status"
			 " IN ('SUCCEEDED', 'FAILED', 'TIMED-OUT', 'ABORTED')",
			 "s", id)))
		return -1;
	*deleted = sqlite3_changes(st->db) > 0;
	return 0;
}

int store_run_add_usage(struct store *st, const char *id, int64_t cpu_usecs,
			int64_t mem_bytes)
{
	return sql_run(st, sql_prep(st, "UPDATE runs SET cpu_usecs = cpu_usecs"
			    " + ?, mem_max_bytes = max(mem_max_bytes, ?)"
			    " WHERE id = ?", "iis", cpu_usecs, mem_bytes, id));
}

int store_run_finish(struct store *st, const char *id, const char *status,
		     int exit_code, int64_t finished_at, const char *message)
{
	/* A message the actor set stays, unless the runner has a reason. */
	return sql_run(st, sql_prep(st, "UPDATE runs SET status = ?, exit_code = ?,"
			    " finished_at = ?,"
			    " status_message = coalesce(?, status_message)"
			    " WHERE id = ?", "siiSs", status,
			    (int64_t)exit_code, finished_at, message, id));
}

int store_run_set_message(struct store *st, const char *id,
			  const char *message, int terminal)
{
	return sql_run(st, sql_prep(st, "UPDATE runs SET status_message = ?,"
			    " message_terminal = ? WHERE id = ?", "Sis",
			    message, (int64_t)terminal, id));
}

int store_unfinished_runs(struct store *st,
			  void (*fn)(void *ctx, const char *run_id, int64_t pid),
			  void *ctx)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT id, pid FROM runs WHERE status"
				  " IN ('READY', 'RUNNING', 'ABORTING',"
				  " 'TIMING-OUT')", "");
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(stmt, 0),
		   sqlite3_column_int64(stmt, 1));
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The runs store_recover_runs() restarts, read before they change. */
struct restarted_run {
	char id[ID_SIZE];
	int was_running;
};

/* Read the runs to restart into list (struct restarted_run entries). */
static int list_restarts(struct store *st, struct buf *list)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT id, status = 'RUNNING' FROM runs"
				  " WHERE restart_on_error AND status IN"
				  " ('READY', 'RUNNING')"
				  " ORDER BY started_at, rowid", "");
	struct restarted_run r;
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		sql_col_copy(stmt, 0, r.id, sizeof(r.id));
		r.was_running = sqlite3_column_int(stmt, 1);
		buf_append(list, &r, sizeof(r));
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* End the unfinished runs that do not restart; adds their count. */
static int end_unfinished(struct store *st, int64_t now_ms, int *ended)
{
	static const char *const sql[] = {
		"UPDATE runs SET status = 'FAILED', finished_at = ?,"
		" status_message = 'The run was interrupted because actord"
		" stopped while it was in progress.'"
		" WHERE status IN ('READY', 'RUNNING')"
		" AND NOT restart_on_error",
		"UPDATE runs SET status = 'ABORTED', finished_at = ?,"
		" status_message = 'The run was aborted.'"
		" WHERE status = 'ABORTING'",
		"UPDATE runs SET status = 'TIMED-OUT', finished_at = ?,"
		" status_message = 'The run timed out and was stopped.'"
		" WHERE status = 'TIMING-OUT'",
	};
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(*sql); i++) {
		if (sql_run(st, sql_prep(st, sql[i], "i", now_ms)))
			return -1;
		*ended += sqlite3_changes(st->db);
	}
	return 0;
}

int store_recover_runs(struct store *st, int64_t now_ms,
		       store_restart_fn restart, void *ctx, int *ended)
{
	struct buf list = BUF_INIT;
	const struct restarted_run *r;
	size_t i, count;

	*ended = 0;
	if (store_begin(st))
		return -1;
	if (list_restarts(st, &list) ||
	    sql_run(st, sql_prep(st, "UPDATE runs SET status = 'READY', pid = 0,"
			 " restart_count = restart_count +"
			 " (status = 'RUNNING')"
			 " WHERE restart_on_error AND status IN"
			 " ('READY', 'RUNNING')", "")) ||
	    end_unfinished(st, now_ms, ended) || store_commit(st)) {
		store_rollback(st);
		buf_release(&list);
		*ended = 0;
		return -1;
	}
	r = (const struct restarted_run *)list.data;
	count = list.len / sizeof(*r);
	for (i = 0; i < count; i++)
		restart(ctx, r[i].id, r[i].was_running);
	buf_release(&list);
	return 0;
}

void store_run_release(struct run *r)
{
	free(r->status_message);
	free(r->metamorphs);
	r->status_message = NULL;
	r->metamorphs = NULL;
}

/* Storages -------------------------------------------------------------- */

int store_storage_create(struct store *st, enum storage_kind kind,
			 const struct storage *s)
{
	return sql_run(st, sql_prep(st, "INSERT INTO storages (id, kind,"
			    " user_id, name, actor_id, run_id, created_at,"
			    " modified_at, accessed_at) VALUES"
			    " (?, ?, ?, ?, ?, ?, ?, ?, ?)", "sisSssiii",
			    s->id, (int64_t)kind, s->user_id, s->name,
			    s->actor_id, s->run_id, s->created_at,
			    s->modified_at, s->accessed_at));
}

void sql_storage_from_row(sqlite3_stmt *stmt, struct storage *out)
{
	sql_col_copy(stmt, 0, out->id, sizeof(out->id));
	sql_col_copy(stmt, 1, out->user_id, sizeof(out->user_id));
	sql_col_copy(stmt, 2, out->name, sizeof(out->name));
	sql_col_copy(stmt, 3, out->actor_id, sizeof(out->actor_id));
	sql_col_copy(stmt, 4, out->run_id, sizeof(out->run_id));
	out->created_at = sqlite3_column_int64(stmt, 5);
	out->modified_at = sqlite3_column_int64(stmt, 6);
	out->accessed_at = sqlite3_column_int64(stmt, 7);
	out->item_count = sqlite3_column_int64(stmt, 8);
	out->storage_bytes = sqlite3_column_int64(stmt, 9);
	out->write_count = sqlite3_column_int64(stmt, 10);
	out->delete_count = sqlite3_column_int64(stmt, 11);
}

static int storage_row(struct store *st, sqlite3_stmt *stmt,
		       struct storage *out)
{
	int rc = sql_first_row(st, stmt);

	if (rc)
		return rc;
	sql_storage_from_row(stmt, out);
	out->handled_count = 0;
	out->had_multiple_clients = 0;
	sqlite3_finalize(stmt);
	return 0;
}

int store_storage_get(struct store *st, enum storage_kind kind,
		      const char *id, struct storage *out)
{
	return storage_row(st, sql_prep(st, "SELECT " STORAGE_COLUMNS
				    " FROM storages WHERE id = ? AND kind = ?",
				    "si", id, (int64_t)kind), out);
}

int store_storage_find(struct store *st, enum storage_kind kind,
		       const char *user_id, const char *name,
		       struct storage *out)
{
	return storage_row(st, sql_prep(st, "SELECT " STORAGE_COLUMNS
				    " FROM storages WHERE kind = ?"
				    " AND user_id = ? AND name = ?", "iss",
				    (int64_t)kind, user_id, name), out);
}

/* Items ----------------------------------------------------------------- */

int store_items_append(struct store *st, const char *dataset_id,
		       const char *text, const size_t *ends, size_t count,
		       int64_t *first_index)
{
	sqlite3_stmt *stmt = NULL;
	int64_t first;
	size_t i, start = 0;

	if (store_begin(st))
		return -1;
	stmt = sql_prep(st, "SELECT item_count FROM storages WHERE id = ?", "s",
		    dataset_id);
	if (sql_first_row(st, stmt))
		goto fail;
	first = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);

	stmt = sql_prep(st, "INSERT INTO items VALUES (?, ?, ?)", "s", dataset_id);
	if (!stmt)
		goto fail;
	/* One prepared statement reused for every item of the batch. */
	for (i = 0; i < count; i++) {
		sqlite3_bind_int64(stmt, 2, first + (int64_t)i);
		sqlite3_bind_blob64(stmt, 3, text + start, ends[i] - start,
				    SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			log_error("store", "cannot insert item into dataset %s:"
				  " %s", dataset_id, sqlite3_errmsg(st->db));
			sqlite3_finalize(stmt);
			goto fail;
		}
		sqlite3_reset(stmt);
		start = ends[i];
	}
	sqlite3_finalize(stmt);

	/* The items lie back to back in text, so ends[count - 1] is the
	 * bytes of the batch: the same statement keeps the size. */
	if (sql_run(st, sql_prep(st, "UPDATE storages SET item_count = ?,"
			 " modified_at = ?, storage_bytes = storage_bytes + ?,"
			 " write_count = write_count + 1 WHERE id = ?", "iiis",
			 first + (int64_t)count, time_now_ms(),
			 (int64_t)(count ? ends[count - 1] : 0), dataset_id)))
		goto fail;
	if (store_commit(st))
		goto fail;
	*first_index = first;
	return 0;

fail:
	store_rollback(st);
	return -1;
}

int store_items_read(struct store *st, const char *dataset_id, int64_t from,
		     int64_t to, int desc, store_item_fn fn, void *ctx)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = sql_prep(st, desc ?
		    "SELECT idx, body FROM items WHERE dataset_id = ?"
		    " AND idx >= ? AND idx < ? ORDER BY idx DESC" :
		    "SELECT idx, body FROM items WHERE dataset_id = ?"
		    " AND idx >= ? AND idx < ? ORDER BY idx", "sii",
		    dataset_id, from, to);
	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *body = sqlite3_column_blob(stmt, 1);
		size_t len = (size_t)sqlite3_column_bytes(stmt, 1);

		if (fn(ctx, sqlite3_column_int64(stmt, 0), body, len)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		log_error("store", "cannot read items of dataset %s: %s",
			  dataset_id, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* Records --------------------------------------------------------------- */

int store_record_get(struct store *st, const char *kvs_id, const char *key,
		     struct kv_record *out)
{
	sqlite3_stmt *stmt = sql_prep(st, "SELECT content_type, value,"
				  " content_encoding FROM records"
				  " WHERE kvs_id = ? AND key = ?", "ss",
				  kvs_id, key);
	int rc = sql_first_row(st, stmt);
	const void *value;

	if (rc)
		return rc;
	out->content_type = sql_col_dup(stmt, 0);
	sql_col_copy(stmt, 2, out->content_encoding,
		     sizeof(out->content_encoding));
	value = sqlite3_column_blob(stmt, 1);
	out->len = (size_t)sqlite3_column_bytes(stmt, 1);
	out->value = xmalloc(out->len + 1);
	if (out->len)
		memcpy(out->value, value, out->len);
	out->value[out->len] = '\0';
	sqlite3_finalize(stmt);
	return 0;
}

int sql_savepoint(struct store *st)
{
	return sql_run(st, sql_prep(st, "SAVEPOINT store_change", ""));
}

int sql_release(struct store *st, int rc)
{
	if (rc == 0 && sql_run(st, sql_prep(st, "RELEASE store_change", "")))
		rc = -1;
	if (rc) {
		/* Undo the change; the savepoint's own transaction, if it
		 * started one, ends with the RELEASE. */
		sqlite3_exec(st->db, "ROLLBACK TO store_change", NULL, NULL,
			     NULL);
		sqlite3_exec(st->db, "RELEASE store_change", NULL, NULL, NULL);
	}
	return rc;
}

int sql_record_put(struct store *st, const char *kvs_id, const char *key,
		   const char *content_type, const char *content_encoding,
		   const void *value, size_t len)
{
	int64_t now = time_now_ms();
	int rc;

	if (sql_savepoint(st))
		return -1;
	/* The UPDATE comes first: it takes the write lock before any read,
	 * so the busy timeout covers a wait for another writer. */
	rc = sql_run(st, sql_prep(st, "UPDATE storages SET storage_bytes ="
			 " storage_bytes + ?1 - coalesce((SELECT length(value)"
			 " FROM records WHERE kvs_id = ?2 AND key = ?3), 0),"
			 " write_count = write_count + 1, modified_at = ?4"
			 " WHERE id = ?2", "issi", (int64_t)len, kvs_id, key,
			 now));
	if (rc == 0)
		rc = sql_run(st, sql_prep(st, "INSERT OR REPLACE INTO records"
				 " (kvs_id, key, content_type, value,"
				 " modified_at, content_encoding) VALUES"
				 " (?, ?, ?, ?, ?, ?)", "sssbis", kvs_id, key,
				 content_type, value ? value : "", len, now,
				 content_encoding));
	return sql_release(st, rc);
}

int store_record_put(struct store *st, const char *kvs_id, const char *key,
		     const char *content_type, const void *value, size_t len)
{
	return sql_record_put(st, kvs_id, key, content_type, "", value, len);
}

void store_record_release(struct kv_record *r)
{
	free(r->content_type);
	free(r->value);
	r->content_type = r->value = NULL;
}
