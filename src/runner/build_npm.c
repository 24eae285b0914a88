/*
 * The npm step of a build, declared in build_npm.h. npm runs through
 * posix_spawnp with an argv (no shell), in its own process group so that
 * the timeout kills install scripts too. build.c calls it after writing
 * the sources.
 */
#include "runner/build_npm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/env_vars.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/timeutil.h"

extern char **environ;

/* Variables of actord's environment that npm may need: where to find
 * node and git, its cache under HOME, the locale and the proxies. */
static const char *const inherited_names[] = {
	"PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TZ",
	"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
	"NO_PROXY", "NODE_EXTRA_CA_CERTS", NULL,
};

static int keep_variable(const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t i;

	if (!eq)
		return 0;
	if (!strncasecmp(entry, "npm_config_", 11))
		return 1;
	for (i = 0; inherited_names[i]; i++)
		if (strlen(inherited_names[i]) == (size_t)(eq - entry) &&
		    !strncmp(entry, inherited_names[i], (size_t)(eq - entry)))
			return 1;
	return 0;
}

char **build_npm_environment(char *const *from, char *const *extra)
{
	size_t n = 0, i;
	char **env;

	for (i = 0; from[i]; i++)
		n++;
	for (i = 0; extra && extra[i]; i++)
		n++;
	env = xcalloc(n + 1, sizeof(*env));
	n = 0;
	for (i = 0; from[i]; i++)
		if (keep_variable(from[i]) && !env_vars_has_name(extra, from[i]))
			env[n++] = from[i];
	for (i = 0; extra && extra[i]; i++)
		env[n++] = extra[i];
	return env;
}

/* Append len bytes of output to log, starting each line with a timestamp.
 * *at_line_start carries the state between chunks. */
static void append_output(struct buf *log, const char *data, size_t len,
			  int *at_line_start)
{
	char when[TIME_ISO_LEN];
	size_t i;

	time_format_iso(time_now_ms(), when);
	for (i = 0; i < len; i++) {
		if (*at_line_start) {
			buf_printf(log, "%s ", when);
			*at_line_start = 0;
		}
		buf_putc(log, data[i]);
		if (data[i] == '\n')
			*at_line_start = 1;
	}
}

/*
 * Copy the child's output from fd into log until end of file or the
 * deadline (milliseconds since the epoch). Returns 0 at end of file, 1
 * when the deadline passed, 2 when hooks cancelled, -1 on a read or poll
 * error (errno set).
 */
static int collect_output(int fd, int64_t deadline, struct buf *log,
			  const struct build_npm_hooks *hooks)
{
	size_t kept_bytes = 0;
	int at_line_start = 1, dropped = 0;
	char chunk[8192];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - time_now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return 1;
		if (hooks && hooks->cancelled(hooks->ctx))
			return 2;
		rc = poll(&p, 1, left > BUILD_NPM_CHECK_MS ?
			  BUILD_NPM_CHECK_MS : (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (kept_bytes + (size_t)n > BUILD_NPM_MAX_OUTPUT) {
			dropped = 1;
			continue;
		}
		kept_bytes += (size_t)n;
		append_output(log, chunk, (size_t)n, &at_line_start);
		if (hooks)
			hooks->output(hooks->ctx);
	}
	if (!at_line_start)
		buf_putc(log, '\n');
	if (dropped) {
		static const char note[] = "(npm output beyond the build"
					   " log's limit was dropped)\n";

		append_output(log, note, sizeof(note) - 1, &at_line_start);
	}
	return 0;
}

/* Start argv in dir with stdout and stderr on out_fd. */
static int start_npm(const char *dir, char *const *argv,
		     char *const *extra_env, int out_fd, const char *marker,
		     pid_t *pid)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char **env = build_npm_environment(environ, extra_env);
	size_t n = 0;
	int rc;

	if (marker) {
		while (env[n])
			n++;
		env = xrealloc(env, (n + 2) * sizeof(*env));
		env[n] = (char *)marker;
		env[n + 1] = NULL;
	}

	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGINT);
	posix_spawnattr_init(&attr);
	/* Own process group, so the timeout reaches install scripts. The
	 * signal mask and handlers are a fresh process's, not actord's. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
	posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
	posix_spawn_file_actions_addchdir_np(&actions, dir);

	rc = posix_spawnp(pid, argv[0], &actions, &attr, argv, env);

	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	free(env);
	return rc;
}

static void describe_exit(struct buf *message, const char *step_name,
			  int status)
{
	if (WIFEXITED(status))
		buf_printf(message, "%s failed with exit code %d.", step_name,
			   WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		buf_printf(message, "%s was killed by signal %d.", step_name,
			   WTERMSIG(status));
	else
		buf_printf(message, "%s ended with wait status %d.", step_name,
			   status);
}

/* "ci" with a lock file, "install" without, NULL without package.json. */
static const char *install_mode(const char *dir)
{
	static const char *const names[] = { "package.json",
		"package-lock.json", "npm-shrinkwrap.json" };
	struct buf path = BUF_INIT;
	const char *mode = NULL;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		if (!fs_is_file(path.data))
			continue;
		if (i == 0)
			mode = "install";
		else if (mode)
			mode = "ci";
	}
	buf_release(&path);
	return mode;
}

