/*
 * The store: every durable object of actord behind one interface, so the
 * SQLite driver (sqlite.c) and a PostgreSQL driver can sit side by side.
 *
 * Each thread uses its own connection, opened on first use by
 * store_thread(); store_open_global() must have run before. Functions
 * return 0 on success, STORE_NOT_FOUND when the row does not exist, and -1
 * on a database error, which the driver logs. Strings in returned structs
 * are owned by the struct and freed by its _release() function.
 *
 * Actors, tasks and builds are kept as their API object ("doc", compact
 * JSON text) next to the columns that are searched, so a GET returns the
 * stored text. Runs, datasets, items and records have real columns because
 * they are read and written on the hot paths.
 *
 * A run moves READY -> RUNNING [runner: spawn] -> SUCCEEDED | FAILED
 * [runner: reap]; a run found READY or RUNNING when actord starts is set to
 * FAILED, since its process was lost with the server, or back to READY
 * with restartOnError [store_recover_runs].
 */
#ifndef ACTORD_STORE_STORE_H
#define ACTORD_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/buf.h"
#include "util/id.h"

#define STORE_NOT_FOUND 1
#define STORE_CONFLICT 2	/* a unique name is taken */

struct store;

/* Open (creating if needed) DATA_DIR/actord.sqlite3 and its schema. */
int store_open_global(const char *data_dir);
void store_close_global(void);
/* This thread's connection; NULL if it cannot be opened (logged). */
struct store *store_thread(void);

int store_begin(struct store *st);	/* a write transaction */
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Users ------------------------------------------------------------- */

struct user {
	char id[ID_SIZE];
	char username[64];
};

int store_user_by_token(struct store *st, const char *token, struct user *out);
int store_user_by_name(struct store *st, const char *username, struct user *out);
int store_user_by_id(struct store *st, const char *id, struct user *out);
/* The user's API token, for the runs they start. */
int store_user_token(struct store *st, const char *user_id, char *out,
		     size_t size);
int store_user_count(struct store *st, int64_t *count);
/* STORE_CONFLICT when the username is taken. */
int store_user_create(struct store *st, const char *username,
		      const char *token, struct user *out);

/* Documents: actors and tasks ------------------------------------------ */

enum store_kind { STORE_ACTOR, STORE_TASK };

struct store_doc {
	char id[ID_SIZE];
	char user_id[ID_SIZE];
	char parent_id[ID_SIZE];	/* a task's actor; empty for actors */
	char *name;
	char *doc;		/* compact JSON of the API object */
	size_t doc_len;
};

int store_doc_get(struct store *st, enum store_kind kind, const char *id,
		  struct store_doc *out);
int store_doc_find(struct store *st, enum store_kind kind,
		   const char *user_id, const char *name, struct store_doc *out);
/* Insert or replace by id; STORE_CONFLICT when (user, name) is taken. */
int store_doc_put(struct store *st, enum store_kind kind,
		  const struct store_doc *d);
int store_doc_delete(struct store *st, enum store_kind kind, const char *id);
/* Add one to the document's stats.totalRuns, for a new run. */
int store_doc_count_run(struct store *st, enum store_kind kind,
			const char *id);
/* Append the docs of a user as a JSON array of objects to out, oldest first;
 * *total gets the count of all, before offset and limit. */
int store_doc_list(struct store *st, enum store_kind kind, const char *user_id,
		   int64_t offset, int64_t limit, int desc, struct buf *out,
		   int64_t *total, int64_t *count);
void store_doc_release(struct store_doc *d);

/* Builds ---------------------------------------------------------------- */

struct build {
	char id[ID_SIZE];
	char actor_id[ID_SIZE];
	char user_id[ID_SIZE];
	char number[48];	/* "0.1.3" */
	char status[16];
	char *command;		/* JSON array of argv strings, or NULL */
	char *input_schema;	/* JSON text, or NULL */
	char *doc;		/* the API object */
	/* JSON array text: the version's envVars when the build was made,
	 * secret values included; NULL for none. Stored when the build is
	 * first put and never changed after. */
	char *env_vars;
};

/* Next build sequence number for an actor's version ("0.1"): 1, 2, ... */
int store_build_next_seq(struct store *st, const char *actor_id,
			 const char *version, int64_t *seq);
