/*
 * The memory limits of runs; see memlimit.h. The state here (the
 * mechanism, actord's cgroup directory, removals still pending) belongs
 * to the runner thread after memlimit_init().
 */
#include "runner/memlimit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/cgroup.h"
#include "util/log.h"

#define MIB (1024 * 1024)

/* A run cgroup whose killed processes had not all exited yet. */
struct pending_removal {
	char *dir;
	struct pending_removal *next;
};

static enum memlimit_mechanism mechanism;
static struct buf base = BUF_INIT;	/* DIR/actord-PID; empty: none */
static struct pending_removal *pending;
static unsigned long run_seq;		/* makes each run cgroup's name new */
static int64_t headroom;		/* RLIMIT_AS past the memory, MB */

int memlimit_parse_request(const char *text)
{
	static const char *const names[] = { "auto", "cgroup", "rlimit",
					     "none" };
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(text, names[i]))
			return i;
	return -1;
}

enum memlimit_mechanism memlimit_mechanism(void)
{
	return mechanism;
}

static void log_rlimit(const char *why)
{
	if (headroom)
		log_info("runner", "memory limits: RLIMIT_AS of the run's memory"
			 " plus %lld MB, and a resident-memory watchdog every"
			 " %d ms (%s)", (long long)headroom, WATCH_INTERVAL_MS,
			 why);
	else
		log_info("runner", "memory limits: a resident-memory watchdog"
			 " every %d ms, no RLIMIT_AS (%s)", WATCH_INTERVAL_MS,
			 why);
}

int memlimit_init(enum memlimit_request request, int64_t headroom_mbytes)
{
	struct buf v2_reason = BUF_INIT, v1_reason = BUF_INIT, why = BUF_INIT;
	int rc = 0;

	headroom = headroom_mbytes;
	if (request == MEMLIMIT_NONE) {
		mechanism = MECH_NONE;
		log_info("runner", "memory limits: not enforced"
			 " (--memory-enforcement=none); the memory option of"
			 " a run only counts against --memory-total-mbytes");
	} else if (request == MEMLIMIT_RLIMIT) {
		mechanism = MECH_RLIMIT;
		log_rlimit("--memory-enforcement=rlimit");
	} else if (cgroup_create_base(CGROUP_V2, &base, &v2_reason) == 0) {
		mechanism = MECH_CGROUP_V2;
		log_info("runner", "memory limits: cgroup v2 memory.max, one"
			 " cgroup per run below %s", base.data);
	} else if (cgroup_create_base(CGROUP_V1, &base, &v1_reason) == 0) {
		mechanism = MECH_CGROUP_V1;
		log_info("runner", "memory limits: cgroup v1"
			 " memory.limit_in_bytes, one cgroup per run below %s"
			 " (no cgroup v2: %s)", base.data, v2_reason.data);
	} else if (request == MEMLIMIT_CGROUP) {
		log_error("runner", "memory limits: --memory-enforcement=cgroup"
			  " but actord cannot create a memory cgroup (cgroup v2:"
			  " %s; cgroup v1: %s); use --memory-enforcement=auto"
			  " or rlimit", v2_reason.data, v1_reason.data);
		rc = -1;
	} else {
		mechanism = MECH_RLIMIT;
		buf_printf(&why, "no writable memory cgroup: cgroup v2: %s;"
			   " cgroup v1: %s", v2_reason.data, v1_reason.data);
		log_rlimit(why.data);
	}
	buf_release(&v2_reason);
	buf_release(&v1_reason);
	buf_release(&why);
	return rc;
}

void memlimit_shutdown(void)
{
	int i;

	for (i = 0; i < 40 && memlimit_retry_removals(); i++)
		usleep(25000);
	if (base.len && rmdir(base.data) && errno != ENOENT)
		log_warn("runner", "cannot remove the cgroup %s: %s", base.data,
			 strerror(errno));
	buf_release(&base);
}

static enum cgroup_version cgroup_version(void)
{
	return mechanism == MECH_CGROUP_V2 ? CGROUP_V2 : CGROUP_V1;
}

