/*
 * Memory cgroups for runs, version 2 or version 1: find the cgroup actord
 * itself is in, create a directory for actord's runs below it, and one
 * cgroup per run with a memory limit. The functions are stateless; the
 * policy (which version, when to remove) is in memlimit.c.
 */
#ifndef ACTORD_RUNNER_CGROUP_H
#define ACTORD_RUNNER_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum cgroup_version { CGROUP_V1 = 1, CGROUP_V2 = 2 };

/*
 * Find actord's own cgroup in the text of /proc/self/cgroup: the "0::"
 * entry for version 2, else the version 1 hierarchy whose controller list
 * contains "memory". Writes the cgroup path ("/a/b") to out. Returns 0, or
 * -1 when there is no such entry or it does not fit in size.
 */
int cgroup_parse_own(const char *text, enum cgroup_version v, char *out,
		     size_t size);

/*
 * Find the mount of the hierarchy in the text of /proc/self/mountinfo: a
 * "cgroup2" mount for version 2, or a "cgroup" mount whose super options
 * contain "memory" for version 1. Writes its mount point and the cgroup
 * path mounted there (its root, "/" unless only a subtree is mounted),
 * with octal escapes such as \040 decoded. Returns 0 or -1.
 */
int cgroup_parse_mount(const char *text, enum cgroup_version v, char *point,
		       size_t point_size, char *root, size_t root_size);

/*
 * The directory of the cgroup at path, for a hierarchy whose root is
 * mounted at point. Returns 0, or -1 when path is outside root, so not
 * visible in this mount.
 */
int cgroup_dir_of(const char *point, const char *root, const char *path,
		  struct buf *out);

/*
 * Create the directory for actord's run cgroups, DIR/actord-PID, below
 * actord's own cgroup DIR, ready to hold children with a memory limit:
 * for version 2 that enables the memory controller in DIR and in the new
 * directory. On success returns 0 with the new directory in base. On
 * failure returns -1 with the reason in reason and creates nothing.
 */
int cgroup_create_base(enum cgroup_version v, struct buf *base,
		       struct buf *reason);

/*
 * Remove the cgroups that actord instances which are gone left below
 * parent_dir: every actord-PID whose process is not an actord, with its
 * run cgroups, after a SIGKILL to each process still in them. Returns the
 * number of directories removed.
 */
int cgroup_remove_stale(const char *parent_dir);

/*
 * Create the cgroup name below base with a memory limit of limit_bytes
 * and no swap. Opens its cgroup.procs, close-on-exec, for the run's
 * process to join; the caller closes it. On failure returns -1 with a
 * message in err and errno set, and leaves nothing behind.
 */
int cgroup_create_run(enum cgroup_version v, const char *base,
		      const char *name, int64_t limit_bytes, struct buf *dir,
		      int *procs_fd, struct buf *err);

/*
 * Out-of-memory kills in the cgroup at dir so far: the oom_kill count of
 * memory.events (version 2) or memory.oom_control (version 1). Returns -1
 * when the kernel does not count them (version 1 before Linux 4.13).
 */
int64_t cgroup_oom_kills(enum cgroup_version v, const char *dir);

/* memory.failcnt of a version 1 cgroup: how often usage hit the limit;
 * -1 when unreadable. */
int64_t cgroup_limit_hits(const char *dir);

/*
 * The peak memory use in bytes of the cgroup at dir, page cache included:
 * memory.peak (version 2, Linux 5.19 and later) or
 * memory.max_usage_in_bytes (version 1). -1 when unreadable.
 */
int64_t cgroup_memory_peak(enum cgroup_version v, const char *dir);

/*
 * Send SIGKILL to every process in the cgroup at dir, those that left the
 * run's process group included, repeating while new ones appear.
 */
void cgroup_kill_all(const char *dir);

/* Remove the cgroup at dir. Returns 0, or -1 with errno (EBUSY while
 * killed processes are still exiting). */
int cgroup_remove(const char *dir);

#endif
