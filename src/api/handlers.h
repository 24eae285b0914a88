/*
 * Every route handler, by resource. routes.c maps paths to them; each
 * takes the request with r->params filled from the path and makes the
 * response (or suspends the request; see sync.c).
 */
#ifndef ACTORD_API_HANDLERS_H
#define ACTORD_API_HANDLERS_H

#include "api/api.h"
#include "api/run_object.h"
#include "api/storages.h"

void api_get_me(struct req *r);
void api_get_user(struct req *r);

void api_list_actors(struct req *r);
void api_create_actor(struct req *r);
void api_get_actor(struct req *r);
void api_list_actor_versions(struct req *r);
void api_create_actor_version(struct req *r);
void api_get_actor_version(struct req *r);
void api_update_actor_version(struct req *r);
void api_delete_actor_version(struct req *r);
void api_list_actor_env_vars(struct req *r);
void api_create_actor_env_var(struct req *r);
void api_get_actor_env_var(struct req *r);
void api_update_actor_env_var(struct req *r);
void api_delete_actor_env_var(struct req *r);
/*
 * Replace the versions of actor d (parsed: actor) with the JSON array text
 * versions, checked as on create, and store it. Appends the stored
 * document, secret values included, to stored_doc when it is not NULL.
 * Returns 0, or -1 with the error response made.
 */
int api_actor_set_versions(struct req *r, const struct store_doc *d,
			   const struct json *actor, const struct buf *versions,
			   struct buf *stored_doc);
/* Load and parse the actor r->params[0] names (caller frees both): 0, or
 * -1 with the response made. */
int api_load_actor(struct req *r, struct store_doc *d,
		   struct json_doc **actor);
/* The version of the parsed actor numbered number, or NULL. */
const struct json *api_find_version(const struct json *actor,
				    const char *number);
/*
 * Store actor d (parsed: actor) with its version old replaced by the
 * object text with, checked as a PUT of the actor is. A NULL with removes
 * old, and a NULL old appends with. Returns 0 and appends the stored
 * document to stored_doc when it is not NULL, or returns -1 with the
 * response made.
 */
int api_actor_replace_version(struct req *r, const struct store_doc *d,
			      const struct json *actor, const struct json *old,
			      const struct buf *with, struct buf *stored_doc);
void api_update_actor(struct req *r);
void api_delete_actor(struct req *r);
void api_build_actor(struct req *r);
void api_list_builds(struct req *r);
void api_list_user_builds(struct req *r);
void api_get_build(struct req *r);
void api_get_default_build(struct req *r);
void api_abort_build(struct req *r);
void api_delete_build(struct req *r);

/*
 * Waiting for a run or build to end (run_wait.c). api_read_wait() reads
 * waitForFinish in seconds, clamped to the platform's 60; -1 with a
 * response made. api_wait_for_job() suspends r, holding no thread, until
 * the run or build id ends or secs pass, then calls respond(r, id,
 * status) to respond with the object as it is then. Set started when the
 * job may have ended already; otherwise start it after this call.
 */
typedef void (*api_job_respond_fn)(struct req *r, const char *id,
				   unsigned status);
int api_read_wait(struct req *r, double *secs);
void api_wait_for_job(struct req *r, const char *id, double secs,
		      unsigned status, int started, api_job_respond_fn respond);

void api_list_tasks(struct req *r);
void api_create_task(struct req *r);
void api_get_task(struct req *r);
void api_update_task(struct req *r);
void api_delete_task(struct req *r);
void api_get_task_input(struct req *r);
void api_update_task_input(struct req *r);

void api_get_run(struct req *r);
void api_update_run(struct req *r);
void api_delete_run(struct req *r);
void api_abort_run(struct req *r);
void api_get_log(struct req *r);
void api_get_last_run(struct req *r);
void api_get_last_run_items(struct req *r);
void api_get_actor_last_run(struct req *r);
void api_get_actor_last_run_items(struct req *r);
void api_get_run_items(struct req *r);

