/*
 * The runner thread; see runner.h for the states and the contract. All
 * process and pipe handling happens on this one thread, so struct
 * active_run needs no lock. The start queue and the waiter list are shared
 * with other threads and guarded by lock.
 */
#include "runner/runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/dockerfile.h"
#include "runner/memlimit.h"
#include "runner/spawn.h"
#include "runner/usage.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "webhooks/dispatcher.h"
#include "webhooks/events.h"
#include "webhooks/spec.h"

/* A run whose process is alive (or whose output is still draining). */
struct active_run {
	char id[ID_SIZE];
	pid_t pid;
	int out_fd;
	int log_fd;
	struct buf partial;		/* output line not yet ended */
	int64_t timeout_at;		/* time_mono_ms(); 0 for none */
	int64_t kill_at;		/* SIGKILL time after a SIGTERM; 0 unset */
	int timed_out;
	int aborted;			/* stopped by actord: ABORTED */
	int user_aborted;		/* ... through the abort route */
	int64_t memory_mbytes;		/* the run's memory option */
	int restart_on_error;		/* the run's restartOnError option */
	struct memlimit_run mem;	/* how memory_mbytes is enforced */
	int memory_exceeded;		/* killed for going over it: FAILED */
	enum runner_replace replacing;	/* killed to start again in place */
	struct active_run *next;
};

/*
 * restartOnError: a failed run starts again in place at most
 * MAX_RESTARTS times within RESTART_WINDOW_MS, as on the platform.
 */
#define MAX_RESTARTS 3
#define RESTART_WINDOW_MS 60000

/* The restarts of a run that has restarted and not yet ended. */
struct restart_history {
	char id[ID_SIZE];
	int64_t times[MAX_RESTARTS];	/* time_mono_ms(), oldest first */
	int count;
	struct restart_history *next;
};

/* A READY run waiting for a free slot or for memory, oldest first. */
struct queued_run {
	char id[ID_SIZE];
	int64_t memory_mbytes;
	struct queued_run *next;
};

#define ABORT_MESSAGE "The run was aborted because actord stopped."
#define USER_ABORT_MESSAGE "The run was aborted."
#define MEMORY_MESSAGE "The run exceeded its memory limit of %lld MB" \
	" and was killed."

struct start_request {
	char run_id[ID_SIZE];
	int abort;			/* an abort request, not a start */
	int graceful;			/* abort: SIGTERM first */
	int recovered;			/* left by a previous actord: 1 if it
					 * was RUNNING, 2 if READY */
	enum runner_replace replace;	/* a reboot or metamorph request */
	struct start_request *next;
};

static struct runner_config config;
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct start_request *start_queue, **start_tail = &start_queue;
static struct run_waiter *waiters;
static struct run_waiter *log_watchers;	/* runner_watch_log() */
static int stopping;
static int watchers_released;	/* the last wake of runner_shutdown() */
static int wake_fd = -1, signal_fd = -1, epoll_fd = -1;
static struct active_run *active;
static struct queued_run *queued, **queued_tail = &queued;
static struct restart_history *restarts;
static int64_t next_memory_check;	/* time_mono_ms() */

/*
 * Set when a run could not start because actord had no file descriptor
 * free (each run takes two: its output pipe and its log). Until a run
 * ends or this time (time_mono_ms()) passes, queued runs stay READY.
 * 0 when descriptors are not short.
 */
static int64_t files_retry_at;
#define FILES_RETRY_MS 1000

static char *data_path(const char *sub, const char *id, const char *suffix)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s/%s%s", config.data_dir, sub, id, suffix);
	return buf_detach(&b, NULL);
}

const char *runner_api_base_url(void)
{
	return config.api_base_url ? config.api_base_url : "";
}

char *runner_log_path(const char *run_id)
{
	return data_path("logs", run_id, ".log");
}

char *runner_build_dir(const char *build_id)
{
	return data_path("builds", build_id, "");
}

static void poke(void)
{
	uint64_t one = 1;

	if (write(wake_fd, &one, sizeof(one)) < 0)
		log_warn("runner", "cannot wake the runner thread: %s",
			 strerror(errno));
}

/* Queue a start or an abort for the runner thread, in arrival order. */
static void queue_request(const char *run_id, int abort, int graceful,
			  int recovered, enum runner_replace replace)
{
	struct start_request *s = xcalloc(1, sizeof(*s));

	snprintf(s->run_id, sizeof(s->run_id), "%s", run_id);
	s->abort = abort;
	s->graceful = graceful;
	s->recovered = recovered;
	s->replace = replace;
	pthread_mutex_lock(&lock);
	*start_tail = s;
	start_tail = &s->next;
	pthread_mutex_unlock(&lock);
	poke();
}

void runner_start(const char *run_id)
{
	queue_request(run_id, 0, 0, 0, RUNNER_KEEP);
}

void runner_abort(const char *run_id, int graceful)
{
	queue_request(run_id, 1, graceful, 0, RUNNER_KEEP);
}

void runner_replace_process(const char *run_id, enum runner_replace kind)
{
	queue_request(run_id, 0, 0, 0, kind);
}

void runner_wait(struct run_waiter *w, void (*suspend)(void *arg), void *arg)
{
	pthread_mutex_lock(&lock);
	w->outcome = WAIT_PENDING;
	if (stopping) {
		w->outcome = WAIT_SHUTDOWN;
	} else {
		w->next = waiters;
		waiters = w;
	}
	suspend(arg);
	if (w->outcome == WAIT_SHUTDOWN)
		w->wake(w);
	pthread_mutex_unlock(&lock);
	poke();
}

/*
 * 1 when the store already has the run or build in a terminal status.
 * finish_run() and the builders write the status before they take the
 * lock to wake waiters, so a check made under the lock either finds the
 * end or comes before the wake.
 */
static int run_has_ended(const char *id)
{
	struct store *st = store_thread();
	struct build build;
	struct run run;
	int ended;

	if (!st)
		return 1;
	if (store_run_get(st, id, &run) == 0) {
		ended = run_status_is_terminal(run.status);
		store_run_release(&run);
		return ended;
	}
	if (store_build_get(st, id, &build) == 0) {
		ended = run_status_is_terminal(build.status);
		store_build_release(&build);
		return ended;
	}
	return 1;	/* neither: nothing to wait for */
}