int store_build_put(struct store *st, const struct build *b,
		    const char *version, int64_t seq);
int store_build_get(struct store *st, const char *id, struct build *out);
/* Resolve a tag ("latest") or a build number ("0.1.3") of an actor. */
int store_build_resolve(struct store *st, const char *actor_id,
			const char *tag_or_number, struct build *out);
int store_build_tag(struct store *st, const char *actor_id, const char *tag,
		    const char *build_id);
/* Append the ids of the actor's builds that no run that has not ended
 * uses, each NUL-terminated, to ids. */
int store_build_idle_ids(struct store *st, const char *actor_id,
			 struct buf *ids);
/*
 * Delete the build's row unless a tag points at it (the first tag goes to
 * tag) or *runs > 0 runs that have not ended use it: STORE_CONFLICT then.
 * Returns 0, STORE_CONFLICT or -1.
 */
int store_build_delete(struct store *st, const char *id, char *tag,
		       size_t tag_size, int64_t *runs);
/*
 * Give every build still READY or RUNNING the status and finishedAt (ISO
 * text), and append the id of each, NUL-terminated, to ids. One
 * transaction; for the start of actord, when no build is going.
 */
int store_build_end_unfinished(struct store *st, const char *status,
			       const char *finished_at, struct buf *ids);
/* The actor's build tags as a JSON object, {"latest": {"buildId",
 * "buildNumber", "finishedAt"}, ...}; *json_out is malloc'd, the caller
 * frees it. */
int store_build_tags(struct store *st, const char *actor_id, char **json_out);
int store_build_list(struct store *st, const char *actor_id, int64_t offset,
		     int64_t limit, int desc, struct buf *out, int64_t *total,
		     int64_t *count);
/* List the builds of all actors of a user, oldest first unless desc. */
int store_build_list_user(struct store *st, const char *user_id,
			  int64_t offset, int64_t limit, int desc,
			  struct buf *out, int64_t *total, int64_t *count);
void store_build_release(struct build *b);

/* Runs ------------------------------------------------------------------ */

struct run {
	char id[ID_SIZE];
	char user_id[ID_SIZE];
	char actor_id[ID_SIZE];
	char task_id[ID_SIZE];		/* empty when not started from a task */
	char build_id[ID_SIZE];
	char build_number[48];
	char status[16];
	char *status_message;		/* NULL when none */
	int status_message_terminal;
	int64_t started_at;		/* ms since the epoch */
	int64_t finished_at;		/* 0 while running */
	int exit_code;			/* -1 while running */
	double timeout_secs;		/* 0 means none */
	int64_t memory_mbytes;
	int64_t max_items;		/* maxItems; 0 when not given */
	double max_total_charge_usd;	/* maxTotalChargeUsd; 0: not given */
	int restart_on_error;		/* restartOnError */
	int64_t restart_count;		/* restarts after a failure so far */
	char dataset_id[ID_SIZE];
	char kvs_id[ID_SIZE];
	char rq_id[ID_SIZE];
	char origin[16];		/* "API", ... */
	int64_t input_body_len;
	int64_t pid;
	/* JSON array of {createdAt, actorId, buildId, inputKey}, one per
	 * metamorph, or NULL when the run has had none; malloc'd. */
	char *metamorphs;
	int64_t resurrect_count;	/* times resurrected after its end */
	/* The CPU time (microseconds) of the run's processes that have
	 * ended, and the peak memory (bytes) of any of them; 0 before one
	 * ends. See store_run_add_usage(). */
	int64_t cpu_usecs;
	int64_t mem_max_bytes;
};

/* 1 for the statuses a run ends in: SUCCEEDED, FAILED, TIMED-OUT, ABORTED. */
static inline int run_status_is_terminal(const char *status)
{
	return !strcmp(status, "SUCCEEDED") || !strcmp(status, "FAILED") ||
	       !strcmp(status, "TIMED-OUT") || !strcmp(status, "ABORTED");
}

int store_run_insert(struct store *st, const struct run *r);

/* The runs of a list: the user's, narrowed by each field that is not "". */
struct run_filter {
	const char *user_id;
	const char *actor_id;
	const char *task_id;
	const char *status;
};

