/*
 * Actor process start; see spawn.h. posix_spawn rather than fork: a fork
 * of a server with a large heap copies its page tables, tens of
 * milliseconds, while posix_spawn uses vfork-like semantics.
 */
#include "runner/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/dockerfile.h"
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

char **spawn_environment(const struct spawn_info *info)
{
	const struct run *run = info->run;
	struct env e = { NULL, 0, 0 };
	char started[TIME_ISO_LEN], timeout_at[TIME_ISO_LEN], num[32];
	struct buf storages = BUF_INIT;
	char **v;

	for (v = environ; *v; v++)
		if (inherited(*v))
			env_push(&e, xstrdup(*v));

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
	env_add_both(&e, "ACTOR_INPUT_KEY", "APIFY_INPUT_KEY", "INPUT");
	snprintf(num, sizeof(num), "%lld", (long long)run->memory_mbytes);
	/* TODO: enforce the memory option with a cgroup or RLIMIT_AS and a
	 * resident-memory watchdog; today only the run queue counts it. */
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

int spawn_actor(const struct spawn_info *info, pid_t *pid, int *out_fd,
		struct buf *err)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char **envp = spawn_environment(info);
	int pipefd[2] = { -1, -1 };
	int rc;

	if (pipe2(pipefd, O_CLOEXEC)) {
		rc = errno;
		buf_printf(err, "cannot create a pipe: %s", strerror(rc));
		argv_free(envp);
		return rc == EMFILE || rc == ENFILE ? SPAWN_NO_FILES : -1;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
	posix_spawn_file_actions_addchdir_np(&actions, info->build_dir);

	/* Own process group, so a timeout or stop reaches every descendant;
	 * an empty signal mask and default handlers, since actord blocks
	 * and ignores signals the actor must not inherit. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGINT);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	/* TODO: start actors from a helper process that has few descriptors
	 * open (clone with CLONE_PARENT, so actord still reaps them): this
	 * call copies actord's descriptor table, and the child's execve
	 * closes each entry, so a start takes longer the more descriptors
	 * actord has open (2.4 ms at 19,000, 0.55 ms at a few). */
	rc = posix_spawnp(pid, info->argv[0], &actions, &attr, info->argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	argv_free(envp);
	close(pipefd[1]);
	if (rc) {
		buf_printf(err, "cannot start \"%s\" in %s: %s", info->argv[0],
			   info->build_dir, strerror(rc));
		close(pipefd[0]);
		return rc == EMFILE || rc == ENFILE ? SPAWN_NO_FILES : -1;
	}
	fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
	*out_fd = pipefd[0];
	return 0;
}
