/*
 * The custom environment variables of an actor version, its "envVars"
 * array of {"name", "value", "isSecret"}: the rules for names and sizes,
 * which the API checks when a version is saved, and the "NAME=value"
 * strings that a build's npm step and the build's runs get.
 */
#ifndef ACTORD_RUNNER_ENV_VARS_H
#define ACTORD_RUNNER_ENV_VARS_H

#include <stddef.h>

/* Maximum length of a name, in bytes. */
#define ENV_VAR_NAME_MAX 128
/* Maximum length of a value, in bytes. */
#define ENV_VAR_VALUE_MAX 65536
/* Maximum number of variables in one version. */
#define ENV_VARS_COUNT_MAX 1000
/*
 * Maximum size of all "NAME=value" strings of one version, in bytes. With
 * actord's own variables they stay well below the 2 MiB that Linux allows
 * for the arguments and environment of a process with an 8 MiB stack.
 */
#define ENV_VARS_TOTAL_MAX 262144

/*
 * 1 if the len bytes of name are a valid name: 1 to ENV_VAR_NAME_MAX
 * ASCII letters, digits and underscores, not starting with a digit.
 */
int env_var_name_valid(const char *name, size_t len);

/*
 * 1 if name starts with ACTOR_ or APIFY_, in any case. actord sets those
 * variables itself, and the Python SDK reads its settings without regard
 * to case.
 */
int env_var_name_reserved(const char *name);

/*
 * Turn the JSON text of an envVars array into a NULL-terminated array of
 * "NAME=value" strings, in the array's order. Entries that break the
 * rules above are left out: an invalid or reserved name, a value that is
 * not a string or contains U+0000, a name seen before. The API rejects
 * such entries, so only versions stored before it checked them have
 * them. NULL, empty or invalid text gives an empty array. The caller
 * frees the result with argv_free().
 */
char **env_vars_entries(const char *json, size_t len);

/* 1 if entry ("NAME=value", or "NAME" alone) has the name of one of the
 * NULL-terminated "NAME=value" strings of entries. */
int env_vars_has_name(char *const *entries, const char *entry);

#endif