/*
 * Call fn for each run of the page [offset, offset + limit) of the runs f
 * matches, oldest first or, with desc, newest first, and store in *total
 * how many runs f matches. fn returns 0 to go on. Returns 0 or -1.
 */
int store_run_list(struct store *st, const struct run_filter *f,
		   int64_t offset, int64_t limit, int desc,
		   int (*fn)(void *ctx, const struct run *run), void *ctx,
		   int64_t *total);
int store_run_get(struct store *st, const char *id, struct run *out);
/* The most recent run, by start time, of the runs f matches. */
int store_run_last(struct store *st, const struct run_filter *f,
		   struct run *out);
int store_run_set_running(struct store *st, const char *id, int64_t pid);
/* Put a RUNNING run back to READY, to start again in place. count adds
 * a restart (restartOnError); a reboot or a metamorph adds none. */
int store_run_restart(struct store *st, const char *id, int count);
/*
 * Resurrect a run that has ended: back to READY, without its end, exit
 * code and status message, counting a resurrection. *changed is 0 when
 * the run has not ended.
 */
int store_run_resurrect(struct store *st, const char *id, int *changed);
/*
 * Metamorph a RUNNING run: point it at the build build_id and append
 * entry (a JSON object) to its metamorphs. *changed is 0 when the run is
 * not RUNNING.
 */
int store_run_metamorph(struct store *st, const char *id,
			const char *build_id, const char *build_number,
			const char *entry, int *changed);

/*
 * Set a READY or RUNNING run to status (ABORTING or TIMING-OUT); *changed
 * is 0 when the run had another status.
 */
int store_run_set_stopping(struct store *st, const char *id,
			   const char *status, int *changed);
/* Delete the run id when it has ended; *deleted is 0 when it has not
 * (or is gone). Its storages, log and webhook dispatches stay. */
int store_run_delete_finished(struct store *st, const char *id, int *deleted);
/* Add the CPU time of an ended process of the run and raise its peak
 * memory to mem_bytes when that is higher. */
int store_run_add_usage(struct store *st, const char *id, int64_t cpu_usecs,
			int64_t mem_bytes);
int store_run_finish(struct store *st, const char *id, const char *status,
		     int exit_code, int64_t finished_at, const char *message);
int store_run_set_message(struct store *st, const char *id,
			  const char *message, int terminal);
/*
 * Call fn for each run that has not ended (READY, RUNNING, ABORTING or
 * TIMING-OUT), with its process id (0 if none).
 */
int store_unfinished_runs(struct store *st,
			  void (*fn)(void *ctx, const char *run_id, int64_t pid),
			  void *ctx);

/* A run that store_recover_runs() put back to READY to start again. */
typedef void (*store_restart_fn)(void *ctx, const char *run_id,
				 int was_running);

/*
 * Settle the runs a previous actord process left unfinished, in one
 * transaction. READY and RUNNING runs with restartOnError go back to
 * READY; a RUNNING one counts a restart. Then restart(ctx, ...) is called
 * for each of them, oldest first. Other READY and RUNNING runs become
 * FAILED, ABORTING ones ABORTED and TIMING-OUT ones TIMED-OUT. *ended
 * gets the number of runs ended.
 */
int store_recover_runs(struct store *st, int64_t now_ms,
		       store_restart_fn restart, void *ctx, int *ended);
void store_run_release(struct run *r);

/* Datasets, key-value stores, request queues ----------------------------- */

enum storage_kind { STORAGE_DATASET, STORAGE_KVS, STORAGE_QUEUE };

struct storage {
	char id[ID_SIZE];
	char user_id[ID_SIZE];
	char name[128];		/* empty when unnamed */
	char actor_id[ID_SIZE];
	char run_id[ID_SIZE];
	int64_t created_at, modified_at, accessed_at;
	int64_t item_count;	/* datasets; for queues, all requests */
	int64_t handled_count;	/* queues only, like the two below */
	int had_multiple_clients;
	/* Datasets and key-value stores: the bytes of the stored items or
	 * record values, and the write and delete requests (a push of many
	 * items is one write). Kept in the transaction of each write. */
	int64_t storage_bytes;
	int64_t write_count;
	int64_t delete_count;
};

