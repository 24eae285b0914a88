/*
 * The environment variables of an actor version one at a time:
 * /v2/acts/:id/versions/:versionNumber/env-vars[/:envVarName]. They live
 * in the version's "envVars" array. Each change rewrites the version
 * through actor_versions.c, so it is checked as a PUT of the whole actor
 * is (env_vars.h). Responses never carry the value of a secret.
 */
#include "api/handlers.h"

#include <string.h>

#include "api/env_vars.h"

static const char *const env_var_fields[] = {
	"name", "value", "isSecret", NULL,
};
static const char *const version_skip[] = { "envVars", NULL };

/* The variable named name in the array vars (may be NULL), or NULL. */
static const struct json *find_var(const struct json *vars, const char *name)
{
	const struct json *v;

	if (!vars || vars->type != JSON_ARRAY)
		return NULL;
	for (v = vars->child; v; v = v->next)
		if (json_is_string(json_get(v, "name"), name))
			return v;
	return NULL;
}

/*
 * Load the actor and the version of the path: 0 with *version set, or -1
 * with the response made (and nothing left to free).
 */
static int load_version(struct req *r, struct store_doc *d,
			struct json_doc **actor, const struct json **version)
{
	if (api_load_actor(r, d, actor))
		return -1;
	*version = api_find_version(json_root(*actor), r->params[1]);
	if (*version)
		return 0;
	api_not_found(r, "Actor version", r->params[1]);
	json_doc_free(*actor);
	store_doc_release(d);
	return -1;
}

/* Respond with the variable named name of version number in the stored
 * document doc, as clients see it. */
static void respond_var(struct req *r, const struct buf *doc,
			const char *number, const char *name, unsigned status)
{
	struct json_error err;
	struct json_doc *parsed = json_parse(doc->data, doc->len, &err);
	const struct json *version = parsed ?
		api_find_version(json_root(parsed), number) : NULL;
	const struct json *var = version ?
		find_var(json_get(version, "envVars"), name) : NULL;
	struct buf out = BUF_INIT;

	if (var) {
		api_env_var_write(&out, var);
		resp_data(r, status, out.data, out.len);
	} else {
		resp_internal(r);
	}
	buf_release(&out);
	json_doc_free(parsed);
}

/*
 * Store the version with its envVars replaced: the variable old gives
 * way to the object text with (with NULL: old removed; old NULL: with
 * appended). On success responds with the variable named name and status,
 * or with 204 when with is NULL.
 */
static void save_vars(struct req *r, const struct store_doc *d,
		      const struct json *actor, const struct json *version,
		      const struct json *old, const struct buf *with,
		      const char *name, unsigned status)
{
	const struct json *vars = json_get(version, "envVars");
	const struct json *v;
	struct buf member = BUF_INIT, changed = BUF_INIT, stored = BUF_INIT;
	int comma = 0;

	buf_puts(&member, "\"envVars\":[");
	for (v = vars && vars->type == JSON_ARRAY ? vars->child : NULL; v;
	     v = v->next) {
		if (v == old && !with)
			continue;
		if (comma++)
			buf_putc(&member, ',');
		if (v == old)
			buf_append(&member, with->data, with->len);
		else
			json_write(&member, v);
	}
	if (!old && with) {
		if (comma)
			buf_putc(&member, ',');
		buf_append(&member, with->data, with->len);
	}
	buf_putc(&member, ']');

	api_merge_object(&changed, version, NULL, NULL, version_skip,
			 member.data);
	if (api_actor_replace_version(r, d, actor, version, &changed, &stored))
		goto out;
	if (with)
		respond_var(r, &stored, r->params[1], name, status);
	else
		resp_empty(r, 204);
out:
	buf_release(&member);
	buf_release(&changed);
	buf_release(&stored);
}

void api_list_actor_env_vars(struct req *r)
{
	struct json_doc *actor;
	const struct json *version, *vars, *v;
	struct buf out = BUF_INIT;
	struct store_doc d;

	if (load_version(r, &d, &actor, &version))
		return;
	vars = json_get(version, "envVars");
	if (vars && vars->type != JSON_ARRAY)
		vars = NULL;
	buf_printf(&out, "{\"total\":%zu,\"items\":[", vars ? vars->count : 0);
	for (v = vars ? vars->child : NULL; v; v = v->next) {
		if (v != vars->child)
			buf_putc(&out, ',');
		api_env_var_write(&out, v);
	}
	buf_puts(&out, "]}");
	resp_data(r, 200, out.data, out.len);
	buf_release(&out);
	json_doc_free(actor);
	store_doc_release(&d);
}

