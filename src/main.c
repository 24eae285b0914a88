/*
 * The actord command line: "serve" runs the API server, "push" uploads
 * and builds an actor directory, "user add" creates a user. serve wires
 * the store, the runner and the HTTP server together and waits for
 * SIGTERM or SIGINT.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"
#include "http/server.h"
#include "runner/builder.h"
#include "runner/runner.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/id.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "webhooks/dispatcher.h"
#include "webhooks/events.h"
#include "webhooks/spec.h"

#define TOKEN_LEN 40

static const char usage[] =
"Usage: actord COMMAND [OPTIONS]\n"
"\n"
"A self-hosted Actor platform that speaks the Apify API v2.\n"
"\n"
"Commands:\n"
"  serve             run the API server\n"
"  push DIR          upload the actor in DIR and build it; reads the server\n"
"                    from ACTORD_URL and the token from ACTORD_TOKEN\n"
"  user add NAME     create a user and print its API token\n"
"\n"
"Options of serve:\n"
"  --listen HOST:PORT       IPv4 address and port to listen on\n"
"                           (default 127.0.0.1:8080)\n"
"  --data-dir DIR           where the store, builds and logs live\n"
"                           (default ./actord-data; created if missing)\n"
"  --public-url URL         base URL actors use to reach the API\n"
"                           (default http://HOST:PORT)\n"
"  --sync-wait-secs N       seconds a run-sync request waits for its run\n"
"                           before answering 408 (default 300)\n"
"  --threads N              HTTP worker threads (default 4)\n"
"  --max-connections N      open connections at most, waiting ones\n"
"                           included; each HTTP thread takes an equal\n"
"                           share (default 16384)\n"
"  --idle-timeout-secs N    close a connection idle this long; waiting\n"
"                           requests do not count as idle (default 120)\n"
"  --kill-grace-secs N      seconds between SIGTERM and SIGKILL when a run\n"
"                           times out or actord stops (default 10)\n"
"  --max-concurrent-runs N  runs going at once; more wait as READY and\n"
"                           start in order (default 0, no limit)\n"
"  --max-concurrent-builds N  builds going at once; more wait as READY\n"
"                           and start in order (default 2)\n"
"  --memory-total-mbytes N  megabytes of memory all runs going may have\n"
"                           together, by their memory option; a run that\n"
"                           would pass it waits as READY (default: the\n"
"                           machine's memory)\n"
"  --memory-enforcement M   how a run's memory option is enforced: auto (a\n"
"                           memory cgroup per run where actord can create\n"
"                           one, else rlimit), cgroup (exit at start\n"
"                           without one), rlimit (RLIMIT_AS and a\n"
"                           resident-memory watchdog) or none\n"
"                           (default auto)\n"
"  --rlimit-as-headroom-mbytes N\n"
"                           with rlimit, megabytes of address space a run\n"
"                           may reserve beyond its memory option; 0 for\n"
"                           no RLIMIT_AS, only the watchdog (default\n"
"                           16384: Node.js reserves about 10 GB for each\n"
"                           WebAssembly memory)\n"
"  --rate-limit N           requests a second one user may make to one\n"
"                           resource, such as a dataset; 0 for no limit\n"
"                           (default 60)\n"
"  --rate-limit-records N   the same for key-value store records\n"
"                           (default 200)\n"
"  --rate-limit-runs N      the same for starting runs of one task or\n"
"                           actor and for pushing items (default 400)\n"
"  --webhook-retry-secs N   seconds before the first retry of a webhook\n"
"                           request that failed; each next retry waits\n"
"                           twice as long (default 60)\n"
"  --webhook-max-retries N  retries of a webhook request after the first\n"
"                           one (default 11)\n"
"  --webhook-timeout-secs N seconds a webhook request may take, connecting\n"
"                           included (default 120)\n"
"  --log-level LEVEL        debug, info, warn or error (default info)\n"
"\n"
"Options of user add:\n"
"  --data-dir DIR           as for serve\n"
"\n"
"Environment of serve:\n"
"  ACTORD_USERNAME  name of the user created in an empty data dir\n"
"                   (default admin)\n"
"  ACTORD_TOKEN     that user's API token; when unset, one is generated\n"
"                   and written to DIR/token (mode 0600). Read only when\n"
"                   the data dir is new.\n";

struct serve_options {
	char host[64];
	unsigned port;
	const char *data_dir;
	const char *public_url;
	unsigned sync_wait_secs;
	unsigned threads;
	unsigned max_connections;
	unsigned idle_timeout_secs;
	unsigned kill_grace_secs;
	struct rate_limits limits;
	unsigned max_runs;
	unsigned memory_total_mbytes;	/* 0 until set: the machine's */
	enum memlimit_request memory_enforcement;
	unsigned address_space_headroom_mbytes;
	struct webhook_dispatcher_config webhooks;
	unsigned max_builds;
};

