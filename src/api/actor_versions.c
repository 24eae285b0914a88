/*
 * An actor's versions one at a time: /v2/acts/:id/versions and
 * /v2/acts/:id/versions/:versionNumber. They live in the actor object's
 * "versions" array. Each change rewrites that array through actors.c, so a
 * version follows the same rules as in a PUT of the whole actor. Responses
 * leave out the values of secret variables (env_vars.h).
 */
#include "api/handlers.h"

#include <string.h>

#include "api/env_vars.h"

static const char *const version_fields[] = {
	"versionNumber", "sourceType", "envVars", "applyEnvVarsToBuild",
	"buildTag", "sourceFiles", "gitRepoUrl", "tarballUrl",
	"gitHubGistUrl", NULL,
};

int api_load_actor(struct req *r, struct store_doc *d,
		   struct json_doc **actor)
{
	struct json_error err;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], d))
		return -1;
	*actor = json_parse(d->doc, d->doc_len, &err);
	if (*actor)
		return 0;
	resp_internal(r);
	store_doc_release(d);
	return -1;
}

const struct json *api_find_version(const struct json *actor,
				    const char *number)
{
	const struct json *versions = json_get(actor, "versions");
	const struct json *v;

	for (v = versions ? versions->child : NULL; v; v = v->next)
		if (json_is_string(json_get(v, "versionNumber"), number))
			return v;
	return NULL;
}

/* Write the actor's versions as a JSON array. The version old is replaced
 * by the object text with, or left out when with is NULL. When old is NULL,
 * with is appended. */
static void put_versions(struct buf *out, const struct json *actor,
			 const struct json *old, const struct buf *with)
{
	const struct json *versions = json_get(actor, "versions");
	const struct json *v;
	int comma = 0;

	buf_putc(out, '[');
	for (v = versions ? versions->child : NULL; v; v = v->next) {
		if (v == old && !with)
			continue;
		if (comma++)
			buf_putc(out, ',');
		if (v == old)
			buf_append(out, with->data, with->len);
		else
			json_write(out, v);
	}
	if (!old && with) {
		if (comma)
			buf_putc(out, ',');
		buf_append(out, with->data, with->len);
	}
	buf_putc(out, ']');
}

int api_actor_replace_version(struct req *r, const struct store_doc *d,
			      const struct json *actor, const struct json *old,
			      const struct buf *with, struct buf *stored_doc)
{
	struct buf versions = BUF_INIT;
	int rc;

	put_versions(&versions, actor, old, with);
	rc = api_actor_set_versions(r, d, actor, &versions, stored_doc);
	buf_release(&versions);
	return rc;
}

/*
 * Respond with version number of the stored document text doc, as
 * clients see it. api_actor_set_versions() has just stored doc, so a
 * parse failure or a missing version is a server error.
 */
static void respond_version(struct req *r, const struct buf *doc,
			    const char *number, unsigned status)
{
	struct json_error err;
	struct json_doc *parsed = json_parse(doc->data, doc->len, &err);
	const struct json *v = parsed ? api_find_version(json_root(parsed),
							 number) : NULL;
	struct buf out = BUF_INIT;

	if (v) {
		api_version_write(&out, v);
		resp_data(r, status, out.data, out.len);
	} else {
		resp_internal(r);
	}
	buf_release(&out);
	json_doc_free(parsed);
}

void api_list_actor_versions(struct req *r)
{
	struct json_doc *actor;
	struct buf out = BUF_INIT;
	const struct json *versions, *v;
	struct store_doc d;

	if (api_load_actor(r, &d, &actor))
		return;
	versions = json_get(json_root(actor), "versions");
	if (versions && versions->type != JSON_ARRAY)
		versions = NULL;
	buf_printf(&out, "{\"total\":%zu,\"items\":[",
		   versions ? versions->count : 0);
	for (v = versions ? versions->child : NULL; v; v = v->next) {
		if (v != versions->child)
			buf_putc(&out, ',');
		api_version_write(&out, v);
	}
	buf_puts(&out, "]}");
	resp_data(r, 200, out.data, out.len);
	buf_release(&out);
	json_doc_free(actor);
	store_doc_release(&d);
}

void api_get_actor_version(struct req *r)
{
	struct json_doc *actor;
	struct buf out = BUF_INIT;
	const struct json *v;
	struct store_doc d;

	if (api_load_actor(r, &d, &actor))
		return;
	v = api_find_version(json_root(actor), r->params[1]);
	if (v) {
		api_version_write(&out, v);
		resp_data(r, 200, out.data, out.len);
	} else {
		api_not_found(r, "Actor version", r->params[1]);
	}
	buf_release(&out);
	json_doc_free(actor);
	store_doc_release(&d);
}

/*
 * Handle POST (number NULL) and PUT (number from the path). A POST adds the
 * body's versionNumber, which must be new. A PUT changes an existing
 * version: the body's fields replace the stored ones. Both respond with the
 * version object.
 */
static void save_version(struct req *r, const char *number, unsigned status)
{
	struct json_doc *actor = NULL, *body = NULL;
	struct buf version = BUF_INIT, stored = BUF_INIT;
	const struct json *old = NULL, *num;
	struct store_doc d;

	if (api_load_actor(r, &d, &actor))
		return;
	if (api_body_object(r, 0, &body))
		goto out;
	num = json_get(json_root(body), "versionNumber");
	if (!number && (!num || num->type != JSON_STRING)) {
		resp_error(r, 400, "invalid-input", "Field 'versionNumber' is"
			   " required: a string \"MAJOR.MINOR\" such as"
			   " \"0.1\".");
		goto out;
	}
	if (number && num && !json_is_string(num, number)) {
		resp_error(r, 400, "invalid-input", "Field 'versionNumber' must"
			   " be '%s', the version of the path, or left out.",
			   number);
		goto out;
	}
	old = api_find_version(json_root(actor), number ? number : num->str);
	if (number && !old) {
		api_not_found(r, "Actor version", number);
		goto out;
	}
	if (!number && old) {
		resp_error(r, 400, "invalid-input", "Actor version '%s' already"
			   " exists; change it with PUT.", num->str);
		goto out;
	}
	api_merge_object(&version, old, json_root(body), version_fields, NULL,
			 NULL);
	if (!api_actor_replace_version(r, &d, json_root(actor), old, &version,
				       &stored))
		respond_version(r, &stored, number ? number : num->str, status);
out:
	buf_release(&version);
	buf_release(&stored);
	json_doc_free(body);
	json_doc_free(actor);
	store_doc_release(&d);
}

void api_create_actor_version(struct req *r)
{
	save_version(r, NULL, 201);
}

void api_update_actor_version(struct req *r)
{
	save_version(r, r->params[1], 200);
}

void api_delete_actor_version(struct req *r)
{
	struct json_doc *actor;
	const struct json *old;
	struct store_doc d;

	if (api_load_actor(r, &d, &actor))
		return;
	old = api_find_version(json_root(actor), r->params[1]);
	if (!old)
		api_not_found(r, "Actor version", r->params[1]);
	else if (!api_actor_replace_version(r, &d, json_root(actor), old, NULL,
					    NULL))
		resp_empty(r, 204);
	json_doc_free(actor);
	store_doc_release(&d);
}
