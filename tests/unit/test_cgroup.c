/*
 * Unit tests for runner/cgroup.c and runner/memlimit.c: finding actord's
 * own cgroup and the hierarchy's mount in the text of /proc/self/cgroup and
 * /proc/self/mountinfo (version 1 and version 2 machines), the cgroup's
 * directory, a /proc/PID/stat line, and the --memory-enforcement values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runner/cgroup.h"
#include "runner/memlimit.h"

/* A machine with version 1 hierarchies and an empty cgroup2 mount. */
static const char V1_CGROUP[] =
	"9:name=systemd:/\n"
	"8:pids:/\n"
	"4:memory:/process_api/8031\n"
	"3:cpuset,cpu:/\n"
	"0::/\n";

static const char V1_MOUNTINFO[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup"
	" rw,relatime,memory\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A systemd machine with only version 2, and a mount point with a space. */
static const char V2_CGROUP[] = "0::/system.slice/actord.service\n";

static const char V2_MOUNTINFO[] =
	"22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/root rw\n"
	"30 22 0:26 / /sys/fs/my\\040cgroup rw,nosuid shared:4 - cgroup2"
	" cgroup2 rw,nsdelegate\n";

static void test_cgroup_own_v1(void **state)
{
	char own[64];

	(void)state;
	assert_int_equal(cgroup_parse_own(V1_CGROUP, CGROUP_V1, own,
					  sizeof(own)), 0);
	assert_string_equal(own, "/process_api/8031");
	assert_int_equal(cgroup_parse_own(V1_CGROUP, CGROUP_V2, own,
					  sizeof(own)), 0);
	assert_string_equal(own, "/");
}

static void test_cgroup_own_v2(void **state)
{
	char own[64];

	(void)state;
	assert_int_equal(cgroup_parse_own(V2_CGROUP, CGROUP_V2, own,
					  sizeof(own)), 0);
	assert_string_equal(own, "/system.slice/actord.service");
	assert_int_equal(cgroup_parse_own(V2_CGROUP, CGROUP_V1, own,
					  sizeof(own)), -1);
}

static void test_cgroup_own_controller_word(void **state)
{
	char own[64];

	(void)state;
	/* "memory_x" is not "memory", and the last line has no newline. */
	assert_int_equal(cgroup_parse_own("5:memory_x:/a\n6:cpu,memory:/b",
					  CGROUP_V1, own, sizeof(own)), 0);
	assert_string_equal(own, "/b");
	assert_int_equal(cgroup_parse_own("4:memory:/a-long-path", CGROUP_V1,
					  own, 8), -1);
}

static void test_cgroup_mount_v1(void **state)
{
	char point[64], root[64];

	(void)state;
	assert_int_equal(cgroup_parse_mount(V1_MOUNTINFO, CGROUP_V1, point,
					    sizeof(point), root, sizeof(root)),
			 0);
	assert_string_equal(point, "/sys/fs/cgroup/memory");
	assert_string_equal(root, "/");
	assert_int_equal(cgroup_parse_mount(V1_MOUNTINFO, CGROUP_V2, point,
					    sizeof(point), root, sizeof(root)),
			 0);
	assert_string_equal(point, "/sys/fs/cgroup/unified");
}

static void test_cgroup_mount_v2(void **state)
{
	char point[64], root[64];

	(void)state;
	/* The optional field "shared:4" comes before the separator. */
	assert_int_equal(cgroup_parse_mount(V2_MOUNTINFO, CGROUP_V2, point,
					    sizeof(point), root, sizeof(root)),
			 0);
	assert_string_equal(point, "/sys/fs/my cgroup");
	assert_int_equal(cgroup_parse_mount(V2_MOUNTINFO, CGROUP_V1, point,
					    sizeof(point), root, sizeof(root)),
			 -1);
}

static void test_cgroup_dir_of(void **state)
{
	struct buf dir = BUF_INIT;

	(void)state;
	assert_int_equal(cgroup_dir_of("/sys/fs/cgroup/memory", "/",
				       "/process_api/8031", &dir), 0);
	assert_string_equal(dir.data, "/sys/fs/cgroup/memory/process_api/8031");
	buf_reset(&dir);
	assert_int_equal(cgroup_dir_of("/sys/fs/cgroup", "/", "/", &dir), 0);
	assert_string_equal(dir.data, "/sys/fs/cgroup");
	buf_reset(&dir);
	/* A container that mounts only its own subtree. */
	assert_int_equal(cgroup_dir_of("/sys/fs/cgroup", "/docker/abc",
				       "/docker/abc/actord", &dir), 0);
	assert_string_equal(dir.data, "/sys/fs/cgroup/actord");
	buf_reset(&dir);
	assert_int_equal(cgroup_dir_of("/sys/fs/cgroup", "/docker/abc",
				       "/docker/abcd", &dir), -1);
	assert_int_equal(cgroup_dir_of("/sys/fs/cgroup", "/docker/abc",
				       "/other", &dir), -1);
	buf_release(&dir);
}

static void test_memlimit_parse_stat(void **state)
{
	/* The command name may hold spaces and parentheses. */
	static const char line[] =
		"4242 (python3 (x) y) S 1 4240 4240 0 -1 4194560 2774 0 0 0"
		" 5 2 0 0 20 0 1 0 123456 44064768 25600 18446744073709551615"
		" 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0\n";
	int64_t rss = 0;
	pid_t pgrp = 0;

	(void)state;
	assert_int_equal(memlimit_parse_stat(line, &pgrp, &rss), 0);
	assert_int_equal(pgrp, 4240);
	assert_int_equal(rss, 25600);
	assert_int_equal(memlimit_parse_stat("12 (cut) S 1 2", &pgrp, &rss),
			 -1);
	assert_int_equal(memlimit_parse_stat("no name", &pgrp, &rss), -1);
}

static void test_memlimit_parse_request(void **state)
{
	(void)state;
	assert_int_equal(memlimit_parse_request("auto"), MEMLIMIT_AUTO);
	assert_int_equal(memlimit_parse_request("cgroup"), MEMLIMIT_CGROUP);
	assert_int_equal(memlimit_parse_request("rlimit"), MEMLIMIT_RLIMIT);
	assert_int_equal(memlimit_parse_request("none"), MEMLIMIT_NONE);
	assert_int_equal(memlimit_parse_request("Auto"), -1);
	assert_int_equal(memlimit_parse_request(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_own_v1),
		cmocka_unit_test(test_cgroup_own_v2),
		cmocka_unit_test(test_cgroup_own_controller_word),
		cmocka_unit_test(test_cgroup_mount_v1),
		cmocka_unit_test(test_cgroup_mount_v2),
		cmocka_unit_test(test_cgroup_dir_of),
		cmocka_unit_test(test_memlimit_parse_stat),
		cmocka_unit_test(test_memlimit_parse_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
