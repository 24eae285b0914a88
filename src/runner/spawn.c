/*
 * Actor process start; see spawn.h. vfork rather than posix_spawn,
 * because the process must join its memory cgroup and take its
 * address-space limit before exec, and posix_spawn has no step for that.
 * vfork rather than fork, because fork copies the page tables of a
 * server with a large heap (tens of milliseconds).
 */
#include "runner/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/dockerfile.h"
#include "runner/env_vars.h"
#include "util/json.h"
#include "util/timeutil.h"

extern char **environ;

struct env {
	char **vars;
	size_t count, cap;
};

/* Append a "NAME=value" string; takes ownership of var. */
static void env_push(struct env *e, char *var)
{
	if (e->count + 2 > e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->vars = xrealloc(e->vars, e->cap * sizeof(*e->vars));
	}
	e->vars[e->count++] = var;
	e->vars[e->count] = NULL;
}

static void env_add(struct env *e, const char *name, const char *value)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s=%s", name, value ? value : "");
	env_push(e, buf_detach(&b, NULL));
}

/* Set both the ACTOR_ name and its legacy APIFY_ alias. */
static void env_add_both(struct env *e, const char *actor_name,
			 const char *apify_name, const char *value)
{
	env_add(e, actor_name, value);
	env_add(e, apify_name, value);
}

/* Keep actord's own environment (PATH, HOME, locale, ...) but never its
 * token or configuration, nor platform variables set for actord itself. */
static int inherited(const char *var)
{
	return strncmp(var, "ACTORD_", 7) && strncmp(var, "APIFY_", 6) &&
	       strncmp(var, "ACTOR_", 6) && strncmp(var, "CRAWLEE_", 8);
}

/*
 * The key of the run's input record: INPUT, or after a metamorph the
 * inputKey of the last one (INPUT-METAMORPH-1, ...). out has size bytes.
 */
static void input_key(const struct run *run, char *out, size_t size)
{
	struct json_doc *doc = NULL;
	const struct json *entry, *last = NULL, *key;
	struct json_error err;

	snprintf(out, size, "INPUT");
	if (run->metamorphs)
		doc = json_parse(run->metamorphs, strlen(run->metamorphs), &err);
	for (entry = doc ? json_root(doc)->child : NULL; entry;
	     entry = entry->next)
		last = entry;
	key = last ? json_get(last, "inputKey") : NULL;
	if (key && key->type == JSON_STRING)
		snprintf(out, size, "%s", key->str);
	json_doc_free(doc);
}

