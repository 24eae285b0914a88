/*
 * Load client of the sync benchmark (bench/sync/bench.py runs it). Two
 * modes, each printing one JSON object on stdout:
 *
 *   sync_client overhead URL TOKEN COUNT WARMUP DIR PROGRAM [ARG...]
 *     COUNT rounds, each one POST URL (run-sync-get-dataset-items of a
 *     trivial actor) over one keep-alive libcurl connection, then one
 *     bare start of PROGRAM in DIR as actord's runner starts an actor:
 *     posix_spawn into its own process group with stdout and stderr on a
 *     pipe, the pipe read to its end, the process reaped. The first WARMUP
 *     rounds are not recorded. Times are wall-clock microseconds.
 *
 *   sync_client wait HOST PORT PATH TOKEN COUNT MARKER DEADLINE_SECS
 *     COUNT concurrent POST PATH requests over raw sockets and epoll, one
 *     connection each (Connection: close), at most CONNECT_BATCH of them
 *     connecting at a time. Prints the line "sent N" on stderr when every
 *     request is written, then reads each response to its end and counts
 *     statuses and bodies that contain MARKER.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* actord adds about 34 variables (APIFY_*, ACTOR_*) of 1 to 120
 * characters to the environment it passes on; the bare start adds as many
 * of a similar size, so both copy about the same environment. */
#define EXTRA_ENV_VARS 34
#define EXTRA_ENV_VALUE "0123456789abcdefghijklmnopq"

/* Connections that may be connecting or writing at once in wait mode:
 * below the listen backlog (somaxconn is 4096 on Debian 12). */
#define CONNECT_BATCH 256

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "sync_client: out of memory\n");
		exit(2);
	}
	return p;
}

/* ---- overhead mode ---- */

/* The start of a response body, NUL-terminated; the rest is dropped. */
struct body {
	char data[256];
	size_t len;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;
	size_t room = sizeof(b->data) - 1 - b->len;
	size_t take = len < room ? len : room;

	memcpy(b->data + b->len, data, take);
	b->len += take;
	b->data[b->len] = 0;
	return len;
}

/* The environment of the bare start: this process's, plus the extra. */
static char **bare_environment(void)
{
	size_t n = 0, i;
	char **env;

	while (environ[n])
		n++;
	env = xmalloc((n + EXTRA_ENV_VARS + 1) * sizeof(*env));
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	for (i = 0; i < EXTRA_ENV_VARS; i++) {
		env[n + i] = xmalloc(64);
		snprintf(env[n + i], 64, "BENCH_VAR_%02zu=%s", i,
			 EXTRA_ENV_VALUE);
	}
	env[n + EXTRA_ENV_VARS] = NULL;
	return env;
}

/* One start of argv in dir as actord's runner does it (src/runner/spawn.c),
 * read to the end of its output and reaped. Returns its exit status, or
 * -1 when it could not start. */
static int bare_start(char **argv, char **envp, const char *dir)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int pipefd[2], status = -1, rc;
	char chunk[4096];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
	posix_spawn_file_actions_addchdir_np(&actions, dir);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGCHLD);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	if (rc == 0) {
		while (read(pipefd[0], chunk, sizeof(chunk)) > 0)
			;
		if (waitpid(pid, &status, 0) != pid)
			status = -1;
	}
	close(pipefd[0]);
	return status;
}

static void print_array(const char *name, const int64_t *v, int n)
{
	int i;

	printf("\"%s\":[", name);
	for (i = 0; i < n; i++)
		printf("%s%lld", i ? "," : "", (long long)v[i]);
	printf("]");
}