int store_storage_create(struct store *st, enum storage_kind kind,
			 const struct storage *s);
int store_storage_get(struct store *st, enum storage_kind kind,
		      const char *id, struct storage *out);
int store_storage_find(struct store *st, enum storage_kind kind,
		       const char *user_id, const char *name,
		       struct storage *out);

/*
 * Request queues (sqlite_queues.c). A request is its JSON object as the
 * client sent it, without "id". Next to it are the columns the head reads.
 * order_no is below every other for forefront requests, above otherwise.
 * handled is 1 when the object has a non-null handledAt. A lock is valid
 * until lock_expires_at (ms since the epoch) for the client lock_client.
 * The head is the pending, unlocked requests by order_no. Client keys are
 * "" when the client sent none.
 */
#define STORE_LOCK_NOT_HELD 3	/* not locked, expired, or another client's */

struct queue_request_in {
	const char *unique_key;
	const char *doc;	/* JSON object text without "id" */
	size_t doc_len;
	int handled;
};

struct queue_request_out {
	char id[16];
	int was_present, was_handled;
};

struct queue_counts {
	int64_t total, handled;
	int had_multiple_clients;
};

/* Called per request of a head: the id, the stored object text, and the
 * lock expiry (0 when unlocked). */
typedef void (*store_request_fn)(void *ctx, const char *id, const char *doc,
				 size_t len, int64_t lock_expires_at);

/* Add n requests in one transaction. A request whose unique key is in the
 * queue is left as it is and reported with was_present. */
int store_queue_add(struct store *st, const char *queue_id,
		    const char *client_key, const struct queue_request_in *in,
		    size_t n, int forefront, struct queue_request_out *out);
/* The stored object of request id; *doc is the caller's to free. */
int store_queue_request_get(struct store *st, const char *queue_id,
			    const char *id, char **doc, size_t *len);
/* Replace request id; *was_handled gets its state before. STORE_CONFLICT
 * when the new unique key belongs to another request. */
int store_queue_request_update(struct store *st, const char *queue_id,
			       const char *client_key, const char *id,
			       const struct queue_request_in *in,
			       int forefront, int *was_handled);
/* Delete by id, or by unique key when id is NULL. */
int store_queue_request_delete(struct store *st, const char *queue_id,
			       const char *id, const char *unique_key);
/* Up to limit requests by id, after after_id when it is not NULL. The
 * lock expiry passed to fn is 0. */
int store_queue_list_requests(struct store *st, const char *queue_id,
			      const char *after_id, int64_t limit,
			      store_request_fn fn, void *ctx);
/* The first limit pending requests not locked at now_ms. */
int store_queue_head(struct store *st, const char *queue_id, int64_t limit,
		     int64_t now_ms, store_request_fn fn, void *ctx);
/* Lock the first limit of the head for client_key until now_ms + lock_ms,
 * in one transaction; *still_locked gets whether locked requests remain. */
int store_queue_lock_head(struct store *st, const char *queue_id,
			  const char *client_key, int64_t limit,
			  int64_t now_ms, int64_t lock_ms, store_request_fn fn,
			  void *ctx, int *still_locked);
/* Extend or release (lock_ms < 0) client_key's lock on request id; with
 * forefront the request moves to the front. STORE_LOCK_NOT_HELD unless
 * the client holds an unexpired lock. *expires_at gets the new expiry. */
int store_queue_lock_change(struct store *st, const char *queue_id,
			    const char *client_key, const char *id,
			    int64_t now_ms, int64_t lock_ms, int forefront,
			    int64_t *expires_at);
/* Release every lock client_key holds in the queue; *count gets how many. */
int store_queue_unlock(struct store *st, const char *queue_id,
		       const char *client_key, int64_t now_ms, int64_t *count);
int store_queue_counts(struct store *st, const char *queue_id,
		       struct queue_counts *out);
/* Rename a queue, and delete it with its requests. Queues are listed by
 * store_storage_list(). */
int store_queue_rename(struct store *st, const char *queue_id,
		       const char *name);
int store_queue_delete(struct store *st, const char *queue_id);

/*
 * Append count items to a dataset in one transaction. text contains the
 * items back to back, ends[i] the offset past item i (json_items layout).
 * *first_index gets the index of the first new item.
 */
