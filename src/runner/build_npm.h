/*
 * The dependency step of a build, as an actor's Dockerfile runs it on the
 * platform: `npm ci --omit=dev` when package-lock.json or
 * npm-shrinkwrap.json exists, else `npm install --omit=dev`, in the build
 * directory, so each build gets its own node_modules.
 */
#ifndef ACTORD_RUNNER_BUILD_NPM_H
#define ACTORD_RUNNER_BUILD_NPM_H

#include "util/buf.h"

/* Time limit of the npm step, in seconds. npm is killed when it passes. */
#define BUILD_NPM_TIMEOUT_SECS 900

/* Maximum npm output kept in the build log, in bytes. The rest is
 * dropped with a note, so a verbose install cannot fill memory. */
#define BUILD_NPM_MAX_OUTPUT (4u << 20)

/*
 * Callbacks through which a build follows its npm step. output() is
 * called after new output was appended to the log. cancelled() is called
 * at least every BUILD_NPM_CHECK_MS, and npm is killed when it returns
 * non-zero. Both run on the calling thread, with ctx.
 */
struct build_npm_hooks {
	void (*output)(void *ctx);
	int (*cancelled)(void *ctx);
	void *ctx;
	/* "NAME=value" added to npm's environment, so that a later actord
	 * can find npm's processes (runner_kill_marked()); NULL for none. */
	const char *marker;
};

/* How often cancelled() is called, in milliseconds. */
#define BUILD_NPM_CHECK_MS 200

/*
 * Runs npm in dir when dir/package.json exists. npm's stdout and stderr
 * go to log, each line prefixed with a UTC ISO timestamp. npm gets an
 * environment of its own (PATH, HOME, locale, proxies and npm_config_*
 * variables of actord, then the "NAME=value" strings of extra_env, which
 * may be NULL), so actord's token never reaches install scripts.
 * Returns 1, with nothing logged, when there is no package.json; 0 when
 * npm exits with 0; -1 with the reason appended to *message otherwise
 * (npm not found, a non-zero exit code, a signal, the timeout), or -2
 * with a message when hooks->cancelled() asked to stop. hooks may be NULL.
 */
int build_npm_install(const char *dir, int timeout_secs, struct buf *log,
		      struct buf *message,
		      const struct build_npm_hooks *hooks,
		      char *const *extra_env);

/*
 * Selects the entries of the NULL-terminated environment `from` that npm
 * gets: PATH, HOME, USER, LANG, LC_ALL, TMPDIR, TZ, the proxy variables,
 * NODE_EXTRA_CA_CERTS and npm_config_* in any case. Then appends every
 * entry of `extra` (NULL for none, a version's custom variables), which
 * replaces a selected entry of the same name. Returns a NULL-terminated
 * array that the caller frees with free(); its strings are the ones of
 * `from` and `extra`, not copies.
 */
char **build_npm_environment(char *const *from, char *const *extra);

#endif