void runner_wait_existing(struct run_waiter *w, void (*suspend)(void *arg),
			  void *arg)
{
	pthread_mutex_lock(&lock);
	w->outcome = WAIT_PENDING;
	if (stopping) {
		w->outcome = WAIT_SHUTDOWN;
	} else if (run_has_ended(w->run_id)) {
		w->outcome = WAIT_FINISHED;
	} else {
		w->next = waiters;
		waiters = w;
	}
	suspend(arg);
	if (w->outcome != WAIT_PENDING)
		w->wake(w);
	pthread_mutex_unlock(&lock);
	poke();
}

/* Wake the waiters of list that match: run_id NULL matches all. Caller
 * holds lock. */
static void wake_list(struct run_waiter **p, const char *run_id,
		      enum wait_outcome outcome, int64_t now)
{
	while (*p) {
		struct run_waiter *w = *p;
		int hit = run_id ? !strcmp(w->run_id, run_id) :
			  (outcome != WAIT_EXPIRED ||
			   (w->deadline_ms && w->deadline_ms <= now));

		if (!hit) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		w->next = NULL;
		w->outcome = outcome;
		w->wake(w);
	}
}

/* Wake the waiters and log watchers that match. Caller holds lock. */
static void wake_waiters(const char *run_id, enum wait_outcome outcome,
			 int64_t now)
{
	wake_list(&waiters, run_id, outcome, now);
	wake_list(&log_watchers, run_id, outcome, now);
}

void runner_log_written(const char *id)
{
	pthread_mutex_lock(&lock);
	if (log_watchers)
		wake_list(&log_watchers, id, WAIT_LOG_WRITTEN, 0);
	pthread_mutex_unlock(&lock);
}

void runner_job_ended(const char *id)
{
	pthread_mutex_lock(&lock);
	wake_waiters(id, WAIT_FINISHED, 0);
	pthread_mutex_unlock(&lock);
}

enum log_watch runner_watch_log(struct run_waiter *w, const char *log_path,
				int64_t sent, void (*suspend)(void *arg),
				void *arg)
{
	enum log_watch result = LOG_WATCH_SUSPENDED;
	struct stat st;

	pthread_mutex_lock(&lock);
	w->outcome = WAIT_PENDING;
	/* The runner writes a log before it takes the lock to notify, so a
	 * write either shows in the size here or wakes w once registered. */
	if (!stat(log_path, &st) && st.st_size > sent) {
		result = LOG_WATCH_GROWN;
	} else if (watchers_released || run_has_ended(w->run_id)) {
		/* While actord stops, the runs it aborts still write their
		 * last lines, so watchers wait for those too. */
		result = LOG_WATCH_ENDED;
	} else {
		w->next = log_watchers;
		log_watchers = w;
		suspend(arg);
	}
	pthread_mutex_unlock(&lock);
	return result;
}

