/*
 * The envVars of actor versions in the API: the one check that every
 * route saving a version applies, and the writers that show actors,
 * versions and variables without the values of secret variables.
 */
#ifndef ACTORD_API_ENV_VARS_H
#define ACTORD_API_ENV_VARS_H

#include "api/api.h"

/*
 * Check the envVars array given for a version (number names it in
 * messages) and append it to out as [{"name","value","isSecret"}, ...]:
 * each name valid and not reserved (runner/env_vars.h), no name twice,
 * value a string, isSecret a boolean (null or missing is false), and the
 * limits on count and size. A secret given without "value" keeps the
 * value of the secret of the same name in stored, the version's envVars
 * as they are stored (NULL for a new version). given may be null, which
 * writes []. Returns 0, or -1 with a 400 invalid-input made.
 */
int api_env_vars_check(struct req *r, const char *number,
		       const struct json *given, const struct json *stored,
		       struct buf *out);

/* Append the variable without its value when it is secret. */
void api_env_var_write(struct buf *out, const struct json *var);
/* Append the version with its envVars written by api_env_var_write(). */
void api_version_write(struct buf *out, const struct json *version);
/* Append the actor with its versions written by api_version_write(). */
void api_actor_write(struct buf *out, const struct json *actor);

#endif
