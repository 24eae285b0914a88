/*
 * The log of a run or a build: GET /v2/actor-runs/:id/log,
 * /v2/actor-builds/:id/log and /v2/logs/:id. The runner writes the file
 * (runner.c); this file sends it whole, or, with stream=1 while a run
 * is going, sends what is there and then each write as it happens, until
 * the run ends.
 */
#include "api/handlers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/response.h"
#include "runner/runner.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/timeutil.h"

#define LOG_CONTENT_TYPE "text/plain; charset=utf-8"

/*
 * How often a stream with nothing to send wakes up to check that its
 * client is still there, in ms. libmicrohttpd does not watch a
 * suspended connection, so a client that leaves a quiet run's stream is
 * only noticed then.
 */
#define CLIENT_CHECK_MS 5000

struct log_stream {
	struct run_waiter waiter;	/* registered while suspended */
	struct MHD_Connection *conn;
	char *path;			/* the log file; owned */
	int fd;				/* -1 until the file exists */
	int64_t sent;			/* bytes of the file sent */
	int ended;			/* the run has ended: send the rest */
};

static void stream_wake(struct run_waiter *w)
{
	struct log_stream *s = w->ctx;

	MHD_resume_connection(s->conn);
}

static void stream_suspend(void *arg)
{
	MHD_suspend_connection(arg);
}

/* 1 if the client has closed its side of conn. */
static int client_left(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p;

	if (!info)
		return 0;
	p.fd = info->connect_fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Read the bytes of the file past s->sent into out. Returns 0 when there
 * are none (also while the file does not exist), -1 on an error, logged. */
static ssize_t read_more(struct log_stream *s, char *out, size_t max)
{
	ssize_t n;

	if (s->fd < 0) {
		s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			if (errno == ENOENT)
				return 0;
			log_warn("api", "cannot open the log of run %s: %s",
				 s->waiter.run_id, strerror(errno));
			return -1;
		}
	}
	do
		n = pread(s->fd, out, max, (off_t)s->sent);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_warn("api", "cannot read the log of run %s: %s",
			 s->waiter.run_id, strerror(errno));
		return -1;
	}
	s->sent += n;
	return n;
}

/*
 * Read the next bytes of the log for MHD. When there are none and the
 * run is going, suspend the connection until the runner writes more,
 * the run ends, or CLIENT_CHECK_MS pass.
 */
static ssize_t read_log(void *cls, uint64_t pos, char *out, size_t max)
{
	struct log_stream *s = cls;

	(void)pos;
	for (;;) {
		ssize_t n = read_more(s, out, max);

		if (n)
			return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
		if (s->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (s->waiter.outcome == WAIT_EXPIRED && client_left(s->conn)) {
			log_debug("api", "client left the log stream of run %s",
				  s->waiter.run_id);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		s->waiter.deadline_ms = time_mono_ms() + CLIENT_CHECK_MS;
		switch (runner_watch_log(&s->waiter, s->path, s->sent,
					 stream_suspend, s->conn)) {
		case LOG_WATCH_SUSPENDED:
			return 0;
		case LOG_WATCH_ENDED:
			s->ended = 1;
			break;
		case LOG_WATCH_GROWN:
			break;
		}
	}
}

static void free_stream(void *cls)
{
	struct log_stream *s = cls;

	runner_unwatch_log(&s->waiter);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

static void respond_stream(struct req *r, const char *run_id)
{
	struct log_stream *s = xcalloc(1, sizeof(*s));

	snprintf(s->waiter.run_id, sizeof(s->waiter.run_id), "%s", run_id);
	s->waiter.wake = stream_wake;
	s->waiter.ctx = s;
	s->conn = r->conn;
	s->path = runner_log_path(run_id);
	s->fd = -1;
	resp_stream(r, 200, LOG_CONTENT_TYPE, read_log, s, free_stream);
	log_debug("api", "streaming the log of run %s", run_id);
}

/* Respond with the whole file as it is now. */
static void respond_whole(struct req *r, const char *id)
{
	struct buf text = BUF_INIT;
	char *path = runner_log_path(id);

	if (fs_read_file(path, &text))
		buf_grow(&text, 0);	/* not started yet: an empty log */
	free(path);
	resp_body(r, 200, LOG_CONTENT_TYPE, &text);
}

/*
 * Respond with a log. The boolean parameters: stream streams a run's log
 * while the run is going, and download adds Content-Disposition:
 * attachment. raw is accepted and changes nothing, because actord stores
 * the output as the actor wrote it.
 */
void api_get_log(struct req *r)
{
	int stream, download, raw, going = 0;
	struct build build;
	struct run run;
	char disposition[64 + ID_SIZE];

	if (api_query_bool(r, "stream", 0, &stream) ||
	    api_query_bool(r, "download", 0, &download) ||
	    api_query_bool(r, "raw", 0, &raw))
		return;
	if (store_run_get(r->store, r->params[0], &run) == 0) {
		going = !run_status_is_terminal(run.status);
		store_run_release(&run);
	} else if (store_build_get(r->store, r->params[0], &build) == 0) {
		going = !run_status_is_terminal(build.status);
		store_build_release(&build);
	} else {
		api_not_found(r, "Log of run or build", r->params[0]);
		return;
	}
	if (stream && going)
		respond_stream(r, r->params[0]);
	else
		respond_whole(r, r->params[0]);
	if (download) {
		snprintf(disposition, sizeof(disposition),
			 "attachment; filename=\"%s.log\"", r->params[0]);
		resp_header(r, "Content-Disposition", disposition);
	}
}