static int parse_uint(const char *opt, const char *v, unsigned min,
		      unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max || *v == '-') {
		fprintf(stderr, "actord: %s must be an integer from %u to %u,"
			" got '%s'\n", opt, min, max, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int parse_listen(const char *v, struct serve_options *o)
{
	const char *colon = strrchr(v, ':');
	size_t n;

	if (!colon || colon == v || (n = (size_t)(colon - v)) >= sizeof(o->host)) {
		fprintf(stderr, "actord: --listen must be HOST:PORT, such as"
			" 127.0.0.1:8080, got '%s'\n", v);
		return -1;
	}
	memcpy(o->host, v, n);
	o->host[n] = '\0';
	return parse_uint("the port of --listen", colon + 1, 1, 65535, &o->port);
}

static int parse_serve_args(int argc, char **argv, struct serve_options *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "sync-wait-secs", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "idle-timeout-secs", required_argument, NULL, 'i' },
		{ "kill-grace-secs", required_argument, NULL, 'k' },
		{ "max-concurrent-runs", required_argument, NULL, 'm' },
		{ "max-concurrent-builds", required_argument, NULL, 'B' },
		{ "memory-total-mbytes", required_argument, NULL, 'M' },
		{ "memory-enforcement", required_argument, NULL, 'e' },
		{ "rlimit-as-headroom-mbytes", required_argument, NULL, 'H' },
		{ "rate-limit", required_argument, NULL, 'r' },
		{ "rate-limit-records", required_argument, NULL, 'R' },
		{ "rate-limit-runs", required_argument, NULL, 'N' },
		{ "webhook-retry-secs", required_argument, NULL, 'W' },
		{ "webhook-max-retries", required_argument, NULL, 'X' },
		{ "webhook-timeout-secs", required_argument, NULL, 'T' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	while (rc == 0 && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': rc = parse_listen(optarg, o); break;
		case 'd': o->data_dir = optarg; break;
		case 'u': o->public_url = optarg; break;
		case 's': rc = parse_uint("--sync-wait-secs", optarg, 1, 86400,
					  &o->sync_wait_secs); break;
		case 't': rc = parse_uint("--threads", optarg, 1, 256,
					  &o->threads); break;
		case 'c': rc = parse_uint("--max-connections", optarg, 16,
					  1000000, &o->max_connections); break;
		case 'i': rc = parse_uint("--idle-timeout-secs", optarg, 1,
					  86400, &o->idle_timeout_secs); break;
		case 'k': rc = parse_uint("--kill-grace-secs", optarg, 0, 3600,
					  &o->kill_grace_secs); break;
		case 'm': rc = parse_uint("--max-concurrent-runs", optarg, 0,
					  100000, &o->max_runs); break;
		case 'B': rc = parse_uint("--max-concurrent-builds", optarg, 1,
					  BUILDER_MAX_THREADS, &o->max_builds);
			break;
		case 'M': rc = parse_uint("--memory-total-mbytes", optarg, 128,
					  UINT_MAX, &o->memory_total_mbytes);
			break;
		case 'e':
			if (memlimit_parse_request(optarg) < 0) {
				fprintf(stderr, "actord: --memory-enforcement must"
					" be auto, cgroup, rlimit or none, got"
					" '%s'\n", optarg);
				rc = -1;
			} else {
				o->memory_enforcement = (enum memlimit_request)
					memlimit_parse_request(optarg);
			}
			break;
		case 'H': rc = parse_uint("--rlimit-as-headroom-mbytes", optarg,
					  0, 1048576,
					  &o->address_space_headroom_mbytes);
			break;
		case 'r': rc = parse_uint("--rate-limit", optarg, 0, 1000000,
					  &o->limits.standard); break;
		case 'R': rc = parse_uint("--rate-limit-records", optarg, 0,
					  1000000, &o->limits.records); break;
		case 'N': rc = parse_uint("--rate-limit-runs", optarg, 0,
					  1000000, &o->limits.runs); break;
		case 'W': rc = parse_uint("--webhook-retry-secs", optarg, 1,
					  86400, &o->webhooks.retry_secs); break;
		case 'X': rc = parse_uint("--webhook-max-retries", optarg, 0,
					  100, &o->webhooks.max_retries); break;
		case 'T': rc = parse_uint("--webhook-timeout-secs", optarg, 1,
					  3600, &o->webhooks.timeout_secs); break;
		case 'v':
			if (log_parse_level(optarg) < 0) {
				fprintf(stderr, "actord: --log-level must be debug,"
					" info, warn or error, got '%s'\n", optarg);
				rc = -1;
			} else {
				log_set_level((enum log_level)log_parse_level(optarg));
			}
			break;
		case 'h': fputs(usage, stdout); exit(0);
		default: rc = -1;
		}
	}
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "actord: unexpected argument '%s'\n", argv[optind]);
		rc = -1;
	}
	return rc;
}

