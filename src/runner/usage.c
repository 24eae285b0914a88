/*
 * The resource use of runs; see usage.h.
 */
#include "runner/usage.h"

#include "store/store.h"
#include "util/log.h"

int64_t usage_cpu_usecs(const struct rusage *ru)
{
	return ((int64_t)ru->ru_utime.tv_sec + (int64_t)ru->ru_stime.tv_sec) *
	       1000000 + (int64_t)ru->ru_utime.tv_usec +
	       (int64_t)ru->ru_stime.tv_usec;
}

void usage_record(const char *run_id, const struct rusage *ru,
		  const struct memlimit_run *mem)
{
	struct store *st = store_thread();
	int64_t peak = memlimit_run_peak_bytes(mem);
	/* Linux gives ru_maxrss in kilobytes. */
	int64_t resident = (int64_t)ru->ru_maxrss * 1024;

	if (resident > peak)
		peak = resident;
	if (!st || store_run_add_usage(st, run_id, usage_cpu_usecs(ru), peak))
		log_warn("runner", "cannot record the CPU time and memory of"
			 " run %s", run_id);
}

double usage_cpu_percent(int64_t cpu_usecs, int64_t millis)
{
	if (millis <= 0)
		return 0;
	/* cpu_usecs / (millis * 1000) is the share of one core, and
	 * percent is 100 times that. */
	return (double)cpu_usecs / (double)millis / 10.0;
}
