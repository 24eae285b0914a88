/*
 * Unit tests for src/runner/env_vars.c, the rules for the names of a
 * version's custom environment variables and the "NAME=value" strings
 * made from a build's snapshot, and for spawn_environment(), which puts
 * them between actord's inherited variables and the run's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/dockerfile.h"
#include "runner/env_vars.h"
#include "runner/spawn.h"

static size_t count_entries(char **entries)
{
	size_t n = 0;

	while (entries[n])
		n++;
	return n;
}

static int valid(const char *name)
{
	return env_var_name_valid(name, strlen(name));
}

static void test_env_var_name_rules(void **state)
{
	char longest[ENV_VAR_NAME_MAX + 2];

	(void)state;
	assert_true(valid("A"));
	assert_true(valid("_"));
	assert_true(valid("my_var_2"));
	assert_true(valid("MYSQL_PASSWORD"));
	assert_false(valid(""));
	assert_false(valid("2FAST"));
	assert_false(valid("WITH-DASH"));
	assert_false(valid("WITH SPACE"));
	assert_false(valid("A=B"));
	assert_false(valid("\xc3\x84"));
	assert_false(env_var_name_valid("A\0B", 3));

	memset(longest, 'N', sizeof(longest));
	longest[ENV_VAR_NAME_MAX] = '\0';
	assert_true(valid(longest));
	longest[ENV_VAR_NAME_MAX] = 'N';
	longest[ENV_VAR_NAME_MAX + 1] = '\0';
	assert_false(valid(longest));
}

static void test_env_var_name_reserved(void **state)
{
	(void)state;
	assert_true(env_var_name_reserved("APIFY_TOKEN"));
	assert_true(env_var_name_reserved("ACTOR_RUN_ID"));
	assert_true(env_var_name_reserved("apify_token"));
	assert_true(env_var_name_reserved("Actor_X"));
	assert_false(env_var_name_reserved("APIFY"));
	assert_false(env_var_name_reserved("ACTORD_TOKEN"));
	assert_false(env_var_name_reserved("MY_APIFY_TOKEN"));
	assert_false(env_var_name_reserved("CRAWLEE_LOG_LEVEL"));
}

static void test_env_vars_entries_keep_order(void **state)
{
	static const char json[] =
		"[{\"name\":\"B\",\"value\":\"two\",\"isSecret\":true},"
		"{\"name\":\"A\",\"value\":\"x=y \\u00e9\",\"isSecret\":false},"
		"{\"name\":\"EMPTY\",\"value\":\"\"}]";
	char **entries = env_vars_entries(json, strlen(json));

	(void)state;
	assert_int_equal(count_entries(entries), 3);
	assert_string_equal(entries[0], "B=two");
	assert_string_equal(entries[1], "A=x=y \xc3\xa9");
	assert_string_equal(entries[2], "EMPTY=");
	argv_free(entries);
}

/* Old data: entries the API would reject are left out, a repeated name
 * keeps its first value. */
static void test_env_vars_entries_skip_bad(void **state)
{
	static const char json[] =
		"[{\"name\":\"APIFY_TOKEN\",\"value\":\"forged\"},"
		"{\"name\":\"GOOD\",\"value\":\"first\"},"
		"{\"name\":\"GOOD\",\"value\":\"second\"},"
		"{\"name\":\"1BAD\",\"value\":\"x\"},"
		"{\"name\":\"NUMBER\",\"value\":5},"
		"{\"name\":\"NUL\",\"value\":\"a\\u0000b\"},"
		"{\"name\":\"MISSING\"},"
		"\"NOT_AN_OBJECT=1\","
		"{\"value\":\"no name\"}]";
	char **entries = env_vars_entries(json, strlen(json));

	(void)state;
	assert_int_equal(count_entries(entries), 1);
	assert_string_equal(entries[0], "GOOD=first");
	argv_free(entries);
}

static void test_env_vars_entries_empty(void **state)
{
	static const char *const texts[] = { "[]", "{}", "not json", "null" };
	char **entries;
	size_t i;

	(void)state;
	entries = env_vars_entries(NULL, 0);
	assert_non_null(entries);
	assert_null(entries[0]);
	argv_free(entries);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		entries = env_vars_entries(texts[i], strlen(texts[i]));
		assert_non_null(entries);
		assert_null(entries[0]);
		argv_free(entries);
	}
}

static void test_env_vars_has_name(void **state)
{
	char *entries[] = { "PATH=/bin", "HOME=/root", "EMPTY=", NULL };

	(void)state;
	assert_true(env_vars_has_name(entries, "PATH=/usr/bin"));
	assert_true(env_vars_has_name(entries, "HOME"));
	assert_true(env_vars_has_name(entries, "EMPTY=x"));
	assert_false(env_vars_has_name(entries, "PAT=x"));
	assert_false(env_vars_has_name(entries, "PATHS=x"));
	assert_false(env_vars_has_name(NULL, "PATH=x"));
}

/* The index of the first entry named name, or -1; counts them in *n. */
static int find_entry(char **env, const char *name, size_t *n)
{
	size_t len = strlen(name), i;
	int at = -1;

	*n = 0;
	for (i = 0; env[i]; i++) {
		if (strncmp(env[i], name, len) || env[i][len] != '=')
			continue;
		if (at < 0)
			at = (int)i;
		(*n)++;
	}
	return at;
}

static void test_spawn_environment_custom(void **state)
{
	static const char vars[] =
		"[{\"name\":\"HOME\",\"value\":\"/custom\"},"
		"{\"name\":\"MY_SETTING\",\"value\":\"on\"},"
		"{\"name\":\"APIFY_TOKEN\",\"value\":\"forged\"}]";
	struct run run;
	struct spawn_info info;
	char **env;
	size_t n;
	int at;

	(void)state;
	setenv("HOME", "/inherited", 1);
	memset(&run, 0, sizeof(run));
	memset(&info, 0, sizeof(info));
	info.run = &run;
	info.token = "real-token";
	info.api_base_url = "http://127.0.0.1:1";
	info.actor_full_name = "admin/test";
	info.env_vars = vars;
	env = spawn_environment(&info);

	at = find_entry(env, "HOME", &n);
	assert_int_equal(n, 1);
	assert_string_equal(env[at], "HOME=/custom");
	at = find_entry(env, "MY_SETTING", &n);
	assert_int_equal(n, 1);
	assert_string_equal(env[at], "MY_SETTING=on");
	at = find_entry(env, "APIFY_TOKEN", &n);
	assert_int_equal(n, 1);
	assert_string_equal(env[at], "APIFY_TOKEN=real-token");
	argv_free(env);

	info.env_vars = NULL;
	env = spawn_environment(&info);
	at = find_entry(env, "HOME", &n);
	assert_int_equal(n, 1);
	assert_string_equal(env[at], "HOME=/inherited");
	argv_free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_var_name_rules),
		cmocka_unit_test(test_env_var_name_reserved),
		cmocka_unit_test(test_env_vars_entries_keep_order),
		cmocka_unit_test(test_env_vars_entries_skip_bad),
		cmocka_unit_test(test_env_vars_entries_empty),
		cmocka_unit_test(test_env_vars_has_name),
		cmocka_unit_test(test_spawn_environment_custom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
