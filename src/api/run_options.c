/*
 * Checks of stored run options: a task's `options` and an actor's
 * `defaultRunOptions`. A run can start with any value that passes here,
 * so a bad default is rejected when it is saved, not at every run.
 */
#include <math.h>
#include <string.h>

#include "api/handlers.h"
#include "http/response.h"
#include "util/buf.h"
#include "util/json.h"

/* Memory in MB: a power of 2 from 128 to 32768, as on the platform. */
int api_valid_memory(double mb)
{
	long long n = (long long)mb;

	return mb == (double)n && n >= 128 && n <= 32768 && !(n & (n - 1));
}

/* Make a 400 naming field.key, the value sent (as JSON) and what is allowed. */
static int bad_option(struct req *r, const char *field, const char *key,
		      const struct json *v, const char *allowed)
{
	struct buf shown = BUF_INIT;

	json_write(&shown, v);
	if (shown.len > 64) {
		shown.len = 61;
		buf_puts(&shown, "...");
	}
	resp_error(r, 400, "invalid-input", "Field '%s.%s' must be %s, got %s.",
		   field, key, allowed, shown.data);
	buf_release(&shown);
	return -1;
}

static int is_number(const struct json *v)
{
	return v->type == JSON_NUMBER && isfinite(json_number_value(v));
}

int api_check_run_options(struct req *r, const struct json *options,
			  const char *field)
{
	const struct json *v;

	if (!options || options->type == JSON_NULL)
		return 0;
	if (options->type != JSON_OBJECT) {
		resp_error(r, 400, "invalid-input", "Field '%s' must be an"
			   " object, got %s.", field,
			   json_type_name(options->type));
		return -1;
	}
	for (v = options->child; v; v = v->next) {
		const char *key = v->key;

		if (v->type == JSON_NULL)
			continue;
		if (!strcmp(key, "build") && v->type != JSON_STRING)
			return bad_option(r, field, key, v,
					  "a build tag or number (a string)");
		if (!strcmp(key, "timeoutSecs") &&
		    (!is_number(v) || json_number_value(v) < 0))
			return bad_option(r, field, key, v, "a non-negative"
					  " number of seconds (0 means none)");
		if (!strcmp(key, "memoryMbytes") &&
		    (!is_number(v) || !api_valid_memory(json_number_value(v))))
			return bad_option(r, field, key, v, "a power of 2 from"
					  " 128 to 32768 (megabytes)");
		if (!strcmp(key, "restartOnError") && v->type != JSON_TRUE &&
		    v->type != JSON_FALSE)
			return bad_option(r, field, key, v, "true or false");
		if (!strcmp(key, "maxItems") &&
		    (!is_number(v) || !json_number_is_integer(v) ||
		     json_number_value(v) <= 0))
			return bad_option(r, field, key, v,
					  "a whole number greater than zero");
		if (!strcmp(key, "maxTotalChargeUsd") &&
		    (!is_number(v) || json_number_value(v) <= 0))
			return bad_option(r, field, key, v,
					  "a number greater than zero");
	}
	return 0;
}