/* Allow as many open files as the hard limit: every waiting request and
 * every running actor uses descriptors. */
static void raise_file_limit(unsigned max_connections)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("main", "cannot raise the open-file limit: %s",
			 strerror(errno));
	if (rl.rlim_cur < (rlim_t)max_connections + 64)
		log_warn("main", "the open-file limit %llu is below"
			 " --max-connections %u; connections past it fail",
			 (unsigned long long)rl.rlim_cur, max_connections);
}

/* Usernames as the API addresses them in "username~name": 1 to 63 of
 * [A-Za-z0-9._-]. */
static int valid_username(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 63 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") == n;
}

/* On a new data dir, create the first user. */
static int ensure_user(struct store *st, const char *data_dir)
{
	const char *name = getenv("ACTORD_USERNAME");
	const char *env_token = getenv("ACTORD_TOKEN");
	char token[128];
	char path[4096];
	struct user u;
	int64_t count;

	if (store_user_count(st, &count))
		return -1;
	if (count)
		return 0;
	if (!name || !*name)
		name = "admin";
	if (!valid_username(name)) {
		log_error("main", "ACTORD_USERNAME '%s' is not valid: use 1 to 63"
			  " letters, digits, '.', '_' or '-'", name);
		return -1;
	}
	if (env_token && *env_token) {
		if (strlen(env_token) >= sizeof(token)) {
			log_error("main", "ACTORD_TOKEN is too long: at most %zu"
				  " characters", sizeof(token) - 1);
			return -1;
		}
		snprintf(token, sizeof(token), "%s", env_token);
	} else {
		id_random(token, TOKEN_LEN);
		snprintf(path, sizeof(path), "%s/token", data_dir);
		if (fs_write_file(path, token, strlen(token), 0600) ||
		    chmod(path, 0600)) {
			log_error("main", "cannot write %s: %s", path,
				  strerror(errno));
			return -1;
		}
		log_info("main", "generated the API token of user %s; it is in"
			 " %s", name, path);
	}
	if (store_user_create(st, name, token, &u))
		return -1;
	log_info("main", "created user %s (%s)", u.username, u.id);
	return 0;
}

static int open_data_dir(const char *data_dir)
{
	if (fs_mkdir_p(data_dir)) {
		log_error("main", "cannot create the data dir %s: %s", data_dir,
			  strerror(errno));
		return -1;
	}
	return store_open_global(data_dir);
}

/*
 * Take DATA_DIR/lock for the life of the process. A second server on the
 * same data dir would take the first one's live runs for leftovers of a
 * crash and mark them FAILED. The descriptor stays open on purpose: the
 * kernel releases the lock when the process ends, however it ends.
 */
static int lock_data_dir(const char *data_dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", data_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("main", "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		log_error("main", "the data dir %s is in use by another actord"
			  " serve (%s is locked); stop it or use another"
			  " --data-dir", data_dir, path);
		close(fd);
		return -1;
	}
	return 0;
}

/* Block the signals the runner and main() take synchronously, before any
 * thread starts, so every thread inherits the mask. */
static void block_signals(sigset_t *waited)
{
	sigset_t all;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(waited);
	sigaddset(waited, SIGTERM);
	sigaddset(waited, SIGINT);
	all = *waited;
	sigaddset(&all, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* The machine's physical memory in megabytes; 0 if unknown (no limit). */
static int64_t machine_memory_mbytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long page_size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page_size <= 0)
		return 0;
	return (int64_t)pages * page_size / (1024 * 1024);
}