static int run_overhead(int argc, char **argv)
{
	const char *url = argv[2], *token = argv[3], *dir = argv[6];
	int count = atoi(argv[4]), warmup = atoi(argv[5]);
	char **program = argv + 7, **envp = bare_environment();
	int64_t *sync_us, *bare_us, client_cpu_us = 0;
	struct curl_slist *headers = NULL;
	char auth[512];
	int i, failures = 0;
	CURL *curl;

	if (argc < 8 || count < 1 || warmup < 0) {
		fprintf(stderr, "sync_client overhead: bad arguments\n");
		return 2;
	}
	sync_us = xmalloc(sizeof(*sync_us) * (size_t)count);
	bare_us = xmalloc(sizeof(*bare_us) * (size_t)count);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	headers = curl_slist_append(headers, auth);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);

	for (i = 0; i < warmup + count; i++) {
		struct body b = { .len = 0 };
		int64_t t0, c0;
		long status = 0;
		int exit_status;

		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
		c0 = thread_cpu_us();
		t0 = now_us();
		if (curl_easy_perform(curl) == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (i >= warmup) {
			sync_us[i - warmup] = now_us() - t0;
			client_cpu_us += thread_cpu_us() - c0;
		}
		if (status != 201 || strcmp(b.data, "[]")) {
			fprintf(stderr, "sync_client: request %d: status %ld,"
				" body '%s'\n", i, status, b.data);
			failures++;
		}

		t0 = now_us();
		exit_status = bare_start(program, envp, dir);
		if (i >= warmup)
			bare_us[i - warmup] = now_us() - t0;
		if (exit_status != 0) {
			fprintf(stderr, "sync_client: bare start %d of %s:"
				" status %d\n", i, program[0], exit_status);
			failures++;
		}
	}

	printf("{\"count\":%d,\"failures\":%d,\"client_cpu_us\":%lld,",
	       count, failures, (long long)client_cpu_us);
	print_array("sync_us", sync_us, count);
	printf(",");
	print_array("bare_us", bare_us, count);
	printf("}\n");
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	curl_global_cleanup();
	return failures ? 1 : 0;
}

/* ---- wait mode ---- */

enum conn_state { CONN_IDLE, CONN_CONNECTING, CONN_WRITING, CONN_READING,
		  CONN_DONE };

struct conn {
	int fd;
	enum conn_state state;
	size_t sent;
	char *resp;		/* response so far, NUL-terminated */
	size_t len, cap;
	int64_t done_us;	/* since the start */
};

struct wait_run {
	struct sockaddr_in addr;
	const char *request;
	size_t request_len;
	struct conn *conns;
	int count, next, in_flight, sent, done;
	int epoll_fd;
	int64_t start_us;
};

static void conn_finish(struct wait_run *w, struct conn *c)
{
	if (c->state == CONN_CONNECTING || c->state == CONN_WRITING)
		w->in_flight--;
	close(c->fd);
	c->fd = -1;
	c->state = CONN_DONE;
	c->done_us = now_us() - w->start_us;
	w->done++;
}

/* Open connections until CONNECT_BATCH are connecting or writing. */
static void open_more(struct wait_run *w)
{
	while (w->next < w->count && w->in_flight < CONNECT_BATCH) {
		struct conn *c = &w->conns[w->next];
		struct epoll_event ev;

		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
			       SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			fprintf(stderr, "sync_client: socket %d: %s\n",
				w->next, strerror(errno));
			c->state = CONN_DONE;
			w->done++;
			w->next++;
			continue;
		}
		if (connect(c->fd, (struct sockaddr *)&w->addr,
			    sizeof(w->addr)) && errno != EINPROGRESS) {
			fprintf(stderr, "sync_client: connect %d: %s\n",
				w->next, strerror(errno));
			close(c->fd);
			c->fd = -1;
			c->state = CONN_DONE;
			w->done++;
			w->next++;
			continue;
		}
		c->state = CONN_CONNECTING;
		ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev);
		w->in_flight++;
		w->next++;
	}
}

