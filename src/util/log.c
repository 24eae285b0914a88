/*
 * Logging to stderr; see log.h. A line is formatted into one buffer and
 * written with one write(2), so lines from different threads never mix.
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	min_level = level;
}

int log_parse_level(const char *name)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
{
	static const char *const names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	char line[2048];
	char when[32];
	va_list ap;
	int n, m;

	if (level < min_level)
		return;
	time_format_iso(time_now_ms(), when);
	n = snprintf(line, sizeof(line), "%s %d %s %s: ", when, (int)getpid(),
		     names[level], component);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
