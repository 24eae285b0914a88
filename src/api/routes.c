/*
 * The route table: every path the API serves, its methods and handler.
 * "/v2/actors/..." reaches the "/v2/acts/..." entries (server.c rewrites
 * the legacy and the current prefix to one).
 */
#include "api/handlers.h"

#define GET METHOD_GET
#define POST METHOD_POST
#define PUT METHOD_PUT
#define DELETE METHOD_DELETE

const struct route api_routes[] = {
	{ "/v2/users/me", GET, api_get_me, 0 },

	{ "/v2/acts", GET, api_list_actors, 0 },
	{ "/v2/acts", POST, api_create_actor, 0 },
	{ "/v2/acts/:", GET, api_get_actor, 0 },
	{ "/v2/acts/:", PUT, api_update_actor, 0 },
	{ "/v2/acts/:", DELETE, api_delete_actor, 0 },
	{ "/v2/acts/:/builds", GET, api_list_builds, 0 },
	{ "/v2/acts/:/builds", POST, api_build_actor, 0 },
	{ "/v2/acts/:/runs", GET, api_list_actor_runs, 0 },
	{ "/v2/acts/:/runs", POST, api_start_actor_run, ROUTE_RATE_RUNS },
	{ "/v2/acts/:/run-sync-get-dataset-items", GET | POST,
	  api_run_actor_sync_items, ROUTE_NO_HEAD | ROUTE_RATE_RUNS },
	{ "/v2/acts/:/run-sync", GET | POST, api_run_actor_sync,
	  ROUTE_NO_HEAD | ROUTE_RATE_RUNS },
	{ "/v2/acts/:/runs/last", GET, api_get_actor_last_run, 0 },
	{ "/v2/acts/:/runs/last/dataset/items", GET,
	  api_get_actor_last_run_items, 0 },
	{ "/v2/acts/:/webhooks", GET, api_list_actor_webhooks, 0 },
	{ "/v2/actor-builds/:", GET, api_get_build, 0 },
	{ "/v2/actor-builds/:/log", GET, api_get_log, ROUTE_PUBLIC },

	{ "/v2/actor-tasks", GET, api_list_tasks, 0 },
	{ "/v2/actor-tasks", POST, api_create_task, 0 },
	{ "/v2/actor-tasks/:", GET, api_get_task, 0 },
	{ "/v2/actor-tasks/:", PUT, api_update_task, 0 },
	{ "/v2/actor-tasks/:", DELETE, api_delete_task, 0 },
	{ "/v2/actor-tasks/:/input", GET, api_get_task_input, 0 },
	{ "/v2/actor-tasks/:/input", PUT, api_update_task_input, 0 },
	{ "/v2/actor-tasks/:/run-sync-get-dataset-items", GET | POST,
	  api_run_task_sync_items, ROUTE_NO_HEAD | ROUTE_RATE_RUNS },
	{ "/v2/actor-tasks/:/run-sync", GET | POST, api_run_task_sync,
	  ROUTE_NO_HEAD | ROUTE_RATE_RUNS },
	{ "/v2/actor-tasks/:/runs", GET, api_list_task_runs, 0 },
	{ "/v2/actor-tasks/:/runs", POST, api_start_task_run,
	  ROUTE_RATE_RUNS },
	{ "/v2/actor-tasks/:/runs/last", GET, api_get_last_run, 0 },
	{ "/v2/actor-tasks/:/webhooks", GET, api_list_task_webhooks, 0 },
	{ "/v2/actor-tasks/:/runs/last/dataset/items", GET,
	  api_get_last_run_items, 0 },

	{ "/v2/actor-runs", GET, api_list_runs, 0 },
	{ "/v2/actor-runs/:", GET, api_get_run, ROUTE_PUBLIC },
	{ "/v2/actor-runs/:", PUT, api_update_run, 0 },
	{ "/v2/actor-runs/:/abort", POST, api_abort_run, 0 },
	{ "/v2/actor-runs/:/log", GET, api_get_log, ROUTE_PUBLIC },
	{ "/v2/actor-runs/:/dataset/items", GET, api_get_run_items, 0 },
	{ "/v2/logs/:", GET, api_get_log, ROUTE_PUBLIC },

	{ "/v2/webhooks", GET, api_list_webhooks, 0 },
	{ "/v2/webhooks", POST, api_create_webhook, 0 },
	{ "/v2/webhooks/:", GET, api_get_webhook, 0 },
	{ "/v2/webhooks/:", PUT, api_update_webhook, 0 },
	{ "/v2/webhooks/:", DELETE, api_delete_webhook, 0 },
	{ "/v2/webhooks/:/dispatches", GET, api_list_webhook_dispatches, 0 },
	{ "/v2/webhook-dispatches", GET, api_list_dispatches, 0 },
	{ "/v2/webhook-dispatches/:", GET, api_get_dispatch, 0 },

	{ "/v2/datasets", GET, api_list_datasets, 0 },
	{ "/v2/datasets", POST, api_create_dataset, 0 },
	{ "/v2/datasets/:", GET, api_get_dataset, 0 },
	{ "/v2/datasets/:", PUT, api_update_dataset, 0 },
	{ "/v2/datasets/:", DELETE, api_delete_dataset, 0 },
	{ "/v2/datasets/:/items", GET, api_get_items, 0 },
	{ "/v2/datasets/:/items", POST, api_push_items, ROUTE_RATE_RUNS },
	{ "/v2/datasets/:/statistics", GET, api_get_dataset_statistics, 0 },
	{ "/v2/key-value-stores", GET, api_list_kvss, 0 },
	{ "/v2/key-value-stores", POST, api_create_kvs, 0 },
	{ "/v2/key-value-stores/:", GET, api_get_kvs, 0 },
	{ "/v2/key-value-stores/:", PUT, api_update_kvs, 0 },
	{ "/v2/key-value-stores/:", DELETE, api_delete_kvs, 0 },
	{ "/v2/key-value-stores/:/keys", GET, api_list_keys, 0 },
	{ "/v2/key-value-stores/:/records/:", GET, api_get_record,
	  ROUTE_RATE_RECORDS },
	{ "/v2/key-value-stores/:/records/:", PUT | POST, api_put_record,
	  ROUTE_RATE_RECORDS },
	{ "/v2/key-value-stores/:/records/:", DELETE, api_delete_record,
	  ROUTE_RATE_RECORDS },
	{ "/v2/request-queues", GET, api_list_queues, 0 },
	{ "/v2/request-queues", POST, api_create_queue, 0 },
	{ "/v2/request-queues/:", GET, api_get_queue, 0 },
	{ "/v2/request-queues/:", PUT, api_update_queue, 0 },
	{ "/v2/request-queues/:", DELETE, api_delete_queue, 0 },
};

const size_t api_route_count = sizeof(api_routes) / sizeof(api_routes[0]);
