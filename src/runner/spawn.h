/*
 * Starting an actor process: its environment (the variables the Apify
 * platform sets, so unmodified SDKs work), and vfork and exec into its own
 * process group, its memory cgroup and its address-space limit, with
 * stdout and stderr on one pipe.
 */
#ifndef ACTORD_RUNNER_SPAWN_H
#define ACTORD_RUNNER_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

struct spawn_info {
	const struct run *run;
	const char *token;		/* the run owner's API token */
	const char *api_base_url;
	const char *actor_full_name;	/* "username/actor-name" */
	const char *build_dir;
	/* JSON text of the build's envVars snapshot, or NULL for none */
	const char *env_vars;
	char *const *argv;
	int cgroup_procs_fd;		/* cgroup.procs to join; -1 for none */
	int64_t address_space_bytes;	/* RLIMIT_AS; 0 for none */
};

/* spawn_actor() could not start the process because actord has no file
 * descriptor free (EMFILE or ENFILE): starting it later may work. */
#define SPAWN_NO_FILES (-2)

/*
 * Start the process. On success returns 0 with *pid and *out_fd, the
 * read end of the pipe carrying the process's stdout and stderr
 * (non-blocking, close-on-exec). On failure returns -1, or
 * SPAWN_NO_FILES, with a message in err.
 */
int spawn_actor(const struct spawn_info *info, pid_t *pid, int *out_fd,
		struct buf *err);

/*
 * Build the environment; exposed for tests. actord's own environment
 * comes first, without its ACTORD_, APIFY_, ACTOR_ and CRAWLEE_
 * variables. The build's custom variables follow and replace inherited
 * ones of the same name. The run's ACTOR_ and APIFY_ variables come last,
 * and no custom variable can replace them. Returns a NULL-terminated
 * array the caller frees with argv_free().
 */
char **spawn_environment(const struct spawn_info *info);

#endif
