/*
 * Enforcing the memory option of runs. memlimit_init() picks a mechanism
 * once, at start, and logs it:
 *   - a memory cgroup per run (version 2 memory.max, else version 1
 *     memory.limit_in_bytes), where actord can create one below its own
 *     cgroup: the kernel kills a process of the run that goes over;
 *   - otherwise RLIMIT_AS of the memory plus a headroom, since Node.js
 *     reserves far more address space than it uses, and a watchdog that
 *     sums the resident memory of the run's process group every
 *     WATCH_INTERVAL_MS;
 *   - or nothing, when --memory-enforcement=none.
 * The runner thread calls the per-run functions; see runner.c.
 */
#ifndef ACTORD_RUNNER_MEMLIMIT_H
#define ACTORD_RUNNER_MEMLIMIT_H

#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"

/* The --memory-enforcement option. */
enum memlimit_request {
	MEMLIMIT_AUTO,		/* a cgroup if possible, else the rlimit */
	MEMLIMIT_CGROUP,	/* a cgroup or refuse to start */
	MEMLIMIT_RLIMIT,	/* RLIMIT_AS and the watchdog */
	MEMLIMIT_NONE,		/* the option only counts in the run queue */
};

enum memlimit_mechanism {
	MECH_NONE,
	MECH_CGROUP_V2,
	MECH_CGROUP_V1,
	MECH_RLIMIT,
};

/* How often the cgroups' kill counts or the resident memory are read. */
#define WATCH_INTERVAL_MS 250
/*
 * The default address space a run may reserve beyond its memory option,
 * in megabytes. Measured with Node.js 20: it does not start under 768 MB
 * of RLIMIT_AS, and V8 reserves about 10 GB for each WebAssembly memory,
 * so fetch(), which runs llhttp as WebAssembly, fails under 11 GB.
 */
#define RLIMIT_AS_HEADROOM_MBYTES 16384

/* Parse "auto", "cgroup", "rlimit" or "none"; -1 for anything else. */
int memlimit_parse_request(const char *text);

/*
 * Pick the mechanism for request, remove the cgroups of actord instances
 * that are gone, and log the choice. With the watchdog, a run's RLIMIT_AS
 * is its memory plus headroom_mbytes, or none when that is 0. Returns -1
 * only when request is MEMLIMIT_CGROUP and no memory cgroup can be made.
 */
int memlimit_init(enum memlimit_request request, int64_t headroom_mbytes);
/* Remove actord's cgroup directory; call after every run has ended. */
void memlimit_shutdown(void);
enum memlimit_mechanism memlimit_mechanism(void);

/* The memory limit of one run. Zeroed memory is a run without one. */
struct memlimit_run {
	int64_t limit_bytes;		/* 0: not enforced */
	int64_t address_space_bytes;	/* RLIMIT_AS for the process; 0: none */
	struct buf cgroup_dir;		/* empty without a cgroup */
	int64_t resident_bytes;		/* watchdog: the last sum */
	int64_t peak_resident_bytes;	/* watchdog: the highest sum */
};

/*
 * Prepare the limit of a run of mbytes megabytes before its process
 * starts: with a cgroup, create it and return its cgroup.procs in
 * *procs_fd for the process to join (else -1; the caller closes it after
 * the start). On failure returns -1 with a message in err and errno set
 * (EMFILE or ENFILE when descriptors ran out).
 */
int memlimit_run_prepare(struct memlimit_run *m, const char *run_id,
			 int64_t mbytes, int *procs_fd, struct buf *err);

/*
 * 1 if the run has gone over its limit: the kernel killed a process in
 * its cgroup, or the watchdog's last sum is over. Set killed_by_sigkill
 * when the run's first process ended on a SIGKILL that actord did not
 * send: version 1 kernels without a kill count give no other sign.
 */
int memlimit_run_exceeded(const struct memlimit_run *m, int killed_by_sigkill);

/*
 * Watchdog: set resident_bytes of each run to the resident memory of the
 * processes in its process group. find(ctx, pgid) returns the run whose
 * first process is pgid, or NULL. Reads /proc once for all runs.
 */
void memlimit_sum_resident(struct memlimit_run *(*find)(void *ctx, pid_t pgid),
			   void *ctx);

/*
 * The run's peak memory in bytes so far: its cgroup's peak with a cgroup,
 * else the watchdog's highest sum. 0 when neither measured it, -1 when
 * the cgroup's peak is unreadable.
 */
int64_t memlimit_run_peak_bytes(const struct memlimit_run *m);

/* Send SIGKILL to every process in the run's cgroup, if it has one. */
void memlimit_run_kill(struct memlimit_run *m);

/*
 * Kill what is left in the run's cgroup and remove it; a cgroup whose
 * processes are still exiting is removed by a later
 * memlimit_retry_removals(). Leaves m zeroed.
 */
void memlimit_run_release(struct memlimit_run *m);

/* Retry the removals left pending; returns how many are still pending. */
int memlimit_retry_removals(void);
/* 1 if a removal is pending. */
int memlimit_removals_pending(void);

/*
 * Parse a line of /proc/PID/stat: the process group and the resident
 * set size in pages. Returns 0 or -1. Exposed for tests.
 */
int memlimit_parse_stat(const char *line, pid_t *pgrp, int64_t *rss_pages);

#endif
