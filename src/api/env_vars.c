/*
 * The envVars of actor versions; see env_vars.h. actord keeps secret
 * values as given, because it has no key store to encrypt them with, and
 * leaves them out of every response instead.
 * TODO: encrypt secret values at rest, and redact them from run logs as
 * the platform does (docs/KNOWN_LIMITATIONS.md).
 */
#include "api/env_vars.h"

#include <string.h>

#include "runner/env_vars.h"

/* Names are echoed in messages up to this many bytes. */
#define SHOWN_NAME_MAX 140

/* The variable of stored named like name, when it is a secret; else NULL. */
static const struct json *stored_secret(const struct json *stored,
					const struct json *name)
{
	const struct json *var;

	if (!stored || stored->type != JSON_ARRAY)
		return NULL;
	for (var = stored->child; var; var = var->next) {
		const struct json *n = json_get(var, "name");

		if (n && n->type == JSON_STRING && n->len == name->len &&
		    !memcmp(n->str, name->str, name->len))
			return json_get(var, "isSecret") &&
			       json_get(var, "isSecret")->type == JSON_TRUE ?
			       var : NULL;
	}
	return NULL;
}

/* 1 if a variable before var in its array has the name name. */
static int name_seen(const struct json *array, const struct json *var,
		     const struct json *name)
{
	const struct json *v;

	for (v = array->child; v && v != var; v = v->next) {
		const struct json *n = json_get(v, "name");

		if (n->len == name->len && !memcmp(n->str, name->str, name->len))
			return 1;
	}
	return 0;
}

static int check_name(struct req *r, const char *number, size_t index,
		      const struct json *array, const struct json *var,
		      const struct json *name)
{
	if (!name || name->type != JSON_STRING) {
		resp_error(r, 400, "invalid-input", "Version %s, environment"
			   " variable %zu: field 'name' is required, a string.",
			   number, index);
		return -1;
	}
	if (!env_var_name_valid(name->str, name->len)) {
		resp_error(r, 400, "invalid-input", "Version %s: environment"
			   " variable name '%.*s' is not valid. Use 1 to %d"
			   " letters, digits and underscores, not starting with"
			   " a digit.", number, SHOWN_NAME_MAX, name->str,
			   ENV_VAR_NAME_MAX);
		return -1;
	}
	if (env_var_name_reserved(name->str)) {
		resp_error(r, 400, "invalid-input", "Version %s: environment"
			   " variable name '%s' is reserved, because actord sets"
			   " the variables that start with ACTOR_ or APIFY_.",
			   number, name->str);
		return -1;
	}
	if (name_seen(array, var, name)) {
		resp_error(r, 400, "invalid-input", "Version %s has environment"
			   " variable '%s' twice; give each name once.", number,
			   name->str);
		return -1;
	}
	return 0;
}

/*
 * Check one variable and find its value: the given one, or the stored
 * secret's when a secret comes without one. Returns the value node, or
 * NULL with a 400 made.
 */
static const struct json *check_value(struct req *r, const char *number,
				      const struct json *var,
				      const struct json *stored, int secret)
{
	const struct json *name = json_get(var, "name");
	const struct json *value = json_get(var, "value");
	const struct json *stored_var;

	if (!value && secret && (stored_var = stored_secret(stored, name)))
		value = json_get(stored_var, "value");
	if (value && value->type != JSON_STRING) {
		resp_error(r, 400, "invalid-input", "Version %s, environment"
			   " variable '%s': field 'value' must be a string, got"
			   " %s.", number, name->str, json_type_name(value->type));
		return NULL;
	}
	if (!value) {
		resp_error(r, 400, "invalid-input", "Version %s, environment"
			   " variable '%s': field 'value' is required, a string%s.",
			   number, name->str, secret ? " (a secret keeps its"
			   " stored value only when it was a secret before)" : "");
		return NULL;
	}
	if (value->len > ENV_VAR_VALUE_MAX) {
		resp_error(r, 400, "invalid-input", "Version %s, environment"
			   " variable '%s': the value must be at most %d bytes,"
			   " got %zu.", number, name->str, ENV_VAR_VALUE_MAX,
			   value->len);
		return NULL;
	}
	if (memchr(value->str, '\0', value->len)) {
		resp_error(r, 400, "invalid-input", "Version %s, environment"
			   " variable '%s': the value must not contain U+0000.",
			   number, name->str);
		return NULL;
	}
	return value;
}