int store_items_append(struct store *st, const char *dataset_id,
		       const char *text, const size_t *ends, size_t count,
		       int64_t *first_index);

/*
 * Items with index in [from, to), in ascending index order (desc = 0) or
 * descending (desc = 1). The callback gets each item's stored JSON text;
 * it returns 0 to go on and nonzero to stop. The text is valid only during
 * the call.
 */
typedef int (*store_item_fn)(void *ctx, int64_t index, const char *json,
			     size_t len);
int store_items_read(struct store *st, const char *dataset_id, int64_t from,
		     int64_t to, int desc, store_item_fn fn, void *ctx);

struct kv_record {
	char *content_type;
	char *value;		/* may hold NUL bytes */
	size_t len;
	/* Content-Encoding of value as it was sent ("gzip", "deflate" or
	 * "br"), or "" when value contains plain bytes. */
	char content_encoding[16];
};

int store_record_get(struct store *st, const char *kvs_id, const char *key,
		     struct kv_record *out);
int store_record_put(struct store *st, const char *kvs_id, const char *key,
		     const char *content_type, const void *value, size_t len);
void store_record_release(struct kv_record *r);

/* Managing storages and records (sqlite_storages.c) ---------------------- */

/*
 * Call fn for each storage of kind that user_id owns, in the page
 * [offset, offset + limit). The order is oldest first, or newest first
 * with desc. Only named storages count unless unnamed is set. *total gets
 * how many match. fn returns 0 to go on.
 */
int store_storage_list(struct store *st, enum storage_kind kind,
		       const char *user_id, int unnamed, int64_t offset,
		       int64_t limit, int desc,
		       int (*fn)(void *ctx, const struct storage *s),
		       void *ctx, int64_t *total);
/* Set the name ("" or NULL: unnamed); STORE_CONFLICT when the owner has
 * another storage of kind with this name, STORE_NOT_FOUND. */
int store_storage_rename(struct store *st, enum storage_kind kind,
			 const char *id, const char *name);
/* Delete the storage with its items or records, in one transaction. */
int store_storage_delete(struct store *st, enum storage_kind kind,
			 const char *id);
/* store_record_put() for a value kept as sent with content_encoding
 * ("gzip", "deflate" or "br"). */
int store_record_put_encoded(struct store *st, const char *kvs_id,
			     const char *key, const char *content_type,
			     const char *content_encoding, const void *value,
			     size_t len);
/* STORE_NOT_FOUND when the store has no such record. */
int store_record_delete(struct store *st, const char *kvs_id,
			const char *key);
/*
 * Call fn for at most limit keys of the store greater than after ("" for
 * the first) that start with prefix (may be ""), in UTF-8 byte order,
 * with the stored size in bytes. fn returns 0 to go on.
 */
int store_record_keys(struct store *st, const char *kvs_id,
		      const char *after, const char *prefix, int64_t limit,
		      int (*fn)(void *ctx, const char *key, int64_t size),
		      void *ctx);

/* Webhooks and their dispatches (sqlite_webhooks.c) ---------------------- */

/*
 * A webhook: persistent (condition_actor_id or condition_task_id set) or
 * ad hoc, made by a run's `webhooks` option (condition_run_id set). The
 * strings are owned by the struct; NULL when absent.
 */
struct webhook {
	char id[ID_SIZE];
	char user_id[ID_SIZE];
	int is_ad_hoc;
	unsigned event_types;		/* mask of WEBHOOK_EVENT_* */
	char *request_url;
	char *payload_template;		/* NULL: the default payload */
	char *headers_template;
	char *idempotency_key;		/* unique per user */
	char *description;
	int should_interpolate_strings, do_not_retry, ignore_ssl_errors;
	char condition_actor_id[ID_SIZE];	/* "" when not set */
	char condition_task_id[ID_SIZE];
	char condition_run_id[ID_SIZE];
	int64_t created_at, modified_at;	/* ms since the epoch */
	/* Filled by the reads only: */
	int64_t total_dispatches;
	char last_dispatch_status[16];	/* "" when none */
	char last_dispatch_finished_at[32];	/* ISO time; "" when none */
};