void api_run_task_sync_items(struct req *r);
void api_run_actor_sync_items(struct req *r);
void api_run_task_sync(struct req *r);
void api_run_actor_sync(struct req *r);
void api_start_task_run(struct req *r);
void api_start_actor_run(struct req *r);
void api_list_runs(struct req *r);
void api_list_task_runs(struct req *r);
void api_list_actor_runs(struct req *r);

void api_list_webhooks(struct req *r);
void api_create_webhook(struct req *r);
void api_get_webhook(struct req *r);
void api_update_webhook(struct req *r);
void api_delete_webhook(struct req *r);
void api_list_webhook_dispatches(struct req *r);
void api_list_task_webhooks(struct req *r);
void api_list_actor_webhooks(struct req *r);
void api_list_dispatches(struct req *r);
void api_get_dispatch(struct req *r);

/* 1 if s is a run status: READY, RUNNING, SUCCEEDED and so on. */
int api_valid_run_status(const char *s);
/* 1 if mb is a valid memory size: a power of 2 from 128 to 32768. */
int api_valid_memory(double mb);
/*
 * Check stored run options (a task's "options", an actor's
 * "defaultRunOptions", named by field): build, timeoutSecs, memoryMbytes,
 * restartOnError, maxItems, maxTotalChargeUsd; null means unset. 0, or
 * -1 with a 400 made.
 */
int api_check_run_options(struct req *r, const struct json *options,
			  const char *field);
/* Load the task r->params[0] names and parse its document (caller frees
 * both); -1 with a response made. */
int api_load_task(struct req *r, struct store_doc *d, struct json_doc **doc);

/* Load the run r->params[0] names; with must_own, only for its owner (403
 * otherwise). Returns -1 with a 404, 403 or 500 made. */
int api_load_run(struct req *r, struct run *run, int must_own);
void api_reboot_run(struct req *r);
void api_task_last_log(struct req *r);
void api_task_last_abort(struct req *r);
void api_task_last_reboot(struct req *r);
void api_task_last_metamorph(struct req *r);
void api_task_last_dataset_statistics(struct req *r);
void api_actor_last_log(struct req *r);
void api_actor_last_abort(struct req *r);
void api_actor_last_reboot(struct req *r);
void api_actor_last_metamorph(struct req *r);
void api_actor_last_dataset_statistics(struct req *r);
void api_metamorph_run(struct req *r);
void api_resurrect_run(struct req *r);

/* The storage aliases of runs (run_storages.c). */
void api_run_get_dataset(struct req *r);
void api_run_update_dataset(struct req *r);
void api_run_delete_dataset(struct req *r);
void api_run_push_items(struct req *r);
void api_run_dataset_statistics(struct req *r);
void api_run_get_kvs(struct req *r);
void api_run_update_kvs(struct req *r);
void api_run_delete_kvs(struct req *r);
void api_run_list_keys(struct req *r);
void api_run_get_record(struct req *r);
void api_run_put_record(struct req *r);
void api_run_delete_record(struct req *r);
void api_task_last_get_dataset(struct req *r);
void api_task_last_get_kvs(struct req *r);
void api_task_last_list_keys(struct req *r);
void api_task_last_get_record(struct req *r);
void api_actor_last_get_dataset(struct req *r);
void api_actor_last_get_kvs(struct req *r);
void api_actor_last_list_keys(struct req *r);
void api_actor_last_get_record(struct req *r);

/* Request queues: queues.c, queue_requests.c, queue_head.c. */
void api_list_queues(struct req *r);
void api_create_queue(struct req *r);
void api_get_queue(struct req *r);
void api_update_queue(struct req *r);
void api_delete_queue(struct req *r);
void api_add_request(struct req *r);
void api_list_requests(struct req *r);
void api_batch_add_requests(struct req *r);
void api_batch_delete_requests(struct req *r);
void api_get_request(struct req *r);
void api_update_request(struct req *r);
void api_delete_request(struct req *r);
void api_get_head(struct req *r);
void api_lock_head(struct req *r);
void api_prolong_request_lock(struct req *r);
void api_delete_request_lock(struct req *r);
void api_unlock_requests(struct req *r);

#endif