char **spawn_environment(const struct spawn_info *info)
{
	const struct run *run = info->run;
	struct env e = { NULL, 0, 0 };
	char started[TIME_ISO_LEN], timeout_at[TIME_ISO_LEN], num[32];
	char key[64];
	struct buf storages = BUF_INIT;
	char **custom, **v;

	/* env_vars_entries() leaves out ACTOR_ and APIFY_ names, so the
	 * run's own variables below always win. */
	custom = env_vars_entries(info->env_vars, info->env_vars ?
				  strlen(info->env_vars) : 0);
	for (v = environ; *v; v++)
		if (inherited(*v) && !env_vars_has_name(custom, *v))
			env_push(&e, xstrdup(*v));
	for (v = custom; *v; v++)
		env_push(&e, *v);
	free(custom);	/* the strings now belong to e */

	time_format_iso(run->started_at, started);
	if (run->timeout_secs > 0)
		time_format_iso(run->started_at +
				(int64_t)(run->timeout_secs * 1000), timeout_at);
	else
		timeout_at[0] = '\0';
	buf_printf(&storages, "{\"datasets\":{\"default\":\"%s\"},"
		   "\"keyValueStores\":{\"default\":\"%s\"},"
		   "\"requestQueues\":{\"default\":\"%s\"}}",
		   run->dataset_id, run->kvs_id, run->rq_id);

	env_add(&e, "APIFY_IS_AT_HOME", "1");
	env_add(&e, "APIFY_API_BASE_URL", info->api_base_url);
	env_add(&e, "APIFY_API_PUBLIC_BASE_URL", info->api_base_url);
	env_add(&e, "APIFY_TOKEN", info->token);
	env_add(&e, "APIFY_USER_ID", run->user_id);
	env_add(&e, "APIFY_META_ORIGIN", run->origin);
	env_add(&e, "APIFY_HEADLESS", "1");
	env_add_both(&e, "ACTOR_ID", "APIFY_ACTOR_ID", run->actor_id);
	env_add(&e, "APIFY_ACT_ID", run->actor_id);
	env_add(&e, "ACTOR_FULL_NAME", info->actor_full_name);
	env_add_both(&e, "ACTOR_RUN_ID", "APIFY_ACTOR_RUN_ID", run->id);
	env_add(&e, "APIFY_ACT_RUN_ID", run->id);
	env_add_both(&e, "ACTOR_TASK_ID", "APIFY_ACTOR_TASK_ID", run->task_id);
	env_add_both(&e, "ACTOR_BUILD_ID", "APIFY_ACTOR_BUILD_ID",
		     run->build_id);
	env_add_both(&e, "ACTOR_BUILD_NUMBER", "APIFY_ACTOR_BUILD_NUMBER",
		     run->build_number);
	env_add_both(&e, "ACTOR_DEFAULT_DATASET_ID", "APIFY_DEFAULT_DATASET_ID",
		     run->dataset_id);
	env_add_both(&e, "ACTOR_DEFAULT_KEY_VALUE_STORE_ID",
		     "APIFY_DEFAULT_KEY_VALUE_STORE_ID", run->kvs_id);
	env_add_both(&e, "ACTOR_DEFAULT_REQUEST_QUEUE_ID",
		     "APIFY_DEFAULT_REQUEST_QUEUE_ID", run->rq_id);
	env_add(&e, "ACTOR_STORAGES_JSON", storages.data);
	input_key(run, key, sizeof(key));
	env_add_both(&e, "ACTOR_INPUT_KEY", "APIFY_INPUT_KEY", key);
	snprintf(num, sizeof(num), "%lld", (long long)run->memory_mbytes);
	env_add_both(&e, "ACTOR_MEMORY_MBYTES", "APIFY_MEMORY_MBYTES", num);
	if (run->restart_on_error)
		env_add(&e, "ACTOR_RESTART_ON_ERROR", "1");
	if (run->max_items > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)run->max_items);
		env_add(&e, "ACTOR_MAX_PAID_DATASET_ITEMS", num);
	}
	if (run->max_total_charge_usd > 0) {
		snprintf(num, sizeof(num), "%.15g", run->max_total_charge_usd);
		env_add(&e, "ACTOR_MAX_TOTAL_CHARGE_USD", num);
	}
	env_add_both(&e, "ACTOR_STARTED_AT", "APIFY_STARTED_AT", started);
	env_add_both(&e, "ACTOR_TIMEOUT_AT", "APIFY_TIMEOUT_AT", timeout_at);
	env_add(&e, "ACTOR_PERMISSION_LEVEL", "FULL_PERMISSIONS");
	buf_release(&storages);
	return e.vars;
}

/* A step of the child that failed, sent to the parent on the error pipe. */
struct child_error {
	int step;
	int err;			/* errno */
};

enum child_step {
	STEP_GROUP, STEP_CGROUP, STEP_RLIMIT, STEP_FILES, STEP_DIR, STEP_EXEC,
};

/* Everything the child needs between vfork and exec, prepared by the
 * parent so that the child allocates nothing. */
struct child_setup {
	int out_fd;			/* write end of the output pipe */
	int error_fd;			/* write end of the error pipe */
	int cgroup_procs_fd;		/* -1 for none */
	struct rlimit address_space;	/* rlim_max 0 for none */
	struct sigaction defaults;	/* SIG_DFL */
	sigset_t no_signals;
	const char *dir;
	char **paths;			/* where to look for argv[0], in order */
	char *const *argv;
	char **envp;
};

