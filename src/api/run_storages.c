/*
 * The storage aliases of a run: /v2/actor-runs/:runId/dataset/...,
 * .../key-value-store/... and .../request-queue, and the same below
 * /v2/actor-tasks/:id/runs/last and /v2/acts/:id/runs/last. Each finds the
 * run, puts the id of its default storage in r->params[0] and hands the
 * request to the storage's own handler (storages.c, storage_admin.c), so
 * the alias responds exactly as the storage route does. The run routes
 * below runs/last (log, abort, reboot, metamorph) hand the request on in
 * the same way, with the run's id.
 */
#include "api/handlers.h"

#include <stdlib.h>
#include <string.h>

enum run_source { FROM_RUN, FROM_TASK_LAST, FROM_ACTOR_LAST };

static int find_run(struct req *r, enum run_source from, struct run *run)
{
	if (from == FROM_TASK_LAST)
		return api_load_last_run(r, STORE_TASK, run);
	if (from == FROM_ACTOR_LAST)
		return api_load_last_run(r, STORE_ACTOR, run);
	return api_load_run(r, run, 1);
}

static void via_run(struct req *r, enum run_source from,
		    enum storage_kind kind, route_fn fn)
{
	char id[ID_SIZE];
	struct run run;

	if (find_run(r, from, &run))
		return;
	memcpy(id, kind == STORAGE_DATASET ? run.dataset_id :
	       kind == STORAGE_KVS ? run.kvs_id : run.rq_id, ID_SIZE);
	store_run_release(&run);
	/* fn responds before returning (no storage handler suspends), so
	 * the id may live on this stack frame. */
	r->params[0] = id;
	fn(r);
}

#define RUN_ALIAS(name, from, kind, fn) \
	void name(struct req *r) { via_run(r, from, kind, fn); }

RUN_ALIAS(api_run_get_dataset, FROM_RUN, STORAGE_DATASET, api_get_dataset)
RUN_ALIAS(api_run_update_dataset, FROM_RUN, STORAGE_DATASET,
	  api_update_dataset)
RUN_ALIAS(api_run_delete_dataset, FROM_RUN, STORAGE_DATASET,
	  api_delete_dataset)
RUN_ALIAS(api_run_push_items, FROM_RUN, STORAGE_DATASET, api_push_items)
RUN_ALIAS(api_run_dataset_statistics, FROM_RUN, STORAGE_DATASET,
	  api_get_dataset_statistics)
RUN_ALIAS(api_run_get_kvs, FROM_RUN, STORAGE_KVS, api_get_kvs)
RUN_ALIAS(api_run_update_kvs, FROM_RUN, STORAGE_KVS, api_update_kvs)
RUN_ALIAS(api_run_delete_kvs, FROM_RUN, STORAGE_KVS, api_delete_kvs)
RUN_ALIAS(api_run_list_keys, FROM_RUN, STORAGE_KVS, api_list_keys)
RUN_ALIAS(api_run_get_record, FROM_RUN, STORAGE_KVS, api_get_record)
RUN_ALIAS(api_run_put_record, FROM_RUN, STORAGE_KVS, api_put_record)
RUN_ALIAS(api_run_delete_record, FROM_RUN, STORAGE_KVS, api_delete_record)

RUN_ALIAS(api_task_last_get_dataset, FROM_TASK_LAST, STORAGE_DATASET,
	  api_get_dataset)
RUN_ALIAS(api_task_last_get_kvs, FROM_TASK_LAST, STORAGE_KVS, api_get_kvs)
RUN_ALIAS(api_task_last_list_keys, FROM_TASK_LAST, STORAGE_KVS,
	  api_list_keys)
RUN_ALIAS(api_task_last_get_record, FROM_TASK_LAST, STORAGE_KVS,
	  api_get_record)

RUN_ALIAS(api_actor_last_get_dataset, FROM_ACTOR_LAST, STORAGE_DATASET,
	  api_get_dataset)
RUN_ALIAS(api_actor_last_get_kvs, FROM_ACTOR_LAST, STORAGE_KVS, api_get_kvs)
RUN_ALIAS(api_actor_last_list_keys, FROM_ACTOR_LAST, STORAGE_KVS,
	  api_list_keys)
RUN_ALIAS(api_actor_last_get_record, FROM_ACTOR_LAST, STORAGE_KVS,
	  api_get_record)

/*
 * Hand r to a run route with the last run's id as r->params[0]. The id
 * replaces the segment the route captured, so it lives as long as the
 * request: run routes may suspend the connection and read it later.
 */
static void via_last_run(struct req *r, enum run_source from, route_fn fn)
{
	struct run run;
	int i;

	if (find_run(r, from, &run))
		return;
	for (i = 0; i < r->segment_count; i++) {
		if (r->segments[i] == r->params[0]) {
			free(r->segments[i]);
			r->segments[i] = xstrdup(run.id);
			r->params[0] = r->segments[i];
			break;
		}
	}
	store_run_release(&run);
	fn(r);
}

#define LAST_RUN_ALIAS(name, from, fn) \
	void name(struct req *r) { via_last_run(r, from, fn); }

LAST_RUN_ALIAS(api_task_last_log, FROM_TASK_LAST, api_get_log)
LAST_RUN_ALIAS(api_task_last_abort, FROM_TASK_LAST, api_abort_run)
LAST_RUN_ALIAS(api_task_last_reboot, FROM_TASK_LAST, api_reboot_run)
LAST_RUN_ALIAS(api_task_last_metamorph, FROM_TASK_LAST, api_metamorph_run)
LAST_RUN_ALIAS(api_actor_last_log, FROM_ACTOR_LAST, api_get_log)
LAST_RUN_ALIAS(api_actor_last_abort, FROM_ACTOR_LAST, api_abort_run)
LAST_RUN_ALIAS(api_actor_last_reboot, FROM_ACTOR_LAST, api_reboot_run)
LAST_RUN_ALIAS(api_actor_last_metamorph, FROM_ACTOR_LAST, api_metamorph_run)
RUN_ALIAS(api_task_last_dataset_statistics, FROM_TASK_LAST, STORAGE_DATASET,
	  api_get_dataset_statistics)
RUN_ALIAS(api_actor_last_dataset_statistics, FROM_ACTOR_LAST,
	  STORAGE_DATASET, api_get_dataset_statistics)
