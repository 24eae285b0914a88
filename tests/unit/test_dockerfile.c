/*
 * Unit tests for runner/dockerfile.c: the command found in Dockerfiles with
 * exec and shell forms, continuations, several stages, ENTRYPOINT and CMD
 * combined, and the errors for malformed instructions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runner/dockerfile.h"

/* A NULL-terminated list of expected arguments. */
#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/*
 * The checks are macros around helpers that print what differs and return
 * 0, so a failure reports the line of the case, not of the helper.
 */
#define assert_command(text, expected) \
	assert_true(gives_command(text, expected))
#define assert_no_command(text) assert_true(gives_no_command(text))
#define assert_error(text, message) \
	assert_true(gives_error(text, message, 0))
#define assert_error_prefix(text, prefix) \
	assert_true(gives_error(text, prefix, 1))

static int gives_command(const char *text, const char *const *expected)
{
	struct buf err = BUF_INIT;
	char **argv = NULL;
	size_t i;
	int rc, ok = 1;

	rc = dockerfile_command(text, strlen(text), &argv, &err);
	if (rc || !argv) {
		print_error("returned %d, message '%s'\n", rc,
			    err.data ? err.data : "");
		ok = 0;
	}
	for (i = 0; ok && (expected[i] || argv[i]); i++) {
		if (!expected[i] || !argv[i] || strcmp(argv[i], expected[i])) {
			print_error("argument %zu is '%s', expected '%s'\n", i,
				    argv[i] ? argv[i] : "(end)",
				    expected[i] ? expected[i] : "(end)");
			ok = 0;
		}
	}
	argv_free(argv);
	buf_release(&err);
	return ok;
}

static int gives_no_command(const char *text)
{
	struct buf err = BUF_INIT;
	char **argv = (char **)&argv;	/* must be overwritten with NULL */
	int rc, ok;

	rc = dockerfile_command(text, strlen(text), &argv, &err);
	ok = rc == 1 && !argv && err.len == 0;
	if (!ok)
		print_error("returned %d, argv %s, message '%s'\n", rc,
			    argv ? "set" : "NULL", err.data ? err.data : "");
	if (rc == 0)
		argv_free(argv);
	buf_release(&err);
	return ok;
}

/* With prefix_only, the message must start with message and go on. */
static int gives_error(const char *text, const char *message, int prefix_only)
{
	struct buf err = BUF_INIT;
	char **argv = (char **)&argv;
	const char *got;
	int rc, ok;

	rc = dockerfile_command(text, strlen(text), &argv, &err);
	got = err.data ? err.data : "";
	if (prefix_only)
		ok = !strncmp(got, message, strlen(message)) &&
		     strlen(got) > strlen(message);
	else
		ok = !strcmp(got, message);
	ok = ok && rc == -1 && !argv;
	if (!ok)
		print_error("returned %d, message '%s', expected '%s'%s\n", rc,
			    got, message, prefix_only ? "..." : "");
	if (rc == 0)
		argv_free(argv);
	buf_release(&err);
	return ok;
}

static void test_dockerfile_exec_form(void **state)
{
	(void)state;
	assert_command("FROM python:3.11-slim\n"
		       "WORKDIR /usr/src/app\n"
		       "COPY . ./\n"
		       "CMD [\"python3\", \"-m\", \"src\"]\n",
		       ARGV("python3", "-m", "src"));
	assert_command("CMD [ \"node\" ,\"main.js\" ]   \n",
		       ARGV("node", "main.js"));
	assert_command("CMD [\"echo\", \"a \\\"b\\\"\", \"\\u00e9\", \"\"]",
		       ARGV("echo", "a \"b\"", "\xc3\xa9", ""));
}

static void test_dockerfile_shell_form(void **state)
{
	(void)state;
	assert_command("FROM python:3.11\nCMD python3 -m src\n",
		       ARGV("/bin/sh", "-c", "python3 -m src"));
	assert_command("FROM node:20\nCMD \t npm start  \t\n",
		       ARGV("/bin/sh", "-c", "npm start"));
	assert_command("FROM node:20\nCMD {\"not\": \"exec form\"}\n",
		       ARGV("/bin/sh", "-c", "{\"not\": \"exec form\"}"));
}

static void test_dockerfile_continuation(void **state)
{
	(void)state;
	assert_command("FROM node:20\n"
		       "CMD [\"node\", \\\n"
		       "     \"main.js\", \\\n"
		       "# a comment inside the instruction is dropped\n"
		       "\n"
		       "     \"--verbose\"]\n",
		       ARGV("node", "main.js", "--verbose"));

	/* Pieces are joined as they are, keeping the next line's indent. */
	assert_command("FROM node:20\n"
		       "CMD echo a && \\  \n"
		       "    echo b\n",
		       ARGV("/bin/sh", "-c", "echo a &&     echo b"));

	/* A continuation on the last line ends at the end of the text. */
	assert_command("CMD run \\", ARGV("/bin/sh", "-c", "run"));

	/* A backslash inside the line is no continuation. */
	assert_command("CMD [\"printf\", \"a\\\\nb\"]\n",
		       ARGV("printf", "a\\nb"));
}