void runner_unwatch_log(struct run_waiter *w)
{
	struct run_waiter **p;

	pthread_mutex_lock(&lock);
	for (p = &log_watchers; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			w->next = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

/* Write output to the run's log, each line prefixed with its UTC time. */
static void log_output(struct active_run *a, const char *data, size_t len)
{
	struct buf out = BUF_INIT;
	char when[TIME_ISO_LEN];
	size_t i, start = 0;

	time_format_iso(time_now_ms(), when);
	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (!a->partial.len)
			buf_printf(&out, "%s ", when);
		buf_append(&out, a->partial.data, a->partial.len);
		buf_append(&out, data + start, i - start + 1);
		buf_reset(&a->partial);
		start = i + 1;
	}
	if (start < len) {
		if (!a->partial.len)
			buf_printf(&a->partial, "%s ", when);
		buf_append(&a->partial, data + start, len - start);
	}
	if (out.len && write(a->log_fd, out.data, out.len) < 0)
		log_warn("runner", "cannot write the log of run %s: %s", a->id,
			 strerror(errno));
	if (out.len)
		runner_log_written(a->id);
	buf_release(&out);
}

/*
 * Append a line of actord's own to the log open as fd (skipped when fd is
 * negative) and wake the log streams of run_id.
 */
static void log_system_v(int fd, const char *run_id, const char *fmt,
			 va_list ap)
{
	struct buf b = BUF_INIT;
	char when[TIME_ISO_LEN];

	time_format_iso(time_now_ms(), when);
	buf_printf(&b, "%s ACTORD: ", when);
	buf_vprintf(&b, fmt, ap);
	buf_putc(&b, '\n');
	if (fd >= 0 && write(fd, b.data, b.len) < 0)
		log_warn("runner", "cannot write the log of run %s: %s", run_id,
			 strerror(errno));
	buf_release(&b);
	runner_log_written(run_id);
}

/* Append a line of actord's own to the log of an active run. */
static void log_system(struct active_run *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_system(struct active_run *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_system_v(a->log_fd, a->id, fmt, ap);
	va_end(ap);
}

/* The same for a run that is not active, whose log the caller opened. */
static void log_system_fd(int fd, const char *run_id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_system_fd(int fd, const char *run_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_system_v(fd, run_id, fmt, ap);
	va_end(ap);
}

void runner_log_line(const char *run_id, const char *text)
{
	char *path = runner_log_path(run_id);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	log_system_fd(fd, run_id, "%s", text);
	if (fd >= 0)
		close(fd);
	free(path);
}

/* Read what the pipe has now; returns 1 at end of file. */
static int drain(struct active_run *a)
{
	char chunk[16384];

	for (;;) {
		ssize_t n = read(a->out_fd, chunk, sizeof(chunk));

		if (n > 0) {
			log_output(a, chunk, (size_t)n);
			continue;
		}
		if (n == 0)
			return 1;
		if (errno == EINTR)
			continue;
		return 0;
	}
}

/* Parse a build's stored command, a JSON array of strings, into argv. */
static char **command_argv(const char *command)
{
	struct json_error err;
	struct json_doc *doc;
	const struct json *root, *el;
	char **argv;
	size_t i = 0;

	if (!command)
		return NULL;
	doc = json_parse(command, strlen(command), &err);
	if (!doc)
		return NULL;
	root = json_root(doc);
	if (root->type != JSON_ARRAY || !root->count) {
		json_doc_free(doc);
		return NULL;
	}
	argv = xcalloc(root->count + 1, sizeof(*argv));
	for (el = root->child; el; el = el->next)
		argv[i++] = xstrndup(el->str, el->len);
	json_doc_free(doc);
	return argv;
}

/* Close a's output pipe and log, drop its unfinished line, and kill
 * what is left in its cgroup and remove it. */
static void release_run_files(struct active_run *a)
{
	memlimit_run_release(&a->mem);
	if (a->out_fd >= 0) {
		epoll_ctl(epoll_fd, EPOLL_CTL_DEL, a->out_fd, NULL);
		close(a->out_fd);
	}
	if (a->log_fd >= 0)
		close(a->log_fd);
	buf_release(&a->partial);
}

static void forget_restarts(const char *run_id)
{
	struct restart_history **p, *h;

	for (p = &restarts; (h = *p); p = &h->next) {
		if (!strcmp(h->id, run_id)) {
			*p = h->next;
			free(h);
			return;
		}
	}
}

/*
 * Count a restart of run_id now, unless it has had MAX_RESTARTS within
 * RESTART_WINDOW_MS. Returns the restart's number (1 to MAX_RESTARTS), or
 * 0 when the run must not restart.
 */
static int take_restart(const char *run_id, int64_t now)
{
	struct restart_history *h;
	int i, kept = 0;

	for (h = restarts; h && strcmp(h->id, run_id); h = h->next)
		;
	if (!h) {
		h = xcalloc(1, sizeof(*h));
		snprintf(h->id, sizeof(h->id), "%s", run_id);
		h->next = restarts;
		restarts = h;
	}
	for (i = 0; i < h->count; i++)
		if (now - h->times[i] < RESTART_WINDOW_MS)
			h->times[kept++] = h->times[i];
	h->count = kept;
	if (h->count == MAX_RESTARTS)
		return 0;
	h->times[h->count++] = now;
	return h->count;
}

/*
 * Record the end of run a and the rows of its end webhooks in one
 * transaction, so a crash cannot keep one without the other, then wake
 * the dispatcher. Returns 0, or -1 with nothing changed.
 */
static int record_end(struct store *st, const struct active_run *a,
		      const char *status, int exit_code, int64_t now,
		      const char *message)
{
	struct run run;
	int count = 0, rc;

	if (store_begin(st))
		return -1;
	if (store_run_finish(st, a->id, status, exit_code, now, message) ||
	    store_run_get(st, a->id, &run)) {
		store_rollback(st);
		return -1;
	}
	rc = webhook_events_record(st, &run, webhook_event_for_status(status),
				   &count);
	store_run_release(&run);
	if (rc || store_commit(st)) {
		store_rollback(st);
		return -1;
	}
	if (count)
		webhook_dispatcher_wake();
	return 0;
}

static void finish_run(struct active_run *a, const char *status,
		       int exit_code, const char *message)
{
	struct store *st = store_thread();
	int64_t now = time_now_ms();

	if (a->pid)
		log_system(a, "The run ended with status %s (exit code %d).",
			   status, exit_code);
	else
		log_system(a, "The run ended with status %s before its process"
			   " started.", status);
	if (!st) {
		log_error("runner", "cannot record the end of run %s (%s)",
			  a->id, status);
	} else if (record_end(st, a, status, exit_code, now, message)) {
		/* The end must stay recorded even without its webhooks. */
		if (store_run_finish(st, a->id, status, exit_code, now,
				     message))
			log_error("runner", "cannot record the end of run %s"
				  " (%s)", a->id, status);
		else
			log_error("runner", "the end webhooks of run %s were"
				  " not recorded", a->id);
	}
	log_info("runner", "run %s ended: %s, exit code %d", a->id, status,
		 exit_code);
	release_run_files(a);
	files_retry_at = 0;
	pthread_mutex_lock(&lock);
	wake_waiters(a->id, WAIT_FINISHED, 0);
	pthread_mutex_unlock(&lock);
	forget_restarts(a->id);
	free(a);
}

/* Write what the run's memory limit is and how it is enforced. */
static void log_memory_limit(struct active_run *a)
{
	static const char *const names[] = {
		[MECH_NONE] = "not enforced",
		[MECH_CGROUP_V2] = "cgroup v2",
		[MECH_CGROUP_V1] = "cgroup v1",
		[MECH_RLIMIT] = "resident-memory watchdog",
	};

	if (a->mem.address_space_bytes > 0)
		log_system(a, "The run's memory limit is %lld MB (%s; address"
			   " space, RLIMIT_AS, at most %lld MB).",
			   (long long)a->memory_mbytes,
			   names[memlimit_mechanism()],
			   (long long)(a->mem.address_space_bytes >> 20));
	else
		log_system(a, "The run's memory limit is %lld MB (%s).",
			   (long long)a->memory_mbytes,
			   names[memlimit_mechanism()]);
}

/* Everything spawn_actor needs, read from the store. */
struct start_context {
	struct run run;
	struct build build;
	struct user user;
	struct store_doc actor;
	char token[128];
	char full_name[256];
	char **argv;
	int aborting;			/* aborted before it could start */
};

static int load_start_context(struct store *st, const char *run_id,
			      struct start_context *c, struct buf *err)
{
	if (store_run_get(st, run_id, &c->run)) {
		buf_printf(err, "the run is not in the store");
		return -1;
	}
	if (strcmp(c->run.status, "READY")) {
		c->aborting = !strcmp(c->run.status, "ABORTING");
		buf_printf(err, "the run is %s, not READY", c->run.status);
		return -1;
	}
	if (store_build_get(st, c->run.build_id, &c->build) ||
	    store_user_by_id(st, c->run.user_id, &c->user) ||
	    store_user_token(st, c->run.user_id, c->token, sizeof(c->token)) ||
	    /* The build's actor: after a metamorph, the target's. */
	    store_doc_get(st, STORE_ACTOR, c->build.actor_id, &c->actor)) {
		buf_printf(err, "the run's build, actor or user is missing");
		return -1;
	}
	snprintf(c->full_name, sizeof(c->full_name), "%s/%s",
		 c->user.username, c->actor.name);
	c->argv = command_argv(c->build.command);
	if (!c->argv) {
		buf_printf(err, "build %s has no command to run",
			   c->build.number);
		return -1;
	}
	return 0;
}

static void release_start_context(struct start_context *c)
{
	store_run_release(&c->run);
	store_build_release(&c->build);
	store_doc_release(&c->actor);
	argv_free(c->argv);
}

/* start_run() results. */
enum start_result {
	START_DONE,		/* started, or failed and recorded */
	START_NO_FILES,		/* no descriptor free: still READY, retry */
};

/* Open a run's log for appending; -1 with errno set on failure. A
 * shortage of descriptors is not logged here: start_run() retries. */
static int open_run_log(const char *run_id)
{
	char *log_path = runner_log_path(run_id);
	int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0640);
	int saved = errno;

	if (fd < 0 && saved != EMFILE && saved != ENFILE)
		log_warn("runner", "cannot open %s: %s", log_path,
			 strerror(saved));
	free(log_path);
	errno = saved;
	return fd;
}

/* Hold the queue until a run ends or FILES_RETRY_MS pass. The warning
 * goes out at most once a minute, since a busy actord defers often. */
static void defer_for_files(const char *run_id, const char *why)
{
	static int64_t warned_at;
	int64_t now = time_mono_ms();

	if (!warned_at || now - warned_at >= 60000) {
		log_warn("runner", "run %s waits READY: %s; runs start again"
			 " when a run ends (raise the open-file limit, ulimit"
			 " -n, or lower --max-concurrent-runs)", run_id, why);
		warned_at = now;
	}
	files_retry_at = now + FILES_RETRY_MS;
}

static enum start_result start_run(const char *run_id)
{
	struct active_run *a = xcalloc(1, sizeof(*a));
	struct start_context c;
	struct spawn_info info;
	struct store *st = store_thread();
	struct buf err = BUF_INIT;
	struct buf message = BUF_INIT;
	enum start_result result = START_DONE;
	char *build_dir = NULL;
	struct epoll_event ev;
	int procs_fd = -1;
	int rc;

	memset(&c, 0, sizeof(c));
	snprintf(a->id, sizeof(a->id), "%s", run_id);
	a->out_fd = -1;
	a->log_fd = open_run_log(run_id);
	if (a->log_fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		defer_for_files(run_id, "no file descriptor free for its log");
		result = START_NO_FILES;
		goto out;
	}
	if (!st || load_start_context(st, run_id, &c, &err))
		goto fail;

	a->memory_mbytes = c.run.memory_mbytes;
	if (memlimit_run_prepare(&a->mem, run_id, c.run.memory_mbytes,
				 &procs_fd, &err)) {
		if (errno == EMFILE || errno == ENFILE) {
			defer_for_files(run_id, err.data);
			result = START_NO_FILES;
			goto out;
		}
		goto fail;
	}

	build_dir = runner_build_dir(c.build.id);
	info.run = &c.run;
	info.token = c.token;
	info.api_base_url = config.api_base_url;
	info.actor_full_name = c.full_name;
	info.build_dir = build_dir;
	info.env_vars = c.build.env_vars;
	info.argv = c.argv;
	info.cgroup_procs_fd = procs_fd;
	info.address_space_bytes = a->mem.address_space_bytes;
	rc = spawn_actor(&info, &a->pid, &a->out_fd, &err);
	if (rc == SPAWN_NO_FILES) {
		defer_for_files(run_id, err.data);
		result = START_NO_FILES;
		goto out;
	}
	if (rc)
		goto fail;
	/* Written after the start, so a retried start logs once; the
	 * actor's output is read later on this thread, so it follows. */
	log_system(a, "Starting the run %s of %s, build %s.", run_id,
		   c.full_name, c.build.number);
	log_memory_limit(a);

	a->restart_on_error = c.run.restart_on_error;
	if (c.run.timeout_secs > 0)
		a->timeout_at = time_mono_ms() +
				(int64_t)(c.run.timeout_secs * 1000);
	ev.events = EPOLLIN;
	ev.data.ptr = a;
	epoll_ctl(epoll_fd, EPOLL_CTL_ADD, a->out_fd, &ev);
	if (store_run_set_running(st, run_id, a->pid))
		log_error("runner", "cannot mark run %s RUNNING", run_id);
	a->next = active;
	active = a;
	a = NULL;
	log_info("runner", "run %s started: pid %d, build %s", run_id,
		 (int)active->pid, c.build.id);
	goto out;

fail:
	if (c.aborting) {
		log_system(a, "%s", USER_ABORT_MESSAGE);
		finish_run(a, "ABORTED", -1, USER_ABORT_MESSAGE);
		a = NULL;
		goto out;
	}
	log_warn("runner", "run %s failed to start: %s", run_id,
		 err.data ? err.data : "unknown error");
	buf_printf(&message, "The run failed to start: %s", err.data);
	log_system(a, "%s", message.data);
	a->pid = 0;
	finish_run(a, "FAILED", -1, message.data);
	a = NULL;
out:
	if (procs_fd >= 0)
		close(procs_fd);
	if (a) {
		/* Deferred: the run stays READY and a is not kept. */
		memlimit_run_release(&a->mem);
		if (a->log_fd >= 0)
			close(a->log_fd);
		free(a);
	}
	release_start_context(&c);
	buf_release(&message);
	buf_release(&err);
	free(build_dir);
	return result;
}

static void queue_run(const char *run_id);

/*
 * restartOnError: put the failed run a back in the queue, with the same
 * id, storages and log. Returns 1 when it will start again, 0 when it has
 * restarted too often and must end. Frees a on 1.
 */
static int restart_run(struct active_run *a, int code)
{
	struct store *st = store_thread();
	int n = take_restart(a->id, time_mono_ms());

	if (!n)
		return 0;
	log_system(a, "The run failed (exit code %d); restarting it,"
		   " restart %d of at most %d in %d s.", code, n, MAX_RESTARTS,
		   RESTART_WINDOW_MS / 1000);
	if (!st || store_run_restart(st, a->id, 1)) {
		log_error("runner", "cannot restart run %s", a->id);
		return 0;
	}
	log_info("runner", "run %s failed with exit code %d; restart %d",
		 a->id, code, n);
	release_run_files(a);
	queue_run(a->id);
	free(a);
	return 1;
}

/*
 * A reboot or metamorph: the process was killed on purpose, so the run
 * goes back to the queue without counting a restart, and starts again
 * with the build the store has for it now. Frees a on 0.
 */
static int replace_run(struct active_run *a)
{
	struct store *st = store_thread();

	if (!st || store_run_restart(st, a->id, 0)) {
		log_error("runner", "cannot start run %s again", a->id);
		return -1;
	}
	log_system(a, a->replacing == RUNNER_REBOOT ? "The run was rebooted;"
		   " starting it again." : "The run was metamorphed; starting"
		   " the target actor.");
	log_info("runner", "run %s: %s", a->id, a->replacing == RUNNER_REBOOT ?
		 "rebooted" : "metamorphed");
	release_run_files(a);
	queue_run(a->id);
	free(a);
	return 0;
}

/*
 * After the run's first process ended: 1 if the run went over its memory
 * limit, so the kernel killed one of its processes (which may have made
 * the first one fail), or the watchdog did.
 */
static int went_over_memory(struct active_run *a, int wstatus)
{
	int killed = WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL;

	if (a->memory_exceeded)
		return 1;
	if (a->aborted || a->timed_out ||
	    !memlimit_run_exceeded(&a->mem, killed))
		return 0;
	log_system(a, "The run went over its memory limit of %lld MB;"
		   " the kernel killed a process of it.",
		   (long long)a->memory_mbytes);
	log_warn("runner", "run %s exceeded its memory limit of %lld MB",
		 a->id, (long long)a->memory_mbytes);
	return 1;
}

/* The final status of a run whose first process has ended. */
static const char *final_status(const struct active_run *a, int code)
{
	if (a->aborted)
		return "ABORTED";
	if (a->timed_out)
		return "TIMED-OUT";
	return code == 0 && !a->memory_exceeded ? "SUCCEEDED" : "FAILED";
}

/* End the log's last line if the process left it open. */
static void flush_partial(struct active_run *a)
{
	if (!a->partial.len)
		return;
	buf_putc(&a->partial, '\n');
	if (write(a->log_fd, a->partial.data, a->partial.len) < 0)
		log_warn("runner", "cannot write the log of run %s", a->id);
	buf_reset(&a->partial);
}

/* Reap every run whose process has exited. */
static void reap(void)
{
	struct active_run **p = &active;

	while (*p) {
		struct active_run *a = *p;
		const char *status;
		char memory_message[128];
		struct rusage usage;
		int wstatus, code;

		if (wait4(a->pid, &wstatus, WNOHANG, &usage) != a->pid) {
			p = &a->next;
			continue;
		}
		*p = a->next;
		/* Before the run's end is recorded, so that its webhooks'
		 * payload has these stats too. */
		usage_record(a->id, &usage, &a->mem);
		/* Descendants that outlive the main process would keep the
		 * pipe open and run on unseen: end the whole group. */
		kill(-a->pid, SIGKILL);
		if (a->replacing && !a->aborted && !a->timed_out) {
			memlimit_run_kill(&a->mem);
			drain(a);
			flush_partial(a);
			if (replace_run(a) == 0)
				continue;
		}
		a->memory_exceeded = went_over_memory(a, wstatus);
		memlimit_run_kill(&a->mem);
		drain(a);
		flush_partial(a);
		code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
		       128 + WTERMSIG(wstatus);
		status = final_status(a, code);
		if (!strcmp(status, "FAILED") && a->restart_on_error &&
		    restart_run(a, code))
			continue;
		snprintf(memory_message, sizeof(memory_message), MEMORY_MESSAGE,
			 (long long)a->memory_mbytes);
		finish_run(a, status, code,
			   a->user_aborted ? USER_ABORT_MESSAGE :
			   a->aborted ? ABORT_MESSAGE :
			   a->timed_out ? "The run timed out and was stopped." :
			   a->memory_exceeded ? memory_message : NULL);
	}
}

/* Record that a run is being stopped (TIMING-OUT), unless it ended. */
static void set_stopping(const char *run_id, const char *status)
{
	struct store *st = store_thread();
	int changed;

	if (!st || store_run_set_stopping(st, run_id, status, &changed))
		log_error("runner", "cannot set run %s %s", run_id, status);
}

/* Send SIGTERM to runs past their timeout, SIGKILL to those past grace.
 * Returns the milliseconds until the next deadline, or -1 for none. */
static int64_t check_timeouts(int64_t now)
{
	struct active_run *a;
	int64_t next = -1;

	for (a = active; a; a = a->next) {
		if (a->timeout_at && !a->timed_out && now >= a->timeout_at &&
		    !a->aborted) {
			a->timed_out = 1;
			a->kill_at = now + (int64_t)config.kill_grace_secs * 1000;
			log_system(a, "The run reached its timeout;"
				   " stopping it.");
			set_stopping(a->id, "TIMING-OUT");
			kill(-a->pid, SIGTERM);
		}
		if (a->kill_at && now >= a->kill_at) {
			kill(-a->pid, SIGKILL);
			a->kill_at = 0;
		}
		if (a->timeout_at && !a->timed_out &&
		    (next < 0 || a->timeout_at - now < next))
			next = a->timeout_at - now;
		if (a->kill_at && (next < 0 || a->kill_at - now < next))
			next = a->kill_at - now;
	}
	return next;
}

/* The active run whose first process is pgid, for the watchdog. */
static struct memlimit_run *find_group(void *ctx, pid_t pgid)
{
	struct active_run *a;

	(void)ctx;
	for (a = active; a; a = a->next)
		if (a->pid == pgid)
			return &a->mem;
	return NULL;
}

/* Kill a run that went over its memory limit; reap() records it FAILED. */
static void kill_for_memory(struct active_run *a)
{
	a->memory_exceeded = 1;
	if (a->mem.resident_bytes)
		log_system(a, "The run uses %lld MB of resident memory,"
			   " over its limit of %lld MB; killing it.",
			   (long long)(a->mem.resident_bytes / (1024 * 1024)),
			   (long long)a->memory_mbytes);
	else
		log_system(a, "The run went over its memory limit of"
			   " %lld MB and the kernel killed a process of it;"
			   " killing the rest.", (long long)a->memory_mbytes);
	log_warn("runner", "run %s exceeded its memory limit of %lld MB;"
		 " killing it", a->id, (long long)a->memory_mbytes);
	kill(-a->pid, SIGKILL);
	memlimit_run_kill(&a->mem);
}

/*
 * Every WATCH_INTERVAL_MS while a run has a memory limit: kill the runs
 * over it (the watchdog's sum, or a kill by the kernel in the run's
 * cgroup), and retry the removal of cgroups still emptying. Returns the
 * milliseconds until the next check, or -1 when there is nothing to do.
 */
static int64_t check_memory(int64_t now)
{
	struct active_run *a;
	int watched = 0;

	for (a = active; a; a = a->next)
		watched |= a->mem.limit_bytes > 0;
	if (!watched && !memlimit_removals_pending())
		return -1;
	if (now < next_memory_check)
		return next_memory_check - now;
	next_memory_check = now + WATCH_INTERVAL_MS;
	memlimit_retry_removals();
	if (memlimit_mechanism() == MECH_RLIMIT) {
		for (a = active; a; a = a->next)
			a->mem.resident_bytes = 0;
		memlimit_sum_resident(find_group, NULL);
		for (a = active; a; a = a->next)
			if (a->mem.resident_bytes > a->mem.peak_resident_bytes)
				a->mem.peak_resident_bytes =
					a->mem.resident_bytes;
	}
	for (a = active; a; a = a->next)
		if (a->mem.limit_bytes && !a->memory_exceeded && !a->aborted &&
		    !a->timed_out && memlimit_run_exceeded(&a->mem, 0))
			kill_for_memory(a);
	return WATCH_INTERVAL_MS;
}

/* Return the sooner of two waits in milliseconds; -1 means no wait. */
static int64_t sooner(int64_t t1, int64_t t2)
{
	return t1 < 0 ? t2 : (t2 < 0 || t1 < t2) ? t1 : t2;
}

/* Milliseconds until the nearest waiter deadline, or -1. Takes lock. */
static int64_t next_wait_deadline(int64_t now)
{
	struct run_waiter *w;
	int64_t next = -1;

	pthread_mutex_lock(&lock);
	wake_waiters(NULL, WAIT_EXPIRED, now);
	for (w = waiters; w; w = w->next)
		if (w->deadline_ms && (next < 0 || w->deadline_ms - now < next))
			next = w->deadline_ms - now;
	for (w = log_watchers; w; w = w->next)
		if (w->deadline_ms && (next < 0 || w->deadline_ms - now < next))
			next = w->deadline_ms - now;
	pthread_mutex_unlock(&lock);
	return next;
}

/* End a run that never started, with status and message. */
static void finish_unstarted(const char *run_id, const char *status,
			     const char *message)
{
	struct active_run *a = xcalloc(1, sizeof(*a));
	char *log_path = runner_log_path(run_id);

	snprintf(a->id, sizeof(a->id), "%s", run_id);
	a->out_fd = -1;
	a->log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			 0640);
	log_system(a, "%s", message);
	finish_run(a, status, -1, message);
	free(log_path);
}

/* Runs going, and the memory they were given, in megabytes. */
static unsigned count_active(int64_t *memory_mbytes)
{
	struct active_run *a;
	unsigned n = 0;

	*memory_mbytes = 0;
	for (a = active; a; a = a->next) {
		n++;
		*memory_mbytes += a->memory_mbytes;
	}
	return n;
}

/*
 * Start queued runs, oldest first, while there is a free slot and
 * memory. A run that needs more than the whole memory total can never
 * start, so it fails.
 */
static void start_queued(void)
{
	struct queued_run *q;
	int64_t used;
	unsigned n;
	char message[160];

	while ((q = queued)) {
		if (files_retry_at && time_mono_ms() < files_retry_at)
			return;
		n = count_active(&used);
		if (config.max_runs && n >= config.max_runs)
			return;
		if (config.memory_total_mbytes &&
		    q->memory_mbytes > config.memory_total_mbytes) {
			snprintf(message, sizeof(message), "The run needs %lld"
				 " MB of memory, more than the %lld MB actord"
				 " may give all runs together.",
				 (long long)q->memory_mbytes,
				 (long long)config.memory_total_mbytes);
		} else if (config.memory_total_mbytes &&
			   used + q->memory_mbytes > config.memory_total_mbytes) {
			return;
		} else {
			message[0] = '\0';
		}
		queued = q->next;
		if (!queued)
			queued_tail = &queued;
		if (message[0]) {
			finish_unstarted(q->id, "FAILED", message);
		} else if (start_run(q->id) == START_NO_FILES) {
			/* Back to the head, to keep the order of starts. */
			q->next = queued;
			queued = q;
			if (!q->next)
				queued_tail = &q->next;
			return;
		}
		free(q);
	}
}

/* Queue a READY run to start when the limits allow. */
static void queue_run(const char *run_id)
{
	struct queued_run *q = xcalloc(1, sizeof(*q));
	struct store *st = store_thread();
	struct run run;

	snprintf(q->id, sizeof(q->id), "%s", run_id);
	if (st && store_run_get(st, run_id, &run) == 0) {
		q->memory_mbytes = run.memory_mbytes;
		store_run_release(&run);
	}
	*queued_tail = q;
	queued_tail = &q->next;
}

/* Take run_id out of the queue; 1 if it was there. */
static int unqueue_run(const char *run_id)
{
	struct queued_run **p, *q;

	for (p = &queued; (q = *p); p = &q->next) {
		if (strcmp(q->id, run_id))
			continue;
		*p = q->next;
		if (!*p)
			queued_tail = p;
		free(q);
		return 1;
	}
	return 0;
}

/*
 * Stop a run for the abort route: SIGTERM and SIGKILL after the grace
 * period when graceful, else SIGKILL at once. reap() records it ABORTED.
 * A run that has already ended is left as it is.
 */
static void abort_run(const char *run_id, int graceful)
{
	struct active_run *a;

	if (unqueue_run(run_id)) {
		finish_unstarted(run_id, "ABORTED", USER_ABORT_MESSAGE);
		return;
	}
	for (a = active; a && strcmp(a->id, run_id); a = a->next)
		;
	if (!a || a->aborted)
		return;
	a->aborted = 1;
	a->user_aborted = 1;
	log_system(a, "Aborting the run%s.",
		   graceful ? " gracefully" : "");
	log_info("runner", "aborting run %s%s", run_id,
		 graceful ? " gracefully" : "");
	if (graceful) {
		kill(-a->pid, SIGTERM);
		a->kill_at = time_mono_ms() +
			     (int64_t)config.kill_grace_secs * 1000;
	} else {
		kill(-a->pid, SIGKILL);
	}
}

/*
 * Queue a run that a previous actord left READY or RUNNING and the store
 * put back to READY (restartOnError), saying so in its log. A RUNNING one
 * counts as a restart, so the limit of MAX_RESTARTS in RESTART_WINDOW_MS
 * includes it.
 */
static void queue_recovered(const char *run_id, int was_running)
{
	char *log_path = runner_log_path(run_id);
	int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0640);

	if (was_running) {
		log_system_fd(fd, run_id, "actord restarted while the run was in"
			   " progress; restarting the run (restartOnError),"
			   " restart %d of at most %d in %d s.",
			   take_restart(run_id, time_mono_ms()), MAX_RESTARTS,
			   RESTART_WINDOW_MS / 1000);
	} else {
		log_system_fd(fd, run_id, "actord restarted before the run started;"
			   " queueing it again (restartOnError).");
	}
	if (fd >= 0)
		close(fd);
	log_info("runner", "run %s left %s by the previous actord: queued"
		 " again", run_id, was_running ? "RUNNING" : "READY");
	queue_run(run_id);
	free(log_path);
}

