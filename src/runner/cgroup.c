/*
 * Memory cgroups for runs; see cgroup.h. Paths and file names follow the
 * kernel's documentation: Documentation/admin-guide/cgroup-v2.rst and
 * Documentation/admin-guide/cgroup-v1/memory.rst.
 */
#include "runner/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/log.h"

/* How long a removal waits for killed processes to leave a cgroup. */
#define REMOVE_TRIES 40
#define REMOVE_PAUSE_US 25000

/* 1 if the comma-separated list [list, end) contains word. */
static int list_has(const char *list, const char *end, const char *word)
{
	size_t n = strlen(word);

	while (list < end) {
		const char *comma = memchr(list, ',', (size_t)(end - list));
		const char *stop = comma ? comma : end;

		if ((size_t)(stop - list) == n && !memcmp(list, word, n))
			return 1;
		list = stop + 1;
	}
	return 0;
}

/* Copy [from, to) into out as a string; -1 when it does not fit. */
static int copy_span(const char *from, const char *to, char *out, size_t size)
{
	size_t n = (size_t)(to - from);

	if (n >= size)
		return -1;
	memcpy(out, from, n);
	out[n] = '\0';
	return 0;
}

int cgroup_parse_own(const char *text, enum cgroup_version v, char *out,
		     size_t size)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		const char *c1, *c2;

		if (!end)
			end = line + strlen(line);
		c1 = memchr(line, ':', (size_t)(end - line));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2) {
			int v2_entry = c1 - line == 1 && line[0] == '0' &&
				       c2 == c1 + 1;

			if (v == CGROUP_V2 ? v2_entry :
			    list_has(c1 + 1, c2, "memory"))
				return copy_span(c2 + 1, end, out, size);
		}
		line = *end ? end + 1 : NULL;
	}
	return -1;
}