static int serve(int argc, char **argv)
{
	struct serve_options o = {
		"127.0.0.1", 8080, "actord-data", NULL, 300, 4, 16384, 120, 10,
		{ 60, 200, 400 }, 0, 0, MEMLIMIT_AUTO,
		RLIMIT_AS_HEADROOM_MBYTES,
		{ WEBHOOK_RETRY_SECS, WEBHOOK_MAX_RETRIES, WEBHOOK_TIMEOUT_SECS },
		BUILDER_DEFAULT_THREADS,
	};
	struct server_config sc;
	struct runner_config rc;
	char base_url[256];
	sigset_t waited;
	int sig;

	if (parse_serve_args(argc, argv, &o))
		return 2;
	block_signals(&waited);
	raise_file_limit(o.max_connections);
	if (fs_mkdir_p(o.data_dir) == 0 && lock_data_dir(o.data_dir))
		return 1;
	if (open_data_dir(o.data_dir) || ensure_user(store_thread(), o.data_dir))
		return 1;
	runner_kill_orphans(store_thread());
	if (o.public_url)
		snprintf(base_url, sizeof(base_url), "%s", o.public_url);
	else
		snprintf(base_url, sizeof(base_url), "http://%s:%u",
			 strcmp(o.host, "0.0.0.0") ? o.host : "127.0.0.1", o.port);
	api_sync_wait_secs = o.sync_wait_secs;

	rc.data_dir = o.data_dir;
	rc.api_base_url = base_url;
	rc.kill_grace_secs = o.kill_grace_secs;
	rc.max_runs = o.max_runs;
	rc.memory_total_mbytes = o.memory_total_mbytes ?
				 (int64_t)o.memory_total_mbytes :
				 machine_memory_mbytes();
	rc.memory_enforcement = o.memory_enforcement;
	rc.address_space_headroom_mbytes = o.address_space_headroom_mbytes;
	sc.host = o.host;
	sc.port = o.port;
	sc.public_url = base_url;
	sc.threads = o.threads;
	sc.max_connections = o.max_connections;
	sc.idle_timeout_secs = o.idle_timeout_secs;
	sc.limits = o.limits;
	if (webhook_dispatcher_start(&o.webhooks))
		return 1;
	if (runner_init(&rc)) {
		webhook_dispatcher_stop();
		return 1;
	}
	if (runner_recover(store_thread()) || build_recover(store_thread()) ||
	    builder_init(o.max_builds)) {
		runner_shutdown();
		webhook_dispatcher_stop();
		return 1;
	}
	if (server_start(&sc, api_routes, api_route_count)) {
		builder_shutdown();
		runner_shutdown();
		webhook_dispatcher_stop();
		return 1;
	}
	log_info("main", "actord is ready; data dir %s", o.data_dir);
	while (sigwait(&waited, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
		;
	log_info("main", "stopping on signal %d", sig);
	server_quiesce();
	/* Before the runner, which wakes the requests waiting for builds. */
	builder_shutdown();
	runner_shutdown();
	/* After the runner: the runs it aborts fire their webhooks, which
	 * stay ACTIVE in the store for the next start. */
	webhook_dispatcher_stop();
	/* Let the resumed requests send their responses before closing. */
	usleep(300000);
	server_stop();
	store_close_global();
	log_info("main", "stopped");
	return 0;
}

static int user_add(int argc, char **argv)
{
	const char *data_dir = "actord-data";
	char token[TOKEN_LEN + 1];
	struct user u;
	int i, rc;

	if (argc < 3 || strcmp(argv[1], "add")) {
		fprintf(stderr, "Usage: actord user add NAME [--data-dir DIR]\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--data-dir") && i + 1 < argc)
			data_dir = argv[++i];
		else if (!strncmp(argv[i], "--data-dir=", 11))
			data_dir = argv[i] + 11;
		else {
			fprintf(stderr, "actord: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!valid_username(argv[2])) {
		fprintf(stderr, "actord: username '%s' is not valid: use 1 to 63"
			" letters, digits, '.', '_' or '-'\n", argv[2]);
		return 2;
	}
	if (open_data_dir(data_dir))
		return 1;
	id_random(token, TOKEN_LEN);
	rc = store_user_create(store_thread(), argv[2], token, &u);
	if (rc == STORE_CONFLICT)
		fprintf(stderr, "actord: a user named '%s' already exists\n",
			argv[2]);
	else if (rc == 0)
		printf("%s\n", token);
	store_close_global();
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "serve"))
		return serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "push"))
		return cli_push(argc - 1, argv + 1);
	if (!strcmp(argv[1], "user"))
		return user_add(argc - 1, argv + 1);
	fprintf(stderr, "actord: unknown command '%s'; see actord --help\n",
		argv[1]);
	return 2;
}