static const int reset_signals[] = { SIGPIPE, SIGCHLD, SIGTERM, SIGINT };

/* Report a failed step to the parent and end the child. */
static void __attribute__((noreturn)) child_fail(const struct child_setup *cs,
						 int step, int err)
{
	struct child_error e = { step, err };

	if (write(cs->error_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Write the child's own pid to its cgroup's cgroup.procs, so that the
 * limit applies from the first instruction of the actor and every
 * descendant inherits it.
 *
 * TODO: on cgroup v2, start the child with clone3 CLONE_INTO_CGROUP,
 * because this write waits for an RCU grace period in the kernel: 6 to
 * 15 ms a run start here (docs/BENCHMARKS.md, SDK actor). */
static int join_cgroup(int procs_fd)
{
	char digits[24];
	size_t n = sizeof(digits);
	long pid = (long)getpid();

	do {
		digits[--n] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid);
	return write(procs_fd, digits + n, sizeof(digits) - n) ==
	       (ssize_t)(sizeof(digits) - n) ? 0 : -1;
}

/*
 * The child after vfork: it shares actord's memory and runs on the
 * runner thread's stack until execve, so it makes only async-signal-safe
 * system calls, writes no memory the parent reads, and never returns.
 */
static void __attribute__((noreturn)) exec_child(const struct child_setup *cs)
{
	int saved = ENOENT, fd;
	size_t i;

	/* Own process group, so a timeout or stop reaches every descendant. */
	if (setpgid(0, 0))
		child_fail(cs, STEP_GROUP, errno);
	if (cs->cgroup_procs_fd >= 0 && join_cgroup(cs->cgroup_procs_fd))
		child_fail(cs, STEP_CGROUP, errno);
	if (cs->address_space.rlim_max &&
	    setrlimit(RLIMIT_AS, &cs->address_space))
		child_fail(cs, STEP_RLIMIT, errno);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(cs->out_fd, 1) < 0 ||
	    dup2(cs->out_fd, 2) < 0)
		child_fail(cs, STEP_FILES, errno);
	if (fd > 2)
		close(fd);
	if (chdir(cs->dir))
		child_fail(cs, STEP_DIR, errno);
	/* Default handlers and an empty mask: actord blocks and ignores
	 * signals the actor must not inherit. */
	for (i = 0; i < sizeof(reset_signals) / sizeof(*reset_signals); i++)
		sigaction(reset_signals[i], &cs->defaults, NULL);
	sigprocmask(SIG_SETMASK, &cs->no_signals, NULL);
	/* As execvp does: go on past a path that is missing or not a
	 * directory, and report EACCES if a candidate had it. */
	for (i = 0; cs->paths[i]; i++) {
		execve(cs->paths[i], cs->argv, cs->envp);
		if (errno == EACCES)
			saved = EACCES;
		else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE)
			child_fail(cs, STEP_EXEC, errno);
	}
	child_fail(cs, STEP_EXEC, saved);
}

/*
 * The paths to try for command, as posix_spawnp finds them: command
 * itself when it contains a slash, else each directory of actord's PATH
 * (relative ones from the build directory, since the child is there).
 * Returns a NULL-terminated array the caller frees with argv_free().
 */
static char **command_paths(const char *command)
{
	const char *path = getenv("PATH");
	struct env list = { NULL, 0, 0 };
	struct buf one = BUF_INIT;
	const char *p;

	if (strchr(command, '/')) {
		env_push(&list, xstrdup(command));
		return list.vars;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; ; ) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);

		buf_reset(&one);
		if (n)
			buf_printf(&one, "%.*s/%s", (int)n, p, command);
		else
			buf_puts(&one, command);	/* an empty entry is "." */
		env_push(&list, xstrdup(one.data));
		if (!colon)
			break;
		p = colon + 1;
	}
	buf_release(&one);
	return list.vars;
}

