/*
 * The runner: one thread that starts actor processes, copies their output
 * into run logs, reaps them, enforces run timeouts, records the webhook
 * dispatches of a run's end (webhooks/events.h), and wakes the requests
 * waiting for a run to end.
 *
 * Run states it moves (see store.h for the rest):
 *   READY -> RUNNING [start_queued, start_run] -> SUCCEEDED | FAILED [reap]
 *   RUNNING -> FAILED [check_memory, reap: over its memory limit]
 *   READY -> FAILED [start_queued: more memory than the total]
 *   READY -> ABORTED [abort_run: taken out of the queue]
 *   RUNNING -> TIMING-OUT [check_timeouts] -> TIMED-OUT [reap]
 *   RUNNING -> ABORTING [the abort route] -> ABORTED [abort_run, reap]
 *   RUNNING -> ABORTED [runner_shutdown]
 *   RUNNING -> READY [replace_run: a reboot or a metamorph]
 *   READY | RUNNING -> READY, after a crash [runner_recover: restartOnError]
 *   READY | RUNNING -> FAILED, after a crash [runner_recover]
 * Every other thread talks to it through runner_start() and runner_wait(),
 * which queue work under one mutex and wake the thread with an eventfd.
 */
#ifndef ACTORD_RUNNER_RUNNER_H
#define ACTORD_RUNNER_RUNNER_H

#include <stdint.h>

#include "runner/memlimit.h"
#include "store/store.h"
#include "util/id.h"

struct runner_config {
	const char *data_dir;
	const char *api_base_url;	/* given to actors as APIFY_API_BASE_URL */
	unsigned kill_grace_secs;	/* SIGTERM to SIGKILL, on timeout and stop */
	unsigned max_runs;		/* runs going at once; 0: no limit */
	int64_t memory_total_mbytes;	/* memory of all runs going; 0: none */
	enum memlimit_request memory_enforcement;
	int64_t address_space_headroom_mbytes;	/* RLIMIT_AS past memory */
};

/*
 * Call with SIGCHLD blocked in every thread (main() blocks it first).
 * Returns -1 when the event loop cannot be set up, or when
 * memory_enforcement is MEMLIMIT_CGROUP and no memory cgroup can be made.
 */
int runner_init(const struct runner_config *cfg);
/* Abort every run still going, wake every waiter, and join the thread. */
void runner_shutdown(void);

/*
 * Start a run that is in the store with status READY, or queue it until
 * fewer than max_runs runs are going and their memory leaves room for
 * its own. Queued runs start in the order they were queued.
 */
void runner_start(const char *run_id);

/*
 * Abort a run: with graceful, SIGTERM to its process group and SIGKILL
 * after the grace period; otherwise SIGKILL at once. The run ends ABORTED.
 * Requests run in the order they are made, so an abort right after a
 * start finds the run started or queued. The caller has set the status ABORTING.
 */
void runner_abort(const char *run_id, int graceful);

enum runner_replace {
	RUNNER_KEEP,
	RUNNER_REBOOT,		/* the same build again */
	RUNNER_METAMORPH,	/* the build the store now names for the run */
};

/*
 * Kill the process of a RUNNING run and start the run again in place,
 * with the same id, storages and log, without counting a restart. For a
 * metamorph the caller has first stored the run's new build and input
 * (store_run_metamorph). A run that is not running is left as it is.
 */
void runner_replace_process(const char *run_id, enum runner_replace kind);

enum wait_outcome {
	WAIT_PENDING,
	WAIT_FINISHED,	/* the run reached a terminal status */
	WAIT_EXPIRED,	/* the deadline passed first */
	WAIT_SHUTDOWN,	/* actord is stopping */
	WAIT_LOG_WRITTEN, /* the run's log grew (log watchers only) */
};

/*
 * A request waiting for a run. The waiter's owner keeps it alive until
 * wake() has been called; wake() runs once, on the runner thread, with the
 * runner's lock held, so it must only hand the event on (resume a
 * connection), not call back into the runner.
 */
struct run_waiter {
	char run_id[ID_SIZE];
	int64_t deadline_ms;		/* time_mono_ms(); 0 for none */
	enum wait_outcome outcome;
	void (*wake)(struct run_waiter *w);
	void *ctx;
	struct run_waiter *next;	/* runner's list */
};

/*
 * Register w and call suspend(arg) under the runner's lock, so a wake
 * cannot come before the caller has suspended. Register before starting
 * the run.
 */
void runner_wait(struct run_waiter *w, void (*suspend)(void *arg), void *arg);

/*
 * runner_wait() for a run that has been started and may have ended
 * already: then w is woken at once, with WAIT_FINISHED.
 */
void runner_wait_existing(struct run_waiter *w, void (*suspend)(void *arg),
			  void *arg);

enum log_watch {
	LOG_WATCH_SUSPENDED,	/* w is registered and arg suspended */
	LOG_WATCH_GROWN,	/* the log has more than sent bytes: read on */
	LOG_WATCH_ENDED,	/* the run has ended, or actord has stopped */
};

/*
 * Wait for more of a run's log. sent is how many bytes of the file at
 * log_path the caller has sent. When the file has no more and the run
 * w->run_id is going, register w and call suspend(arg) under the
 * runner's lock. w is then woken once: WAIT_LOG_WRITTEN after the next
 * write to the log, WAIT_FINISHED when the run ends, WAIT_EXPIRED at
 * w->deadline_ms (checked about once a second), or WAIT_SHUTDOWN. The
 * caller calls again after each wake; nothing is registered on the
 * other results.
 */
enum log_watch runner_watch_log(struct run_waiter *w, const char *log_path,
				int64_t sent, void (*suspend)(void *arg),
				void *arg);
/* Take w out of the log watchers if it is there. Call before freeing w. */
void runner_unwatch_log(struct run_waiter *w);

/*
 * The waiters and log watchers work for builds too, with the build's id
 * in run_id: the builders (builder.h) report through these two. Call
 * runner_log_written() after a write to the log of id, and
 * runner_job_ended() after the store has the build's terminal status.
 */
void runner_log_written(const char *id);
void runner_job_ended(const char *id);

/*
 * After a crash of actord: kill the processes of runs that have not
 * ended, so they stop writing into runs about to be ended or restarted. A process counts as the run's only if its environment still
 * contains ACTOR_RUN_ID=<id>, because a pid may have been reused.
 */
void runner_kill_orphans(struct store *st);

/*
 * Kill with SIGKILL every process (but actord) whose environment contains
 * entry, "NAME=value". label names them in the log ("build ID").
 */
void runner_kill_marked(const char *entry, const char *label);

/*
 * After a crash of actord, and after runner_kill_orphans() and
 * runner_init(): settle the runs the previous process left unfinished.
 * Those READY or RUNNING with restartOnError start again in place, with
 * the same id, storages and log, through the run queue, oldest first. A
 * RUNNING one counts a restart. The others READY or RUNNING end FAILED,
 * ABORTING ones ABORTED and TIMING-OUT ones TIMED-OUT. Returns 0 or -1.
 */
int runner_recover(struct store *st);

/* Append a line of actord's own ("ACTORD: text") to a run's log. */
void runner_log_line(const char *run_id, const char *text);
/* The API's base URL that actors get (runner_config.api_base_url). */
const char *runner_api_base_url(void);
/* Path of a run's log file, DATA_DIR/logs/ID.log; the caller frees it. */
char *runner_log_path(const char *run_id);
/* Directory of a build's files, DATA_DIR/builds/ID; the caller frees it. */
char *runner_build_dir(const char *build_id);

#endif