static void test_dockerfile_line_endings(void **state)
{
	(void)state;
	assert_command("\xEF\xBB\xBF" "FROM node:20\r\n"
		       "CMD [\"node\", \\\r\n"
		       "  \"main.js\"]\r\n",
		       ARGV("node", "main.js"));
}

static void test_dockerfile_lower_case(void **state)
{
	(void)state;
	assert_command("from node:20\ncmd [\"node\", \"main.js\"]\n",
		       ARGV("node", "main.js"));
	assert_command("From node:20\nEntryPoint [\"tini\", \"--\"]\n"
		       "Cmd [\"node\"]\n",
		       ARGV("tini", "--", "node"));
}

static void test_dockerfile_last_wins(void **state)
{
	(void)state;
	assert_command("FROM node:20\nCMD [\"first\"]\nCMD [\"second\"]\n",
		       ARGV("second"));
	assert_command("FROM node:20\nENTRYPOINT [\"a\"]\n"
		       "ENTRYPOINT [\"b\"]\nCMD [\"c\"]\n",
		       ARGV("b", "c"));
}

static void test_dockerfile_multi_stage_reset(void **state)
{
	(void)state;
	assert_no_command("FROM node:20 AS build\n"
			  "ENTRYPOINT [\"tini\"]\n"
			  "CMD [\"npm\", \"run\", \"build\"]\n"
			  "FROM node:20-slim\n"
			  "COPY --from=build /app /app\n");
	assert_command("FROM node:20 AS build\n"
		       "CMD [\"npm\", \"run\", \"build\"]\n"
		       "FROM --platform=linux/amd64 node:20-slim AS run\n"
		       "CMD [\"node\", \"dist/main.js\"]\n",
		       ARGV("node", "dist/main.js"));
}

/* FROM naming an earlier stage starts from its settings, as in Docker. */
static void test_dockerfile_stage_inherits(void **state)
{
	(void)state;
	assert_command("FROM node:20 AS base\n"
		       "SHELL [\"/bin/bash\", \"-c\"]\n"
		       "CMD [\"node\", \"main.js\"]\n"
		       "FROM BASE\n"
		       "RUN npm ci\n",
		       ARGV("node", "main.js"));
	assert_command("FROM node:20 AS base\n"
		       "SHELL [\"/bin/bash\", \"-c\"]\n"
		       "FROM base\n"
		       "CMD npm start\n",
		       ARGV("/bin/bash", "-c", "npm start"));

	/* A new ENTRYPOINT drops the CMD inherited from the base. */
	assert_command("FROM node:20 AS base\n"
		       "CMD [\"node\", \"main.js\"]\n"
		       "FROM base\n"
		       "ENTRYPOINT [\"tini\", \"--\"]\n",
		       ARGV("tini", "--"));
}

static void test_dockerfile_entrypoint_cmd(void **state)
{
	(void)state;
	assert_command("FROM node:20\nENTRYPOINT [\"tini\", \"--\"]\n"
		       "CMD [\"node\", \"main.js\"]\n",
		       ARGV("tini", "--", "node", "main.js"));

	/* The order of ENTRYPOINT and CMD in a stage does not matter. */
	assert_command("FROM node:20\nCMD [\"--port\", \"8080\"]\n"
		       "ENTRYPOINT [\"node\", \"server.js\"]\n",
		       ARGV("node", "server.js", "--port", "8080"));

	assert_command("FROM node:20\nENTRYPOINT [\"tini\", \"--\"]\n"
		       "CMD npm start\n",
		       ARGV("tini", "--", "/bin/sh", "-c", "npm start"));
	assert_command("FROM node:20\nENTRYPOINT node main.js\n"
		       "CMD [\"--ignored\"]\n",
		       ARGV("/bin/sh", "-c", "node main.js"));
	assert_command("FROM node:20\nENTRYPOINT [\"node\", \"main.js\"]\n",
		       ARGV("node", "main.js"));
	assert_command("FROM node:20\nENTRYPOINT []\nCMD [\"node\"]\n",
		       ARGV("node"));
}

static void test_dockerfile_shell_instruction(void **state)
{
	(void)state;
	assert_command("FROM node:20\n"
		       "CMD npm start\n"
		       "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n",
		       ARGV("/bin/sh", "-c", "npm start"));
	assert_command("FROM node:20\n"
		       "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n"
		       "CMD npm start\n",
		       ARGV("/bin/bash", "-o", "pipefail", "-c", "npm start"));
}

