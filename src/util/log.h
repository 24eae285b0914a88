/*
 * One line per event on stderr: UTC time, pid, level, component, message.
 * Messages carry the ids involved and never a token or a request body.
 */
#ifndef ACTORD_UTIL_LOG_H
#define ACTORD_UTIL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Parse "debug", "info", "warn" or "error"; -1 for anything else. */
int log_parse_level(const char *name);
void log_msg(enum log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(comp, ...) log_msg(LOG_DEBUG, comp, __VA_ARGS__)
#define log_info(comp, ...) log_msg(LOG_INFO, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_msg(LOG_WARN, comp, __VA_ARGS__)
#define log_error(comp, ...) log_msg(LOG_ERROR, comp, __VA_ARGS__)

#endif