/* Check var and append it; adds its "NAME=value" size to *total. */
static int check_var(struct req *r, const char *number, size_t index,
		     const struct json *array, const struct json *var,
		     const struct json *stored, size_t *total, struct buf *out)
{
	const struct json *name = json_get(var, "name");
	const struct json *secret = json_get(var, "isSecret");
	const struct json *value;

	if (var->type != JSON_OBJECT) {
		resp_error(r, 400, "invalid-input", "Version %s, environment"
			   " variable %zu: expected an object {\"name\","
			   " \"value\", \"isSecret\"}.", number, index);
		return -1;
	}
	if (check_name(r, number, index, array, var, name))
		return -1;
	if (secret && secret->type != JSON_TRUE && secret->type != JSON_FALSE &&
	    secret->type != JSON_NULL) {
		resp_error(r, 400, "invalid-input", "Version %s, environment"
			   " variable '%s': field 'isSecret' must be true or"
			   " false.", number, name->str);
		return -1;
	}
	value = check_value(r, number, var, stored,
			    secret && secret->type == JSON_TRUE);
	if (!value)
		return -1;
	*total += name->len + 1 + value->len + 1;

	buf_puts(out, "{\"name\":");
	json_write(out, name);
	buf_puts(out, ",\"value\":");
	json_write(out, value);
	buf_printf(out, ",\"isSecret\":%s}", secret &&
		   secret->type == JSON_TRUE ? "true" : "false");
	return 0;
}

int api_env_vars_check(struct req *r, const char *number,
		       const struct json *given, const struct json *stored,
		       struct buf *out)
{
	const struct json *var;
	size_t index = 0, total = 0;

	if (given->type == JSON_NULL) {
		buf_puts(out, "[]");
		return 0;
	}
	if (given->type != JSON_ARRAY) {
		resp_error(r, 400, "invalid-input", "Version %s: field 'envVars'"
			   " must be an array of {\"name\", \"value\","
			   " \"isSecret\"} objects.", number);
		return -1;
	}
	if (given->count > ENV_VARS_COUNT_MAX) {
		resp_error(r, 400, "invalid-input", "Version %s has %zu"
			   " environment variables; at most %d are allowed.",
			   number, given->count, ENV_VARS_COUNT_MAX);
		return -1;
	}
	buf_putc(out, '[');
	for (var = given->child; var; var = var->next, index++) {
		if (index)
			buf_putc(out, ',');
		if (check_var(r, number, index, given, var, stored, &total, out))
			return -1;
	}
	buf_putc(out, ']');
	if (total > ENV_VARS_TOTAL_MAX) {
		resp_error(r, 400, "invalid-input", "Version %s: the environment"
			   " variables take %zu bytes as NAME=value strings; at"
			   " most %d are allowed.", number, total,
			   ENV_VARS_TOTAL_MAX);
		return -1;
	}
	return 0;
}

static void put_key(struct buf *out, const struct json *member, int *comma)
{
	if ((*comma)++)
		buf_putc(out, ',');
	buf_put_json_string(out, member->key, member->key_len);
	buf_putc(out, ':');
}

void api_env_var_write(struct buf *out, const struct json *var)
{
	const struct json *secret = json_get(var, "isSecret");
	const struct json *m;
	int comma = 0;

	if (var->type != JSON_OBJECT) {
		json_write(out, var);
		return;
	}
	buf_putc(out, '{');
	for (m = var->child; m; m = m->next) {
		if (secret && secret->type == JSON_TRUE &&
		    !strcmp(m->key, "value"))
			continue;
		put_key(out, m, &comma);
		json_write(out, m);
	}
	buf_putc(out, '}');
}

/* Append the array of objects with each element written by write_one. */
static void write_array(struct buf *out, const struct json *array,
			void (*write_one)(struct buf *, const struct json *))
{
	const struct json *e;

	if (array->type != JSON_ARRAY) {
		json_write(out, array);
		return;
	}
	buf_putc(out, '[');
	for (e = array->child; e; e = e->next) {
		if (e != array->child)
			buf_putc(out, ',');
		write_one(out, e);
	}
	buf_putc(out, ']');
}

/* Append obj with the member named key written by write_member. */
static void write_object(struct buf *out, const struct json *obj,
			 const char *key,
			 void (*write_member)(struct buf *, const struct json *))
{
	const struct json *m;
	int comma = 0;

	if (obj->type != JSON_OBJECT) {
		json_write(out, obj);
		return;
	}
	buf_putc(out, '{');
	for (m = obj->child; m; m = m->next) {
		put_key(out, m, &comma);
		if (!strcmp(m->key, key))
			write_member(out, m);
		else
			json_write(out, m);
	}
	buf_putc(out, '}');
}

static void write_env_vars(struct buf *out, const struct json *vars)
{
	write_array(out, vars, api_env_var_write);
}

void api_version_write(struct buf *out, const struct json *version)
{
	write_object(out, version, "envVars", write_env_vars);
}

static void write_versions(struct buf *out, const struct json *versions)
{
	write_array(out, versions, api_version_write);
}

void api_actor_write(struct buf *out, const struct json *actor)
{
	write_object(out, actor, "versions", write_versions);
}
