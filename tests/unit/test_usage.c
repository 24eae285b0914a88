/*
 * Unit tests for runner/usage.c and cgroup_memory_peak() of
 * runner/cgroup.c: the CPU time of a struct rusage, the average CPU use
 * in percent of one core, and a cgroup's peak memory read from the files
 * of each version, in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cgroup.h"
#include "runner/usage.h"

static void test_usage_cpu_usecs(void **state)
{
	struct rusage ru;

	(void)state;
	memset(&ru, 0, sizeof(ru));
	ru.ru_utime.tv_sec = 2;
	ru.ru_utime.tv_usec = 500000;
	ru.ru_stime.tv_sec = 1;
	ru.ru_stime.tv_usec = 250;
	assert_int_equal(usage_cpu_usecs(&ru), 3500250);
}

static void test_usage_cpu_percent(void **state)
{
	(void)state;
	/* One busy core for the whole run is 100. */
	assert_true(usage_cpu_percent(2000000, 2000) == 100.0);
	/* Two busy cores are 200, as on the platform. */
	assert_true(usage_cpu_percent(4000000, 2000) == 200.0);
	assert_true(usage_cpu_percent(500000, 2000) == 25.0);
	assert_true(usage_cpu_percent(0, 2000) == 0.0);
	/* A run that has not taken a millisecond yet. */
	assert_true(usage_cpu_percent(1000, 0) == 0.0);
	assert_true(usage_cpu_percent(1000, -5) == 0.0);
}

/* Write text to dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void test_cgroup_memory_peak(void **state)
{
	char dir[] = "/tmp/actord-test-peak-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(cgroup_memory_peak(CGROUP_V2, dir), -1);
	assert_int_equal(cgroup_memory_peak(CGROUP_V1, dir), -1);

	write_file(dir, "memory.peak", "123456789\n");
	write_file(dir, "memory.max_usage_in_bytes", "987654321\n");
	assert_int_equal(cgroup_memory_peak(CGROUP_V2, dir), 123456789);
	assert_int_equal(cgroup_memory_peak(CGROUP_V1, dir), 987654321);

	remove_file(dir, "memory.peak");
	remove_file(dir, "memory.max_usage_in_bytes");
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_cpu_usecs),
		cmocka_unit_test(test_usage_cpu_percent),
		cmocka_unit_test(test_cgroup_memory_peak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
