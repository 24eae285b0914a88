/*
 * The run object; see run_object.h.
 */
#include "api/run_object.h"

#include "api/api.h"
#include "runner/usage.h"
#include "util/timeutil.h"

/*
 * The run's stats. CPU time and peak memory cover the run's processes
 * that have ended, so while a run goes its current process is not in them.
 * cpuMaxUsage and memAvgBytes would need samples taken while the run
 * goes, and actord takes none. They are 0, because clients such as the
 * Apify CLI require numbers. TODO: sample CPU and memory during runs.
 */
static void put_stats(struct buf *b, const struct run *run)
{
	int64_t end = run->finished_at ? run->finished_at : time_now_ms();
	int64_t millis = end - run->started_at;

	buf_printf(b, ",\"stats\":{\"inputBodyLen\":%lld,\"restartCount\":%lld,"
		   "\"resurrectCount\":%lld,\"durationMillis\":%lld,"
		   "\"runTimeSecs\":%.3f,\"computeUnits\":0,",
		   (long long)run->input_body_len,
		   (long long)run->restart_count,
		   (long long)run->resurrect_count, (long long)millis,
		   (double)millis / 1000.0);
	buf_printf(b, "\"cpuAvgUsage\":%.3f,\"cpuMaxUsage\":0,"
		   "\"memAvgBytes\":0,\"memMaxBytes\":%lld}",
		   usage_cpu_percent(run->cpu_usecs, millis),
		   (long long)run->mem_max_bytes);
}

void run_to_json(struct buf *b, const struct run *run)
{
	buf_putc(b, '{');
	api_put_str(b, 0, "id", run->id);
	api_put_str(b, 1, "actId", run->actor_id);
	api_put_str(b, 1, "userId", run->user_id);
	api_put_str(b, 1, "actorTaskId", run->task_id[0] ? run->task_id : NULL);
	api_put_time(b, 1, "startedAt", run->started_at);
	api_put_time(b, 1, "finishedAt", run->finished_at);
	api_put_str(b, 1, "status", run->status);
	api_put_str(b, 1, "statusMessage", run->status_message);
	buf_printf(b, ",\"isStatusMessageTerminal\":%s",
		   run->status_message_terminal ? "true" : "false");
	buf_printf(b, ",\"meta\":{\"origin\":\"%s\"}", run->origin);
	put_stats(b, run);
	buf_puts(b, ",\"options\":{");
	api_put_str(b, 0, "build", run->build_number);
	buf_printf(b, ",\"timeoutSecs\":%.15g,\"memoryMbytes\":%lld,"
		   "\"diskMbytes\":%lld", run->timeout_secs,
		   (long long)run->memory_mbytes,
		   (long long)run->memory_mbytes * 2);
	if (run->max_items > 0)
		buf_printf(b, ",\"maxItems\":%lld", (long long)run->max_items);
	if (run->max_total_charge_usd > 0)
		buf_printf(b, ",\"maxTotalChargeUsd\":%.15g",
			   run->max_total_charge_usd);
	buf_putc(b, '}');
	api_put_str(b, 1, "buildId", run->build_id);
	api_put_str(b, 1, "buildNumber", run->build_number);
	if (run->finished_at && run->exit_code >= 0)
		buf_printf(b, ",\"exitCode\":%d", run->exit_code);
	else
		buf_puts(b, ",\"exitCode\":null");
	api_put_str(b, 1, "defaultKeyValueStoreId", run->kvs_id);
	api_put_str(b, 1, "defaultDatasetId", run->dataset_id);
	api_put_str(b, 1, "defaultRequestQueueId", run->rq_id);
	buf_printf(b, ",\"storageIds\":{\"datasets\":{\"default\":\"%s\"},"
		   "\"keyValueStores\":{\"default\":\"%s\"},"
		   "\"requestQueues\":{\"default\":\"%s\"}}", run->dataset_id,
		   run->kvs_id, run->rq_id);
	if (run->metamorphs)
		buf_printf(b, ",\"metamorphs\":%s", run->metamorphs);
	buf_printf(b, ",\"generalAccess\":\"FOLLOW_USER_SETTING\","
		   "\"usage\":{},\"usageTotalUsd\":0,\"usageUsd\":{},"
		   "\"containerUrl\":\"%s\"}", server_base_url());
}