/*
 * Kill the process of a RUNNING run so that reap() starts it again in
 * place (replace_run). A run that is queued, stopping or gone is left
 * as it is.
 */
static void replace_process(const char *run_id, enum runner_replace kind)
{
	struct active_run *a;

	for (a = active; a && strcmp(a->id, run_id); a = a->next)
		;
	if (!a || a->aborted || a->timed_out || a->replacing)
		return;
	a->replacing = kind;
	log_system(a, kind == RUNNER_REBOOT ? "Rebooting the run." :
		   "Metamorphing the run: stopping its process.");
	kill(-a->pid, SIGKILL);
}

static void take_start_requests(void)
{
	struct start_request *list, *s;

	pthread_mutex_lock(&lock);
	list = start_queue;
	start_queue = NULL;
	start_tail = &start_queue;
	pthread_mutex_unlock(&lock);
	while ((s = list)) {
		list = s->next;
		if (s->abort)
			abort_run(s->run_id, s->graceful);
		else if (s->replace)
			replace_process(s->run_id, s->replace);
		else if (s->recovered)
			queue_recovered(s->run_id, s->recovered == 1);
		else
			queue_run(s->run_id);
		free(s);
		start_queued();
	}
}

static int is_control(const struct epoll_event *ev)
{
	return ev->data.ptr == &wake_fd || ev->data.ptr == &signal_fd;
}