static void test_dockerfile_escape_directive(void **state)
{
	(void)state;
	assert_command("# escape=`\n"
		       "FROM mcr.microsoft.com/windows/servercore\n"
		       "CMD dir C:\\ `\n"
		       "  /s\n",
		       ARGV("/bin/sh", "-c", "dir C:\\   /s"));
	assert_command("#  Escape = ` \n"
		       "CMD a \\\n",
		       ARGV("/bin/sh", "-c", "a \\"));

	/* Directives end at the first other line, even a comment. */
	assert_command("# a comment\n"
		       "# escape=`\n"
		       "CMD a \\\n"
		       "b\n",
		       ARGV("/bin/sh", "-c", "a b"));

	assert_error("# syntax=docker/dockerfile:1\n# escape=/\nCMD a\n",
		     "Dockerfile line 2: escape directive must be \\ or `, got '/'");
}

static void test_dockerfile_no_command(void **state)
{
	(void)state;
	assert_no_command("");
	assert_no_command("\n\n# only comments\n");
	assert_no_command("FROM node:20\nCOPY . ./\nRUN npm install\n");
	assert_no_command("FROM node:20\nCMD []\n");
	assert_no_command("FROM node:20\nENTRYPOINT []\nCMD []\n");

	/* ONBUILD instructions apply to images built from this one. */
	assert_no_command("FROM node:20\nONBUILD CMD [\"node\"]\n");
}

static void test_dockerfile_malformed(void **state)
{
	(void)state;
	assert_error("FROM node:20\n"
		     "\n"
		     "RUN npm install\n"
		     "# start\n"
		     "CMD [\"node\", 1]\n",
		     "Dockerfile line 5: CMD exec form is not a JSON array of strings");
	assert_error("FROM node:20\nENTRYPOINT [[\"a\"]]\n",
		     "Dockerfile line 2: ENTRYPOINT exec form is not a JSON array of strings");
	assert_error("FROM node:20\nCMD [\"a\\u0000b\"]\n",
		     "Dockerfile line 2: CMD exec form contains a NUL character");
	assert_error("FROM node:20\nCMD\n",
		     "Dockerfile line 2: CMD requires a command");
	assert_error("FROM node:20\nSHELL /bin/bash -c\n",
		     "Dockerfile line 2: SHELL must be a JSON array of strings");
	assert_error("FROM node:20\nSHELL []\n",
		     "Dockerfile line 2: SHELL requires at least one argument");
	assert_error("FROM\n", "Dockerfile line 1: FROM requires an image name");
	assert_error("FROM node:20 build\n",
		     "Dockerfile line 1: FROM expects 'image [AS name]', got 'node:20 build'");

	/* The line number is where the instruction starts. */
	assert_error_prefix("FROM node:20\n"
			    "CMD [\"node\", \\\n"
			    "     \"main.js\"\n",
			    "Dockerfile line 2: CMD exec form is not valid JSON: ");
	assert_error_prefix("FROM node:20\nCMD ['python3', 'main.py']\n",
			    "Dockerfile line 2: CMD exec form is not valid JSON: ");
	assert_error_prefix("FROM node:20\nCMD [\"a\"] x\n",
			    "Dockerfile line 2: CMD exec form is not valid JSON: ");
}

static void test_dockerfile_apify_node(void **state)
{
	(void)state;
	assert_command("# Base image with Node.js 20 and the Apify tooling.\n"
		       "FROM apify/actor-node:20\n"
		       "\n"
		       "# Dependencies first, so the layer cache survives source edits.\n"
		       "COPY --chown=myuser package*.json ./\n"
		       "\n"
		       "RUN npm --quiet set progress=false \\\n"
		       "    && npm install --omit=dev --omit=optional \\\n"
		       "    && echo \"Installed NPM packages:\" \\\n"
		       "    && (npm list --omit=dev --all || true) \\\n"
		       "    && node --version \\\n"
		       "    && npm --version\n"
		       "\n"
		       "COPY --chown=myuser . ./\n"
		       "\n"
		       "CMD npm start --silent\n",
		       ARGV("/bin/sh", "-c", "npm start --silent"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dockerfile_exec_form),
		cmocka_unit_test(test_dockerfile_shell_form),
		cmocka_unit_test(test_dockerfile_continuation),
		cmocka_unit_test(test_dockerfile_line_endings),
		cmocka_unit_test(test_dockerfile_lower_case),
		cmocka_unit_test(test_dockerfile_last_wins),
		cmocka_unit_test(test_dockerfile_multi_stage_reset),
		cmocka_unit_test(test_dockerfile_stage_inherits),
		cmocka_unit_test(test_dockerfile_entrypoint_cmd),
		cmocka_unit_test(test_dockerfile_shell_instruction),
		cmocka_unit_test(test_dockerfile_escape_directive),
		cmocka_unit_test(test_dockerfile_no_command),
		cmocka_unit_test(test_dockerfile_malformed),
		cmocka_unit_test(test_dockerfile_apify_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