/* Copy a mountinfo field, decoding the octal escapes (\040 is a space). */
static int copy_field(const char *from, const char *to, char *out, size_t size)
{
	size_t n = 0;

	while (from < to) {
		char c = *from++;

		if (c == '\\' && to - from >= 3 && from[0] >= '0' &&
		    from[0] <= '3' && from[1] >= '0' && from[1] <= '7' &&
		    from[2] >= '0' && from[2] <= '7') {
			c = (char)((from[0] - '0') * 64 + (from[1] - '0') * 8 +
				   (from[2] - '0'));
			from += 3;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/*
 * Split [line, end) at spaces into at most max fields; returns the count.
 * A mountinfo line has no empty fields, since spaces in values are escaped.
 */
static int split_fields(const char *line, const char *end, const char **from,
			const char **to, int max)
{
	int n = 0;

	while (line < end && n < max) {
		const char *space = memchr(line, ' ', (size_t)(end - line));

		from[n] = line;
		to[n] = space ? space : end;
		n++;
		line = space ? space + 1 : end;
	}
	return n;
}

int cgroup_parse_mount(const char *text, enum cgroup_version v, char *point,
		       size_t point_size, char *root, size_t root_size)
{
	const char *line = text;

	/* Fields: ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] -
	 * FSTYPE SOURCE SUPER-OPTIONS. */
	while (line && *line) {
		const char *end = strchr(line, '\n');
		const char *from[32], *to[32];
		int n, dash;

		if (!end)
			end = line + strlen(line);
		n = split_fields(line, end, from, to, 32);
		for (dash = 6; dash < n; dash++)
			if (to[dash] - from[dash] == 1 && *from[dash] == '-')
				break;
		if (dash + 3 < n) {
			const char *type = from[dash + 1];
			size_t type_len = (size_t)(to[dash + 1] - type);
			int match = v == CGROUP_V2 ?
				    type_len == 7 && !memcmp(type, "cgroup2", 7) :
				    type_len == 6 && !memcmp(type, "cgroup", 6) &&
				    list_has(from[dash + 3], to[dash + 3],
					     "memory");

			if (match)
				return copy_field(from[4], to[4], point,
						  point_size) ||
				       copy_field(from[3], to[3], root,
						  root_size) ? -1 : 0;
		}
		line = *end ? end + 1 : NULL;
	}
	return -1;
}

int cgroup_dir_of(const char *point, const char *root, const char *path,
		  struct buf *out)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		n = 0;
	else if (strncmp(path, root, n) || (path[n] && path[n] != '/'))
		return -1;
	buf_printf(out, "%s%s", point, strcmp(path + n, "/") ? path + n : "");
	return 0;
}

/* dir/name into out; -1 with ENAMETOOLONG when it does not fit. */
static int join_path(char *out, size_t size, const char *dir, const char *name)
{
	if (snprintf(out, size, "%s/%s", dir, name) >= (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Write value to dir/file. Returns 0, or -1 with errno set. */
static int write_value(const char *dir, const char *file, const char *value)
{
	char path[4096];
	size_t len = strlen(value);
	int fd, saved;
	ssize_t n;

	if (join_path(path, sizeof(path), dir, file))
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)len ? 0 : -1;
}

/* Read dir/file into out (appended). Returns 0, or -1 with errno set. */
static int read_value(const char *dir, const char *file, struct buf *out)
{
	char path[4096];

	if (join_path(path, sizeof(path), dir, file))
		return -1;
	return fs_read_file(path, out);
}

/* 1 if the space-separated list in text contains word. */
static int words_have(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p = text;

	while ((p = strstr(p, word))) {
		if ((p == text || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return 1;
		p += n;
	}
	return 0;
}

/* The directory of actord's own cgroup in hierarchy v. */
static int find_own_dir(enum cgroup_version v, struct buf *dir,
			struct buf *reason)
{
	struct buf text = BUF_INIT;
	char own[1024], point[1024], root[1024];
	int rc = -1;

	if (fs_read_file("/proc/self/cgroup", &text) ||
	    cgroup_parse_own(text.data, v, own, sizeof(own))) {
		buf_printf(reason, "/proc/self/cgroup has no %s entry",
			   v == CGROUP_V2 ? "cgroup2" : "memory");
		goto out;
	}
	buf_reset(&text);
	if (fs_read_file("/proc/self/mountinfo", &text) ||
	    cgroup_parse_mount(text.data, v, point, sizeof(point), root,
			       sizeof(root))) {
		buf_printf(reason, "no %s is mounted", v == CGROUP_V2 ?
			   "cgroup2 hierarchy" : "cgroup hierarchy with the"
			   " memory controller");
		goto out;
	}
	if (cgroup_dir_of(point, root, own, dir)) {
		buf_printf(reason, "actord's cgroup %s is outside the mount"
			   " at %s", own, point);
		goto out;
	}
	rc = 0;
out:
	buf_release(&text);
	return rc;
}

/* Version 2: make the memory controller available to children of dir. */
static int enable_memory(const char *dir, struct buf *reason)
{
	struct buf text = BUF_INIT;
	int rc = -1;

	if (read_value(dir, "cgroup.controllers", &text) ||
	    !words_have(text.data, "memory")) {
		buf_printf(reason, "the memory controller is not available"
			   " in %s", dir);
		goto out;
	}
	buf_reset(&text);
	if (read_value(dir, "cgroup.subtree_control", &text) == 0 &&
	    words_have(text.data, "memory")) {
		rc = 0;
		goto out;
	}
	/* EBUSY when dir has processes of its own and is not the root,
	 * because a cgroup hands controllers to its children only when
	 * empty. NOTE: not run on a cgroup v2 machine; actord could move
	 * itself into a leaf cgroup to get past this. */
	if (write_value(dir, "cgroup.subtree_control", "+memory")) {
		buf_printf(reason, "cannot enable the memory controller in"
			   " %s/cgroup.subtree_control: %s", dir,
			   strerror(errno));
		goto out;
	}
	rc = 0;
out:
	buf_release(&text);
	return rc;
}

int cgroup_create_base(enum cgroup_version v, struct buf *base,
		       struct buf *reason)
{
	struct buf dir = BUF_INIT;
	int rc = -1;

	if (find_own_dir(v, &dir, reason))
		goto out;
	cgroup_remove_stale(dir.data);
	if (v == CGROUP_V2 && enable_memory(dir.data, reason))
		goto out;
	buf_printf(base, "%s/actord-%ld", dir.data, (long)getpid());
	if (mkdir(base->data, 0755) && errno != EEXIST) {
		buf_printf(reason, "cannot create %s: %s", base->data,
			   strerror(errno));
		goto out;
	}
	if (v == CGROUP_V2 &&
	    write_value(base->data, "cgroup.subtree_control", "+memory")) {
		buf_printf(reason, "cannot enable the memory controller in"
			   " %s/cgroup.subtree_control: %s", base->data,
			   strerror(errno));
		rmdir(base->data);
		goto out;
	}
	rc = 0;
out:
	if (rc)
		buf_reset(base);
	buf_release(&dir);
	return rc;
}

/* 1 if pid is a live process named actord. */
static int actord_alive(long pid)
{
	struct buf comm = BUF_INIT;
	char path[64];
	int alive;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	alive = fs_read_file(path, &comm) == 0 &&
		!strncmp(comm.data, "actord\n", comm.len);
	buf_release(&comm);
	return alive;
}

/* Remove dir, waiting for killed processes to leave it. */
static int remove_waiting(const char *dir)
{
	int i;

	for (i = 0; i < REMOVE_TRIES; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(REMOVE_PAUSE_US);
	}
	log_warn("runner", "cannot remove the cgroup %s: %s", dir,
		 strerror(errno));
	return -1;
}

/* Kill the processes of every run cgroup in base, remove them and base. */
static int remove_base(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;
	char path[4096];

	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (join_path(path, sizeof(path), base, e->d_name))
			continue;
		cgroup_kill_all(path);
		remove_waiting(path);
	}
	if (d)
		closedir(d);
	return remove_waiting(base);
}

int cgroup_remove_stale(const char *parent_dir)
{
	DIR *d = opendir(parent_dir);
	struct dirent *e;
	char path[4096];
	int removed = 0;

	while (d && (e = readdir(d))) {
		char *end;
		long pid;

		if (e->d_type != DT_DIR || strncmp(e->d_name, "actord-", 7))
			continue;
		pid = strtol(e->d_name + 7, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() ||
		    actord_alive(pid))
			continue;
		if (join_path(path, sizeof(path), parent_dir, e->d_name))
			continue;
		log_warn("runner", "removing the cgroup %s left by actord"
			 " process %ld, which is gone", path, pid);
		if (remove_base(path) == 0)
			removed++;
	}
	if (d)
		closedir(d);
	return removed;
}

/* Set the limits of a new run cgroup; the swap files may be missing. */
static int set_limits(enum cgroup_version v, const char *dir,
		      int64_t limit_bytes, struct buf *err)
{
	char value[32];
	int e;

	snprintf(value, sizeof(value), "%lld", (long long)limit_bytes);
	if (v == CGROUP_V2) {
		if (write_value(dir, "memory.max", value))
			goto fail;
		if (write_value(dir, "memory.swap.max", "0") && errno != ENOENT)
			goto fail;
		/* One out-of-memory kill takes every process of the run. */
		if (write_value(dir, "memory.oom.group", "1") && errno != ENOENT)
			goto fail;
		return 0;
	}
	if (write_value(dir, "memory.limit_in_bytes", value))
		goto fail;
	/* memory plus swap: the same, so the run cannot move into swap */
	if (write_value(dir, "memory.memsw.limit_in_bytes", value) &&
	    errno != ENOENT)
		goto fail;
	return 0;
fail:
	e = errno;
	buf_printf(err, "cannot set the memory limit of the cgroup %s: %s",
		   dir, strerror(e));
	errno = e;
	return -1;
}

int cgroup_create_run(enum cgroup_version v, const char *base,
		      const char *name, int64_t limit_bytes, struct buf *dir,
		      int *procs_fd, struct buf *err)
{
	char path[4096];
	int e;

	buf_reset(dir);
	buf_printf(dir, "%s/%s", base, name);
	if (mkdir(dir->data, 0755)) {
		buf_printf(err, "cannot create the cgroup %s: %s", dir->data,
			   strerror(errno));
		return -1;
	}
	if (set_limits(v, dir->data, limit_bytes, err))
		goto fail;
	*procs_fd = -1;
	if (join_path(path, sizeof(path), dir->data, "cgroup.procs") == 0)
		*procs_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (*procs_fd < 0) {
		e = errno;
		buf_printf(err, "cannot open %s: %s", path, strerror(e));
		errno = e;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	rmdir(dir->data);
	errno = e;
	return -1;
}

/* The number after "key " at the start of a line of text; -1 if none. */
static int64_t keyed_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int64_t cgroup_oom_kills(enum cgroup_version v, const char *dir)
{
	struct buf text = BUF_INIT;
	int64_t kills = -1;

	if (read_value(dir, v == CGROUP_V2 ? "memory.events" :
		       "memory.oom_control", &text) == 0)
		kills = keyed_value(text.data, "oom_kill");
	buf_release(&text);
	return kills;
}

int64_t cgroup_limit_hits(const char *dir)
{
	struct buf text = BUF_INIT;
	int64_t hits = -1;

	if (read_value(dir, "memory.failcnt", &text) == 0)
		hits = strtoll(text.data, NULL, 10);
	buf_release(&text);
	return hits;
}

int64_t cgroup_memory_peak(enum cgroup_version v, const char *dir)
{
	struct buf text = BUF_INIT;
	int64_t peak = -1;

	if (read_value(dir, v == CGROUP_V2 ? "memory.peak" :
		       "memory.max_usage_in_bytes", &text) == 0)
		peak = strtoll(text.data, NULL, 10);
	buf_release(&text);
	return peak;
}

/* SIGKILL to each pid listed in text; returns how many were not in
 * before (the pids of the previous pass, as text too). */
static int kill_listed(const char *text, const char *before)
{
	const char *p = text;
	int fresh = 0;

	while (*p) {
		char *end;
		long pid = strtol(p, &end, 10);
		char word[24];

		if (end == p)
			break;
		if (pid > 0) {
			kill((pid_t)pid, SIGKILL);
			snprintf(word, sizeof(word), "%ld", pid);
			if (!words_have(before, word))
				fresh++;
		}
		p = *end ? end + 1 : end;
	}
	return fresh;
}

void cgroup_kill_all(const char *dir)
{
	struct buf now = BUF_INIT, before = BUF_INIT;
	int pass;

	/* Version 2 since Linux 5.14 kills the whole cgroup at once. */
	write_value(dir, "cgroup.kill", "1");
	for (pass = 0; pass < 8; pass++) {
		buf_reset(&now);
		if (read_value(dir, "cgroup.procs", &now) || !now.len ||
		    !kill_listed(now.data, before.data ? before.data : ""))
			break;
		buf_reset(&before);
		buf_append(&before, now.data, now.len);
	}
	buf_release(&now);
	buf_release(&before);
}

int cgroup_remove(const char *dir)
{
	return rmdir(dir) && errno != ENOENT ? -1 : 0;
}