/* Log the command line about to run, so a user can repeat it. */
static void announce_command(struct buf *log, char *const *argv)
{
	struct buf line = BUF_INIT;
	int at_line_start = 1;
	size_t i;

	buf_puts(&line, "Running \"");
	for (i = 0; argv[i]; i++)
		buf_printf(&line, "%s%s", i ? " " : "", argv[i]);
	buf_puts(&line, "\" in the build directory.\n");
	append_output(log, line.data, line.len, &at_line_start);
	buf_release(&line);
}

int build_npm_install(const char *dir, int timeout_secs, struct buf *log,
		      struct buf *message,
		      const struct build_npm_hooks *hooks,
		      char *const *extra_env)
{
	const char *mode;
	char *argv[] = { "npm", NULL, "--omit=dev", "--no-audit", "--no-fund",
			 "--no-update-notifier", NULL };
	char step_name[32];
	int fds[2] = { -1, -1 };
	int rc = -1, status = 0, collected, read_errno;
	pid_t pid;

	mode = install_mode(dir);
	if (!mode) {
		rc = 1;
		goto out;
	}
	argv[1] = (char *)mode;
	snprintf(step_name, sizeof(step_name), "npm %s", mode);
	announce_command(log, argv);

	if (pipe2(fds, O_CLOEXEC)) {
		buf_printf(message, "Cannot create a pipe for %s: %s", step_name,
			   strerror(errno));
		goto out;
	}
	errno = start_npm(dir, argv, extra_env, fds[1],
			  hooks ? hooks->marker : NULL, &pid);
	close(fds[1]);
	fds[1] = -1;
	if (errno) {
		buf_printf(message, "Cannot start %s: %s", step_name,
			   strerror(errno));
		goto out;
	}

	collected = collect_output(fds[0], time_now_ms() +
				   (int64_t)timeout_secs * 1000, log, hooks);
	read_errno = errno;
	/* Also ends descendants that outlive npm or hold the pipe open. */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (collected == 2) {
		buf_printf(message, "%s was stopped because the build was"
			   " aborted.", step_name);
		rc = -2;
		goto out;
	}
	if (collected == 1)
		buf_printf(message, "%s timed out after %d seconds.", step_name,
			   timeout_secs);
	else if (collected < 0)
		buf_printf(message, "Cannot read the output of %s: %s", step_name,
			   strerror(read_errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		describe_exit(message, step_name, status);
	else
		rc = 0;

out:
	if (rc == -1 && message->len)
		log_info("build", "in %s: %s", dir, message->data);
	if (fds[0] >= 0)
		close(fds[0]);
	return rc;
}