void api_get_actor_env_var(struct req *r)
{
	struct json_doc *actor;
	const struct json *version, *var;
	struct buf out = BUF_INIT;
	struct store_doc d;

	if (load_version(r, &d, &actor, &version))
		return;
	var = find_var(json_get(version, "envVars"), r->params[2]);
	if (var) {
		api_env_var_write(&out, var);
		resp_data(r, 200, out.data, out.len);
	} else {
		api_not_found(r, "Environment variable", r->params[2]);
	}
	buf_release(&out);
	json_doc_free(actor);
	store_doc_release(&d);
}

void api_create_actor_env_var(struct req *r)
{
	struct json_doc *actor, *body = NULL;
	const struct json *version, *name;
	struct buf var = BUF_INIT;
	struct store_doc d;

	if (load_version(r, &d, &actor, &version))
		return;
	if (api_body_object(r, 0, &body))
		goto out;
	name = json_get(json_root(body), "name");
	if (!name || name->type != JSON_STRING) {
		resp_error(r, 400, "invalid-input", "Field 'name' is required:"
			   " the environment variable's name, a string.");
		goto out;
	}
	if (find_var(json_get(version, "envVars"), name->str)) {
		resp_error(r, 400, "invalid-input", "Environment variable '%s'"
			   " already exists in version %s; change it with PUT.",
			   name->str, r->params[1]);
		goto out;
	}
	api_merge_object(&var, NULL, json_root(body), env_var_fields, NULL,
			 NULL);
	save_vars(r, &d, json_root(actor), version, NULL, &var, name->str, 201);
out:
	buf_release(&var);
	json_doc_free(body);
	json_doc_free(actor);
	store_doc_release(&d);
}

/*
 * A PUT replaces the fields the body has. The body's name must be the
 * path's or left out. A secret made non-secret needs a new value, so
 * that a value kept hidden never becomes readable.
 */
void api_update_actor_env_var(struct req *r)
{
	struct json_doc *actor, *body = NULL;
	const struct json *version, *old, *name, *secret;
	struct buf var = BUF_INIT;
	struct store_doc d;

	if (load_version(r, &d, &actor, &version))
		return;
	old = find_var(json_get(version, "envVars"), r->params[2]);
	if (!old) {
		api_not_found(r, "Environment variable", r->params[2]);
		goto out;
	}
	if (api_body_object(r, 0, &body))
		goto out;
	name = json_get(json_root(body), "name");
	if (name && !json_is_string(name, r->params[2])) {
		resp_error(r, 400, "invalid-input", "Field 'name' must be '%s',"
			   " the variable of the path, or left out.",
			   r->params[2]);
		goto out;
	}
	secret = json_get(json_root(body), "isSecret");
	if (json_get(old, "isSecret") &&
	    json_get(old, "isSecret")->type == JSON_TRUE && secret &&
	    secret->type != JSON_TRUE && !json_get(json_root(body), "value")) {
		resp_error(r, 400, "invalid-input", "Environment variable '%s'"
			   " is a secret: give a new 'value' to make it"
			   " non-secret.", r->params[2]);
		goto out;
	}
	api_merge_object(&var, old, json_root(body), env_var_fields, NULL,
			 NULL);
	save_vars(r, &d, json_root(actor), version, old, &var, r->params[2],
		  200);
out:
	buf_release(&var);
	json_doc_free(body);
	json_doc_free(actor);
	store_doc_release(&d);
}

void api_delete_actor_env_var(struct req *r)
{
	struct json_doc *actor;
	const struct json *version, *old;
	struct store_doc d;

	if (load_version(r, &d, &actor, &version))
		return;
	old = find_var(json_get(version, "envVars"), r->params[2]);
	if (old)
		save_vars(r, &d, json_root(actor), version, old, NULL, NULL, 204);
	else
		api_not_found(r, "Environment variable", r->params[2]);
	json_doc_free(actor);
	store_doc_release(&d);
}