static const char *const step_names[] = {
	[STEP_GROUP] = "cannot create its process group",
	[STEP_CGROUP] = "cannot join its memory cgroup",
	[STEP_RLIMIT] = "cannot set its address-space limit (RLIMIT_AS)",
	[STEP_FILES] = "cannot connect its standard input and output",
	[STEP_DIR] = "cannot change to its build directory",
};

/*
 * Wait for the child's exec: 0 when it happened, else -1 with err, or
 * SPAWN_NO_FILES when the child found no descriptor free.
 */
static int await_exec(const struct spawn_info *info, pid_t pid, int error_fd,
		      struct buf *err)
{
	struct child_error e;
	ssize_t n;

	do
		n = read(error_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(e))
		return 0;	/* end of file: execve closed the pipe */
	waitpid(pid, NULL, 0);
	if (e.step == STEP_EXEC || e.step < 0 || e.step > STEP_EXEC)
		buf_printf(err, "cannot start \"%s\" in %s: %s", info->argv[0],
			   info->build_dir, strerror(e.err));
	else
		buf_printf(err, "\"%s\" %s: %s", info->argv[0],
			   step_names[e.step], strerror(e.err));
	return e.err == EMFILE || e.err == ENFILE ? SPAWN_NO_FILES : -1;
}

/*
 * vfork, not fork: the parent waits until the exec, and no page tables
 * are copied, which for a large actord took tens of ms. A function of its
 * own, not inlined, so that no variable of the caller lives across the
 * vfork, where the child could clobber it.
 */
static pid_t __attribute__((noinline)) start_child(const struct child_setup *cs)
{
	pid_t pid = vfork();

	if (pid == 0)
		exec_child(cs);
	return pid;
}

int spawn_actor(const struct spawn_info *info, pid_t *pid, int *out_fd,
		struct buf *err)
{
	struct child_setup cs;
	int pipefd[2] = { -1, -1 }, errpipe[2] = { -1, -1 };
	int rc = -1;
	pid_t child;

	memset(&cs, 0, sizeof(cs));
	if (pipe2(pipefd, O_CLOEXEC) || pipe2(errpipe, O_CLOEXEC)) {
		int e = errno;

		buf_printf(err, "cannot create a pipe: %s", strerror(e));
		if (e == EMFILE || e == ENFILE)
			rc = SPAWN_NO_FILES;
		goto out;
	}
	cs.out_fd = pipefd[1];
	cs.error_fd = errpipe[1];
	cs.cgroup_procs_fd = info->cgroup_procs_fd;
	if (info->address_space_bytes > 0) {
		cs.address_space.rlim_cur = (rlim_t)info->address_space_bytes;
		cs.address_space.rlim_max = (rlim_t)info->address_space_bytes;
	}
	cs.defaults.sa_handler = SIG_DFL;
	sigemptyset(&cs.defaults.sa_mask);
	sigemptyset(&cs.no_signals);
	cs.dir = info->build_dir;
	cs.paths = command_paths(info->argv[0]);
	cs.argv = info->argv;
	cs.envp = spawn_environment(info);

	/* TODO: start actors from a helper process that has few descriptors
	 * open (clone with CLONE_PARENT, so actord still reaps them): vfork
	 * copies actord's descriptor table, and the child's execve closes
	 * each entry, so a start takes longer the more descriptors actord
	 * has open (2.4 ms at 19,000, 0.55 ms at a few, measured with
	 * posix_spawn). */
	child = start_child(&cs);
	close(pipefd[1]);
	close(errpipe[1]);
	pipefd[1] = errpipe[1] = -1;
	if (child < 0) {
		buf_printf(err, "cannot start \"%s\": vfork: %s", info->argv[0],
			   strerror(errno));
		goto out;
	}
	rc = await_exec(info, child, errpipe[0], err);
	if (rc)
		goto out;
	fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
	*pid = child;
	*out_fd = pipefd[0];
	pipefd[0] = -1;
	rc = 0;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (errpipe[0] >= 0)
		close(errpipe[0]);
	if (errpipe[1] >= 0)
		close(errpipe[1]);
	argv_free(cs.paths);
	argv_free(cs.envp);
	return rc;
}