static void handle_event(struct epoll_event *ev)
{
	if (ev->data.ptr == &wake_fd) {
		uint64_t n;

		if (read(wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			log_warn("runner", "eventfd read: %s", strerror(errno));
		take_start_requests();
	} else if (ev->data.ptr == &signal_fd) {
		struct signalfd_siginfo si;

		while (read(signal_fd, &si, sizeof(si)) == sizeof(si))
			;
		reap();
		start_queued();
	} else {
		struct active_run *a = ev->data.ptr;

		if (drain(a)) {
			/* End of output; the exit comes through SIGCHLD. */
			epoll_ctl(epoll_fd, EPOLL_CTL_DEL, a->out_fd, NULL);
		}
	}
}

static void *runner_main(void *arg)
{
	struct epoll_event events[32];

	(void)arg;
	for (;;) {
		int64_t now = time_mono_ms();
		int64_t timeout = sooner(sooner(check_timeouts(now),
						next_wait_deadline(now)),
					 check_memory(now));
		int i, n, stop;

		pthread_mutex_lock(&lock);
		stop = stopping;
		pthread_mutex_unlock(&lock);
		if (stop)
			break;
		if (files_retry_at && queued) {
			int64_t retry = files_retry_at - now;

			if (retry <= 0) {
				files_retry_at = 0;
				start_queued();
				continue;
			}
			if (timeout < 0 || retry < timeout)
				timeout = retry;
		}
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		n = epoll_wait(epoll_fd, events, 32, (int)timeout);
		/* Output first: reaping (a SIGCHLD in the same batch) frees
		 * the runs whose pipes the other events point at. */
		for (i = 0; i < n; i++)
			if (!is_control(&events[i]))
				handle_event(&events[i]);
		for (i = 0; i < n; i++)
			if (is_control(&events[i]))
				handle_event(&events[i]);
		/* A SIGCHLD can merge with one handled earlier: check anyway. */
		if (active)
			reap();
	}
	return NULL;
}

static int add_fd(int fd, void *tag)
{
	struct epoll_event ev;

	ev.events = EPOLLIN;
	ev.data.ptr = tag;
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

int runner_init(const struct runner_config *cfg)
{
	sigset_t chld;
	char *dirs[2];
	int i;

	config = *cfg;
	config.data_dir = xstrdup(cfg->data_dir);
	config.api_base_url = xstrdup(cfg->api_base_url);
	if (memlimit_init(cfg->memory_enforcement,
			  cfg->address_space_headroom_mbytes))
		return -1;
	dirs[0] = data_path("logs", "", "");
	dirs[1] = data_path("builds", "", "");
	for (i = 0; i < 2; i++) {
		if (mkdir(dirs[i], 0750) && errno != EEXIST)
			log_error("runner", "cannot create %s: %s", dirs[i],
				  strerror(errno));
		free(dirs[i]);
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	signal_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (wake_fd < 0 || signal_fd < 0 || epoll_fd < 0 ||
	    add_fd(wake_fd, &wake_fd) || add_fd(signal_fd, &signal_fd)) {
		log_error("runner", "cannot set up the event loop: %s",
			  strerror(errno));
		return -1;
	}
	if (pthread_create(&thread, NULL, runner_main, NULL)) {
		log_error("runner", "cannot start the runner thread");
		return -1;
	}
	return 0;
}

/* Stop every run still going: SIGTERM, then SIGKILL after the grace
 * period, and record them ABORTED. Runs on the caller's thread after the
 * runner thread has ended. */
static void abort_active_runs(void)
{
	int64_t give_up = time_mono_ms() + (int64_t)config.kill_grace_secs * 1000;
	struct active_run *a;
	struct rusage usage;

	for (a = active; a; a = a->next) {
		log_system(a, "actord is stopping; aborting the run.");
		a->aborted = 1;
		kill(-a->pid, SIGTERM);
	}
	while (active && time_mono_ms() < give_up) {
		usleep(20000);
		for (a = active; a; a = a->next)
			drain(a);
		reap();
	}
	while ((a = active)) {
		active = a->next;
		kill(-a->pid, SIGKILL);
		if (wait4(a->pid, NULL, 0, &usage) == a->pid)
			usage_record(a->id, &usage, &a->mem);
		drain(a);
		finish_run(a, "ABORTED", -1, ABORT_MESSAGE);
	}
}

void runner_shutdown(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_mutex_unlock(&lock);
	poke();
	pthread_join(thread, NULL);

	abort_active_runs();
	while (queued) {
		struct queued_run *q = queued;

		queued = q->next;
		finish_unstarted(q->id, "ABORTED", ABORT_MESSAGE);
		free(q);
	}
	queued_tail = &queued;
	pthread_mutex_lock(&lock);
	watchers_released = 1;
	wake_waiters(NULL, WAIT_SHUTDOWN, 0);
	pthread_mutex_unlock(&lock);
	memlimit_shutdown();
	close(epoll_fd);
	close(signal_fd);
	close(wake_fd);
	free((char *)config.data_dir);
	free((char *)config.api_base_url);
}

/* 1 if the process pid has the entry "NAME=value" in its environment. */
static int process_has_env(int64_t pid, const char *entry)
{
	struct buf env = BUF_INIT, path = BUF_INIT;
	size_t i = 0, want = strlen(entry);
	int found = 0;

	buf_printf(&path, "/proc/%lld/environ", (long long)pid);
	if (fs_read_file(path.data, &env) == 0) {
		while (i < env.len && !found) {
			size_t n = strnlen(env.data + i, env.len - i);

			found = n == want && !memcmp(env.data + i, entry, n);
			i += n + 1;
		}
	}
	buf_release(&env);
	buf_release(&path);
	return found;
}

void runner_kill_marked(const char *entry, const char *label)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;

	while (proc && (e = readdir(proc))) {
		char *end;
		long other = strtol(e->d_name, &end, 10);

		if (*end || other <= 1 || other == (long)getpid() ||
		    !process_has_env(other, entry))
			continue;
		log_warn("runner", "killing process %ld of %s, left running"
			 " by a previous actord", other, label);
		kill((pid_t)other, SIGKILL);
	}
	if (proc)
		closedir(proc);
}

/* Every process of the run, not only its first: the group leader may be
 * gone while its children (npm's node, say) run on. */
static void kill_orphan(void *ctx, const char *run_id, int64_t pid)
{
	char entry[16 + ID_SIZE], label[8 + ID_SIZE];

	(void)ctx;
	(void)pid;
	snprintf(entry, sizeof(entry), "ACTOR_RUN_ID=%s", run_id);
	snprintf(label, sizeof(label), "run %s", run_id);
	runner_kill_marked(entry, label);
}

static void restart_recovered(void *ctx, const char *run_id, int was_running)
{
	(void)ctx;
	queue_request(run_id, 0, 0, was_running ? 1 : 2, RUNNER_KEEP);
}

/* Ids of the runs a previous actord left unfinished (runner_recover). */
struct run_ids {
	char (*ids)[ID_SIZE];
	size_t count;
};

static void collect_run_id(void *ctx, const char *run_id, int64_t pid)
{
	struct run_ids *l = ctx;

	(void)pid;
	l->ids = xrealloc(l->ids, (l->count + 1) * sizeof(*l->ids));
	snprintf(l->ids[l->count++], ID_SIZE, "%s", run_id);
}

/*
 * Close a run that recovery ended: write a line in its log and record its
 * webhooks (ACTOR.RUN.FAILED and so on) for the dispatcher to send.
 */
static void close_recovered(struct store *st, const char *run_id)
{
	struct run run;
	char *log_path;
	int fd;

	if (store_run_get(st, run_id, &run))
		return;
	if (run_status_is_terminal(run.status)) {
		log_path = runner_log_path(run_id);
		fd = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
		log_system_fd(fd, run_id, "actord restarted while the run was"
			      " unfinished; the run is now %s.", run.status);
		if (fd >= 0)
			close(fd);
		free(log_path);
		webhook_events_fire(run_id, webhook_event_for_status(run.status));
	}
	store_run_release(&run);
}

int runner_recover(struct store *st)
{
	struct run_ids l = { NULL, 0 };
	size_t i;
	int ended = 0;

	if (!st || store_unfinished_runs(st, collect_run_id, &l) ||
	    store_recover_runs(st, time_now_ms(), restart_recovered, NULL,
			       &ended)) {
		free(l.ids);
		return -1;
	}
	if (ended)
		log_warn("runner", "runs left unfinished by a previous actord"
			 " have ended (FAILED, or ABORTED and TIMED-OUT when"
			 " they were stopping): %d", ended);
	for (i = 0; i < l.count; i++)
		close_recovered(st, l.ids[i]);
	free(l.ids);
	return 0;
}

void runner_kill_orphans(struct store *st)
{
	if (st && store_unfinished_runs(st, kill_orphan, NULL))
		log_warn("runner", "cannot list the runs left unfinished");
}
