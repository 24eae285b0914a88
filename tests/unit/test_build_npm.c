/*
 * Unit tests for the environment that src/runner/build_npm.c gives npm:
 * the variables npm needs pass, everything else (actord's token above
 * all) is dropped, and the order of `from` is kept. A version's custom
 * variables come last and replace inherited ones of the same name. Then
 * build_npm_install with a real npm in a temporary directory: no
 * package.json, a failing install script and a timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/build_npm.h"
#include "util/fs.h"

static size_t count_entries(char **env)
{
	size_t n = 0;

	while (env[n])
		n++;
	return n;
}

static void test_build_npm_env_keeps_needed(void **state)
{
	char *from[] = {
		"PATH=/usr/bin", "HOME=/home/actord", "LANG=C.UTF-8",
		"https_proxy=http://proxy.invalid:3128",
		"npm_config_registry=http://registry.invalid/",
		"NPM_CONFIG_CACHE=/tmp/npm-cache", NULL,
	};
	char **env = build_npm_environment(from, NULL);
	size_t i;

	(void)state;
	assert_int_equal(count_entries(env), 6);
	for (i = 0; i < 6; i++)
		assert_ptr_equal(env[i], from[i]);
	free(env);
}

static void test_build_npm_env_drops_token(void **state)
{
	char *from[] = {
		"ACTORD_TOKEN=secret", "PATH=/bin", "ACTORD_USERNAME=admin",
		"APIFY_TOKEN=secret", "PATHEXT=.exe", "PAT=x", "HOME",
		"npm_confi=x", NULL,
	};
	char **env = build_npm_environment(from, NULL);

	(void)state;
	assert_int_equal(count_entries(env), 1);
	assert_string_equal(env[0], "PATH=/bin");
	free(env);
}

static void test_build_npm_env_empty(void **state)
{
	char *from[] = { NULL };
	char **env = build_npm_environment(from, NULL);

	(void)state;
	assert_non_null(env);
	assert_null(env[0]);
	free(env);
}

static void test_build_npm_env_adds_extra(void **state)
{
	char *from[] = {
		"PATH=/usr/bin", "ACTORD_TOKEN=secret", "HOME=/home/actord",
		"TZ=UTC", NULL,
	};
	char *extra[] = { "MY_SETTING=1", "TZ=Europe/Prague", NULL };
	char **env = build_npm_environment(from, extra);

	(void)state;
	assert_int_equal(count_entries(env), 4);
	assert_ptr_equal(env[0], from[0]);
	assert_ptr_equal(env[1], from[2]);
	assert_ptr_equal(env[2], extra[0]);
	assert_ptr_equal(env[3], extra[1]);
	free(env);
}

/* A new temporary directory with package.json (when not NULL). */
static char *make_project(const char *package_json)
{
	char *dir = xstrdup("/tmp/actord-test-npm-XXXXXX");
	struct buf path = BUF_INIT;

	assert_non_null(mkdtemp(dir));
	if (package_json) {
		buf_printf(&path, "%s/package.json", dir);
		assert_int_equal(fs_write_file(path.data, package_json,
					       strlen(package_json), 0640), 0);
	}
	buf_release(&path);
	return dir;
}

static void remove_project(char *dir)
{
	char *argv[] = { "rm", "-rf", dir, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_true(pid > 0);
	waitpid(pid, NULL, 0);
	free(dir);
}

static void test_build_npm_install_no_package(void **state)
{
	char *dir = make_project(NULL);
	struct buf log = BUF_INIT, message = BUF_INIT;

	(void)state;
	assert_int_equal(build_npm_install(dir, 60, &log, &message, NULL, NULL), 1);
	assert_int_equal(log.len, 0);
	assert_int_equal(message.len, 0);
	remove_project(dir);
}

static void test_build_npm_install_script_fails(void **state)
{
	char *dir = make_project("{\"name\":\"t\",\"version\":\"1.0.0\","
				 "\"scripts\":{\"preinstall\":\"exit 7\"}}");
	struct buf log = BUF_INIT, message = BUF_INIT;

	(void)state;
	assert_int_equal(build_npm_install(dir, 120, &log, &message, NULL, NULL), -1);
	assert_non_null(strstr(message.data, "npm install failed with exit code"));
	assert_non_null(strstr(log.data, "Running \"npm install --omit=dev "));
	buf_release(&log);
	buf_release(&message);
	remove_project(dir);
}

static void test_build_npm_install_timeout(void **state)
{
	char *dir = make_project("{\"name\":\"t\",\"version\":\"1.0.0\","
				 "\"scripts\":{\"preinstall\":\"sleep 120\"}}");
	struct buf log = BUF_INIT, message = BUF_INIT;

	(void)state;
	assert_int_equal(build_npm_install(dir, 1, &log, &message, NULL, NULL), -1);
	assert_string_equal(message.data, "npm install timed out after 1"
			    " seconds.");
	buf_release(&log);
	buf_release(&message);
	remove_project(dir);
}

/* State of hooks that count output calls and cancel once npm has printed. */
struct cancel_state {
	int outputs;
	int checks;
};

static void count_output(void *ctx)
{
	((struct cancel_state *)ctx)->outputs++;
}

static int cancel_after_output(void *ctx)
{
	struct cancel_state *c = ctx;

	c->checks++;
	return c->outputs > 0;
}

static void test_build_npm_install_cancelled(void **state)
{
	char *dir = make_project("{\"name\":\"t\",\"version\":\"1.0.0\","
				 "\"scripts\":{\"preinstall\":"
				 "\"echo started; sleep 120\"}}");
	struct buf log = BUF_INIT, message = BUF_INIT;
	struct cancel_state c = { 0, 0 };
	struct build_npm_hooks hooks = { count_output, cancel_after_output, &c,
					 "ACTORD_TEST_MARKER=1" };

	(void)state;
	assert_int_equal(build_npm_install(dir, 120, &log, &message, &hooks, NULL), -2);
	assert_true(c.outputs > 0);
	assert_true(c.checks > 1);
	assert_string_equal(message.data, "npm install was stopped because the"
			    " build was aborted.");
	assert_non_null(strstr(log.data, "started"));
	buf_release(&log);
	buf_release(&message);
	remove_project(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_npm_env_keeps_needed),
		cmocka_unit_test(test_build_npm_env_drops_token),
		cmocka_unit_test(test_build_npm_env_empty),
		cmocka_unit_test(test_build_npm_env_adds_extra),
		cmocka_unit_test(test_build_npm_install_no_package),
		cmocka_unit_test(test_build_npm_install_script_fails),
		cmocka_unit_test(test_build_npm_install_timeout),
		cmocka_unit_test(test_build_npm_install_cancelled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