int memlimit_run_prepare(struct memlimit_run *m, const char *run_id,
			 int64_t mbytes, int *procs_fd, struct buf *err)
{
	char name[96];

	*procs_fd = -1;
	if (mechanism == MECH_NONE)
		return 0;
	m->limit_bytes = mbytes * MIB;
	if (mechanism == MECH_RLIMIT) {
		m->address_space_bytes = headroom ? (mbytes + headroom) * MIB : 0;
		return 0;
	}
	/* A restart starts a new cgroup: the old one may still be going. */
	snprintf(name, sizeof(name), "run-%s-%lu", run_id, ++run_seq);
	return cgroup_create_run(cgroup_version(), base.data, name,
				 m->limit_bytes, &m->cgroup_dir, procs_fd, err);
}

int memlimit_run_exceeded(const struct memlimit_run *m, int killed_by_sigkill)
{
	int64_t kills;

	if (!m->limit_bytes)
		return 0;
	if (!m->cgroup_dir.len)
		return m->resident_bytes > m->limit_bytes;
	kills = cgroup_oom_kills(cgroup_version(), m->cgroup_dir.data);
	if (kills >= 0)
		return kills > 0;
	return killed_by_sigkill && cgroup_limit_hits(m->cgroup_dir.data) > 0;
}

int64_t memlimit_run_peak_bytes(const struct memlimit_run *m)
{
	if (m->cgroup_dir.len)
		return cgroup_memory_peak(cgroup_version(), m->cgroup_dir.data);
	return m->peak_resident_bytes;
}

int memlimit_parse_stat(const char *line, pid_t *pgrp, int64_t *rss_pages)
{
	const char *p = strrchr(line, ')');
	int field;
	char *end;

	/* After the command name: field 3 (state) on, one space apart;
	 * the process group is field 5 and the resident set field 24. */
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	for (field = 3; field < 24; field++) {
		if (field == 5)
			*pgrp = (pid_t)strtol(p, NULL, 10);
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	*rss_pages = strtoll(p, &end, 10);
	return end == p ? -1 : 0;
}

void memlimit_sum_resident(struct memlimit_run *(*find)(void *ctx, pid_t pgid),
			   void *ctx)
{
	long page_size = sysconf(_SC_PAGESIZE);
	DIR *proc = opendir("/proc");
	struct dirent *e;

	while (proc && (e = readdir(proc))) {
		char path[300], line[1024];
		struct memlimit_run *m;
		int64_t pages;
		pid_t pgrp;
		ssize_t n;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* the process has just ended */
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		if (n <= 0)
			continue;
		line[n] = '\0';
		if (memlimit_parse_stat(line, &pgrp, &pages) || pgrp <= 0)
			continue;
		m = find(ctx, pgrp);
		if (m)
			m->resident_bytes += pages * page_size;
	}
	if (proc)
		closedir(proc);
}

void memlimit_run_kill(struct memlimit_run *m)
{
	if (m->cgroup_dir.len)
		cgroup_kill_all(m->cgroup_dir.data);
}

void memlimit_run_release(struct memlimit_run *m)
{
	struct pending_removal *p;

	if (m->cgroup_dir.len) {
		cgroup_kill_all(m->cgroup_dir.data);
		if (cgroup_remove(m->cgroup_dir.data)) {
			p = xcalloc(1, sizeof(*p));
			p->dir = buf_detach(&m->cgroup_dir, NULL);
			p->next = pending;
			pending = p;
		}
	}
	buf_release(&m->cgroup_dir);
	memset(m, 0, sizeof(*m));
}

int memlimit_retry_removals(void)
{
	struct pending_removal **link = &pending, *p;
	int left = 0;

	while ((p = *link)) {
		cgroup_kill_all(p->dir);
		if (cgroup_remove(p->dir) == 0) {
			*link = p->next;
			free(p->dir);
			free(p);
			continue;
		}
		left++;
		link = &p->next;
	}
	return left;
}

int memlimit_removals_pending(void)
{
	return pending != NULL;
}
