/*
 * Custom environment variables of actor versions; see env_vars.h.
 */
#include "runner/env_vars.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runner/dockerfile.h"
#include "util/buf.h"
#include "util/json.h"

int env_var_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > ENV_VAR_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
			continue;
		if (c >= '0' && c <= '9' && i > 0)
			continue;
		return 0;
	}
	return 1;
}

int env_var_name_reserved(const char *name)
{
	return !strncasecmp(name, "ACTOR_", 6) ||
	       !strncasecmp(name, "APIFY_", 6);
}

/* Length of the name part of "NAME=value" (all of entry without '='). */
static size_t name_length(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

int env_vars_has_name(char *const *entries, const char *entry)
{
	size_t len = name_length(entry);
	size_t i;

	for (i = 0; entries && entries[i]; i++)
		if (name_length(entries[i]) == len &&
		    !memcmp(entries[i], entry, len))
			return 1;
	return 0;
}

/* The "NAME=value" string of one envVars entry, or NULL when the entry
 * breaks the rules of env_vars.h. */
static char *entry_string(const struct json *var)
{
	const struct json *name = json_get(var, "name");
	const struct json *value = json_get(var, "value");
	struct buf out = BUF_INIT;

	if (var->type != JSON_OBJECT || !name || name->type != JSON_STRING ||
	    !env_var_name_valid(name->str, name->len) ||
	    env_var_name_reserved(name->str) || !value ||
	    value->type != JSON_STRING || memchr(value->str, '\0', value->len))
		return NULL;
	buf_append(&out, name->str, name->len);
	buf_putc(&out, '=');
	buf_append(&out, value->str, value->len);
	return buf_detach(&out, NULL);
}

char **env_vars_entries(const char *json, size_t len)
{
	struct json_error err;
	struct json_doc *doc = json ? json_parse(json, len, &err) : NULL;
	const struct json *root = doc ? json_root(doc) : NULL;
	const struct json *var;
	char **entries;
	size_t n = 0;

	entries = xcalloc(root && root->type == JSON_ARRAY ? root->count + 1 : 1,
			  sizeof(*entries));
	for (var = root && root->type == JSON_ARRAY ? root->child : NULL; var;
	     var = var->next) {
		char *entry = entry_string(var);

		if (!entry)
			continue;
		if (env_vars_has_name(entries, entry)) {
			free(entry);
			continue;
		}
		entries[n++] = entry;
	}
	json_doc_free(doc);
	return entries;
}
