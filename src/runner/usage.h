/*
 * The resource use of runs: the CPU time and peak memory of each ended
 * process of a run, added to the run's row when the runner reaps it, and
 * the average CPU use the run object reports from them.
 */
#ifndef ACTORD_RUNNER_USAGE_H
#define ACTORD_RUNNER_USAGE_H

#include <stdint.h>
#include <sys/resource.h>

#include "runner/memlimit.h"

/* The user and system CPU time of ru in microseconds. */
int64_t usage_cpu_usecs(const struct rusage *ru);

/*
 * Add the CPU time and peak memory of an ended process of run_id to the
 * run. ru comes from wait4(), so it covers the process and the
 * descendants it waited for. The peak is the larger of ru's largest
 * resident set and mem's peak (the cgroup's or the watchdog's). Failures
 * are logged: the run's end is recorded without them.
 */
void usage_record(const char *run_id, const struct rusage *ru,
		  const struct memlimit_run *mem);

/*
 * The average CPU use in percent of one core: cpu_usecs of CPU time over
 * millis of wall time, so two busy cores give 200. 0 when millis is not
 * positive.
 */
double usage_cpu_percent(int64_t cpu_usecs, int64_t millis);

#endif