/* STORE_CONFLICT when the user has a webhook with its idempotency_key. */
int store_webhook_insert(struct store *st, const struct webhook *w);
/* Replace the fields of the webhook w->id; STORE_NOT_FOUND, STORE_CONFLICT. */
int store_webhook_update(struct store *st, const struct webhook *w);
/* The webhook id of user_id; another user's is STORE_NOT_FOUND. */
int store_webhook_get(struct store *st, const char *user_id, const char *id,
		      struct webhook *out);
int store_webhook_find_key(struct store *st, const char *user_id,
			   const char *idempotency_key, struct webhook *out);
/* Delete the webhook and its dispatches that have ended. */
int store_webhook_delete(struct store *st, const char *user_id,
			 const char *id);

/* The webhooks of a list: the user's, narrowed by a condition not "". */
struct webhook_filter {
	const char *user_id;
	const char *actor_id;
	const char *task_id;
};

/* Call fn for each webhook of the page, oldest first or newest first with
 * desc; *total gets how many f matches. fn returns 0 to go on. */
int store_webhook_list(struct store *st, const struct webhook_filter *f,
		       int64_t offset, int64_t limit, int desc,
		       int (*fn)(void *ctx, const struct webhook *w),
		       void *ctx, int64_t *total);
/* The subject of an event: a run, or a build (run_id and task_id ""). */
struct webhook_subject {
	const char *user_id;
	const char *actor_id;
	const char *task_id;
	const char *run_id;
};

/*
 * Call fn for each webhook of the subject's user that listens to event
 * (one WEBHOOK_EVENT_* bit) and whose condition is the run, its actor or
 * its task.
 */
int store_webhook_matching(struct store *st, const struct webhook_subject *s,
			   unsigned event,
			   int (*fn)(void *ctx, const struct webhook *w),
			   void *ctx);
void store_webhook_release(struct webhook *w);

/*
 * One delivery of an event to a webhook. It is ACTIVE until a request
 * succeeds (SUCCEEDED) or the retries run out (FAILED). The payload and
 * headers are rendered once, when the event fires, so every attempt and
 * a resume after a restart send the same bytes. The URL and the flags
 * are copied from the webhook for the same reason.
 */
struct webhook_dispatch {
	char id[ID_SIZE];
	char webhook_id[ID_SIZE];
	char user_id[ID_SIZE];
	char status[16];		/* ACTIVE, SUCCEEDED or FAILED */
	char event_type[32];		/* "ACTOR.RUN.SUCCEEDED" */
	char *event_data;		/* JSON object */
	char *request_url;
	char *payload;			/* the request body */
	char *headers;			/* JSON object of extra headers, or NULL */
	int do_not_retry, ignore_ssl_errors;
	int64_t attempts;		/* requests finished so far */
	int64_t next_attempt_at;	/* ms since the epoch */
	char *calls;			/* JSON array, one object per request */
	int64_t created_at;
};

int store_dispatch_insert(struct store *st, const struct webhook_dispatch *d);
/* user_id "" matches any user. */
int store_dispatch_get(struct store *st, const char *user_id, const char *id,
		       struct webhook_dispatch *out);
/* The dispatches of user_id, of webhook_id unless it is "". */
int store_dispatch_list(struct store *st, const char *user_id,
			const char *webhook_id, int64_t offset, int64_t limit,
			int desc,
			int (*fn)(void *ctx, const struct webhook_dispatch *d),
			void *ctx, int64_t *total);
/* Call fn for at most limit ACTIVE dispatches due at now_ms, the longest
 * due first. */
int store_dispatch_due(struct store *st, int64_t now_ms, int64_t limit,
		       int (*fn)(void *ctx, const struct webhook_dispatch *d),
		       void *ctx);
/* The earliest next_attempt_at after now_ms of an ACTIVE dispatch;
 * STORE_NOT_FOUND when none waits. */
int store_dispatch_next_due(struct store *st, int64_t now_ms, int64_t *at);
/*
 * Record one finished request: append call (a JSON object) to calls,
 * count the attempt, and set status and next_attempt_at.
 */
int store_dispatch_record_call(struct store *st, const char *id,
			       const char *status, int64_t next_attempt_at,
			       const char *call);
void store_dispatch_release(struct webhook_dispatch *d);

#endif