static void conn_write(struct wait_run *w, struct conn *c)
{
	struct epoll_event ev;

	while (c->sent < w->request_len) {
		ssize_t n = send(c->fd, w->request + c->sent,
				 w->request_len - c->sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			fprintf(stderr, "sync_client: send: %s\n",
				strerror(errno));
			conn_finish(w, c);
			return;
		}
		c->sent += (size_t)n;
	}
	c->state = CONN_READING;
	w->in_flight--;
	w->sent++;
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = c;
	epoll_ctl(w->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_read(struct wait_run *w, struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->cap - c->len < 4096) {
			c->cap = c->cap ? c->cap * 2 : 8192;
			c->resp = realloc(c->resp, c->cap);
			if (!c->resp) {
				fprintf(stderr, "sync_client: out of memory\n");
				exit(2);
			}
		}
		n = recv(c->fd, c->resp + c->len, c->cap - c->len - 1, 0);
		if (n > 0) {
			c->len += (size_t)n;
			c->resp[c->len] = 0;
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			fprintf(stderr, "sync_client: recv: %s\n",
				strerror(errno));
		conn_finish(w, c);
		return;
	}
}

static void on_event(struct wait_run *w, struct conn *c, uint32_t events)
{
	if (c->state == CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			fprintf(stderr, "sync_client: connect: %s\n",
				strerror(err));
			conn_finish(w, c);
			return;
		}
		c->state = CONN_WRITING;
	}
	if (c->state == CONN_WRITING && (events & EPOLLOUT))
		conn_write(w, c);
	if (c->state == CONN_READING &&
	    (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		conn_read(w, c);
	else if (c->state == CONN_WRITING && (events & (EPOLLHUP | EPOLLERR)))
		conn_finish(w, c);
}

/* Count the statuses and the bodies with marker, and print the result. */
static void report_wait(const struct wait_run *w, const char *marker)
{
	int by_status[600] = { 0 }, none = 0, with_marker = 0, i;
	int64_t first = -1, last = -1;
	const char *sep = "";

	for (i = 0; i < w->count; i++) {
		const struct conn *c = &w->conns[i];
		int status = 0;

		if (c->resp && sscanf(c->resp, "HTTP/1.%*d %d", &status) == 1 &&
		    status >= 100 && status < 600)
			by_status[status]++;
		else
			none++;
		if (c->resp && strstr(c->resp, marker))
			with_marker++;
		if (c->state == CONN_DONE && c->resp) {
			if (first < 0 || c->done_us < first)
				first = c->done_us;
			if (c->done_us > last)
				last = c->done_us;
		}
	}
	printf("{\"count\":%d,\"sent\":%d,\"answered\":%d,\"no_status\":%d,"
	       "\"with_marker\":%d,\"first_answer_ms\":%lld,"
	       "\"last_answer_ms\":%lld,\"statuses\":{", w->count, w->sent,
	       w->count - none, none, with_marker, (long long)(first / 1000),
	       (long long)(last / 1000));
	for (i = 100; i < 600; i++) {
		if (!by_status[i])
			continue;
		printf("%s\"%d\":%d", sep, i, by_status[i]);
		sep = ",";
	}
	printf("}}\n");
}

static int run_wait(int argc, char **argv)
{
	struct wait_run w;
	struct epoll_event events[256];
	char request[1024];
	int64_t deadline_us;
	int i, n, announced = 0;

	if (argc != 9) {
		fprintf(stderr, "sync_client wait: bad arguments\n");
		return 2;
	}
	memset(&w, 0, sizeof(w));
	w.addr.sin_family = AF_INET;
	w.addr.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &w.addr.sin_addr) != 1) {
		fprintf(stderr, "sync_client: bad IPv4 address %s\n", argv[2]);
		return 2;
	}
	n = snprintf(request, sizeof(request), "POST %s HTTP/1.1\r\n"
		     "Host: %s:%s\r\nAuthorization: Bearer %s\r\n"
		     "Content-Length: 0\r\nConnection: close\r\n\r\n",
		     argv[4], argv[2], argv[3], argv[5]);
	if (n < 0 || (size_t)n >= sizeof(request)) {
		fprintf(stderr, "sync_client: request too long\n");
		return 2;
	}
	w.request = request;
	w.request_len = (size_t)n;
	w.count = atoi(argv[6]);
	if (w.count < 1) {
		fprintf(stderr, "sync_client: COUNT must be at least 1\n");
		return 2;
	}
	w.conns = calloc((size_t)w.count, sizeof(*w.conns));
	w.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (!w.conns || w.epoll_fd < 0) {
		fprintf(stderr, "sync_client: cannot set up: %s\n",
			strerror(errno));
		return 2;
	}
	for (i = 0; i < w.count; i++)
		w.conns[i].fd = -1;
	w.start_us = now_us();
	deadline_us = w.start_us + (int64_t)atoi(argv[8]) * 1000000;

	open_more(&w);
	while (w.done < w.count && now_us() < deadline_us) {
		n = epoll_wait(w.epoll_fd, events, 256, 1000);
		for (i = 0; i < n; i++)
			on_event(&w, events[i].data.ptr, events[i].events);
		open_more(&w);
		/* Every request written, or its connection failed. */
		if (!announced && w.next == w.count && !w.in_flight) {
			fprintf(stderr, "sent %d\n", w.sent);
			announced = 1;
		}
	}
	if (w.done < w.count)
		fprintf(stderr, "sync_client: %d of %d requests unanswered at"
			" the deadline\n", w.count - w.done, w.count);
	report_wait(&w, argv[7]);
	return w.done == w.count ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "overhead"))
		return run_overhead(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "wait"))
		return run_wait(argc, argv);
	fprintf(stderr, "usage: sync_client overhead URL TOKEN COUNT WARMUP"
		" DIR PROGRAM [ARG...]\n"
		"       sync_client wait HOST PORT PATH TOKEN COUNT MARKER"
		" DEADLINE_SECS\n");
	return 2;
}
