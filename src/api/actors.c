/*
 * Actors: /v2/acts (also /v2/actors). An actor is stored as its API
 * object; its builds are in builds.c.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/env_vars.h"
#include "runner/build.h"
#include "util/log.h"
#include "util/timeutil.h"

/* The fields a body sets. "versions" is not among them: it is stored as
 * check_versions() writes it, in place of the stored one. */
static const char *const actor_fields[] = {
	"name", "title", "description", "defaultRunOptions",
	"isPublic", "seoTitle", "seoDescription", "categories", "exampleRunInput",
	"restartOnError", NULL,
};
static const char *const actor_fixed[] = {
	"id", "userId", "username", "modifiedAt", NULL,
};
static const char *const actor_fixed_and_versions[] = {
	"id", "userId", "username", "modifiedAt", "versions", NULL,
};

/* Each source file: a name, content as a string, format TEXT or BASE64. */
static int check_files(struct req *r, const char *version,
		       const struct json *files)
{
	const struct json *f;
	size_t i = 0;

	for (f = files->child; f; f = f->next, i++) {
		const struct json *name = json_get(f, "name");
		const struct json *format = json_get(f, "format");
		const struct json *content = json_get(f, "content");

		if (f->type == JSON_OBJECT && name && name->type == JSON_STRING &&
		    (!content || content->type == JSON_STRING) &&
		    (!format || json_is_string(format, "TEXT") ||
		     json_is_string(format, "BASE64")))
			continue;
		resp_error(r, 400, "invalid-input", "Version %s, source file %zu:"
			   " expected {\"name\": string, \"format\": \"TEXT\" or"
			   " \"BASE64\", \"content\": string}.", version, i);
		return -1;
	}
	return 0;
}

/* A TARBALL version needs an http or https tarballUrl. */
static int check_tarball_url(struct req *r, const char *version,
			     const struct json *url)
{
	if (url && url->type == JSON_STRING &&
	    (!strncasecmp(url->str, "http://", 7) ||
	     !strncasecmp(url->str, "https://", 8)) &&
	    !strpbrk(url->str, " \t\r\n"))
		return 0;
	resp_error(r, 400, "invalid-input", "Version %s: sourceType TARBALL"
		   " needs tarballUrl, the http or https URL of a zip or tar"
		   " archive of the source.", version);
	return -1;
}

/* The version numbered number among versions (may be NULL), or NULL. */
static const struct json *find_version(const struct json *versions,
				       const char *number)
{
	const struct json *v;

	if (!versions || versions->type != JSON_ARRAY)
		return NULL;
	for (v = versions->child; v; v = v->next)
		if (json_is_string(json_get(v, "versionNumber"), number))
			return v;
	return NULL;
}

/*
 * Append version v with its envVars checked and written as
 * api_env_vars_check() does; stored is the actor's stored versions.
 */
static int put_version(struct req *r, const char *number,
		       const struct json *v, const struct json *stored,
		       struct buf *out)
{
	const struct json *vars = json_get(v, "envVars");
	const struct json *apply = json_get(v, "applyEnvVarsToBuild");
	const struct json *old = find_version(stored, number);
	const struct json *m;
	int comma = 0;

	if (apply && apply->type != JSON_TRUE && apply->type != JSON_FALSE &&
	    apply->type != JSON_NULL) {
		resp_error(r, 400, "invalid-input", "Version %s: field"
			   " 'applyEnvVarsToBuild' must be true or false.",
			   number);
		return -1;
	}
	buf_putc(out, '{');
	for (m = v->child; m; m = m->next) {
		/* With a key repeated, json_get() gives the last: keep that. */
		if (json_get(v, m->key) != m)
			continue;
		if (comma++)
			buf_putc(out, ',');
		buf_put_json_string(out, m->key, m->key_len);
		buf_putc(out, ':');
		if (m != vars)
			json_write(out, m);
		else if (api_env_vars_check(r, number, vars, old ?
					    json_get(old, "envVars") : NULL, out))
			return -1;
	}
	buf_putc(out, '}');
	return 0;
}

/*
 * Check versions, an array of objects, each with a "MAJOR.MINOR"
 * versionNumber, sourceType SOURCE_FILES or TARBALL, sourceFiles and
 * envVars, and append them to out as they are to be stored. stored is
 * the actor's versions as they are stored (NULL for a new actor), where
 * a secret variable given without its value finds it.
 */
static int check_versions(struct req *r, const struct json *versions,
			  const struct json *stored, struct buf *out)
{
	const struct json *v = NULL, *got;
	struct buf shown = BUF_INIT;

	if (versions->type != JSON_ARRAY)
		goto bad;
	buf_putc(out, '[');
	for (v = versions->child; v; v = v->next) {
		const struct json *num = json_get(v, "versionNumber");
		const struct json *type = json_get(v, "sourceType");
		const struct json *files = json_get(v, "sourceFiles");
		unsigned major, minor;
		char tail;

		if (v->type != JSON_OBJECT || !num || num->type != JSON_STRING ||
		    sscanf(num->str, "%u.%u%c", &major, &minor, &tail) != 2)
			goto bad;
		if (json_is_string(type, "TARBALL")) {
			if (check_tarball_url(r, num->str,
					      json_get(v, "tarballUrl")))
				return -1;
		} else if (type && !json_is_string(type, "SOURCE_FILES")) {
			resp_error(r, 400, "invalid-input", "Version %s: sourceType"
				   " %.*s is not supported; actord builds"
				   " SOURCE_FILES and TARBALL.", num->str,
				   (int)type->raw_len, type->raw ? type->raw : "?");
			return -1;
		}
		if (files && files->type != JSON_ARRAY)
			goto bad;
		if (files && check_files(r, num->str, files))
			return -1;
		if (v != versions->child)
			buf_putc(out, ',');
		if (put_version(r, num->str, v, stored, out))
			return -1;
	}
	buf_putc(out, ']');
	return 0;
bad:
	got = versions->type == JSON_ARRAY && v ? json_get(v, "versionNumber") :
	      NULL;
	if (got)
		json_write(&shown, got);
	resp_error(r, 400, "invalid-input", "Field 'versions' must be an array"
		   " of objects with versionNumber \"MAJOR.MINOR\" (got %s)"
		   " and sourceFiles as an array of {name, format, content}.",
		   got ? shown.data : "none");
	buf_release(&shown);
	return -1;
}

static void fixed_fields(struct buf *extra, const char *id, const struct req *r,
			 int with_created)
{
	char now[TIME_ISO_LEN];

	time_format_iso(time_now_ms(), now);
	buf_printf(extra, "\"id\":\"%s\",\"userId\":\"%s\",\"username\":",
		   id, r->user.id);
	buf_put_json_cstr(extra, r->user.username);
	buf_printf(extra, ",\"modifiedAt\":\"%s\"", now);
	if (with_created)
		buf_printf(extra, ",\"createdAt\":\"%s\",\"stats\":{\"totalRuns\""
			   ":0},\"isPublic\":false", now);
}

/*
 * Write the actor document: the members of base (NULL for a new actor),
 * the fields body sets, the fixed fields of extra and, when versions is
 * not NULL, that checked array in place of base's versions.
 */
static void merge_actor(struct buf *doc, const struct json *base,
			const struct json *body, struct buf *extra,
			const struct buf *versions)
{
	if (versions) {
		buf_puts(extra, ",\"versions\":");
		buf_append(extra, versions->data, versions->len);
	}
	api_merge_object(doc, base, body, actor_fields, versions ?
			 actor_fixed_and_versions : actor_fixed, extra->data);
}

/* Append the actor document doc as clients see it, without secret values. */
static int show_actor(struct buf *out, const struct buf *doc)
{
	struct json_error err;
	struct json_doc *parsed = json_parse(doc->data, doc->len, &err);

	if (!parsed) {
		log_error("api", "an actor document is not valid JSON: %s",
			  err.message);
		return -1;
	}
	api_actor_write(out, json_root(parsed));
	json_doc_free(parsed);
	return 0;
}

/* Store the doc built from base, body and the checked versions (NULL to
 * keep base's); makes the response. */
static void save_actor(struct req *r, const struct json *base,
		       const struct json *body, const struct buf *versions,
		       const char *id, unsigned status)
{
	struct buf extra = BUF_INIT, doc = BUF_INIT, shown = BUF_INIT;
	const struct json *name;

	fixed_fields(&extra, id, r, base == NULL);
	if (!base && !json_get(body, "defaultRunOptions"))
		buf_puts(&extra, ",\"defaultRunOptions\":{\"build\":\"latest\","
			 "\"timeoutSecs\":3600,\"memoryMbytes\":1024}");
	merge_actor(&doc, base, body, &extra, versions);
	name = json_get(body, "name") ? json_get(body, "name") :
	       json_get(base, "name");
	if (show_actor(&shown, &doc))
		resp_internal(r);
	else
		api_store_doc_shown(r, STORE_ACTOR, id, "", name->str, &doc,
				    &shown, status);
	buf_release(&extra);
	buf_release(&doc);
	buf_release(&shown);
}

int api_actor_set_versions(struct req *r, const struct store_doc *d,
			   const struct json *actor, const struct buf *versions,
			   struct buf *stored_doc)
{
	struct buf checked = BUF_INIT, extra = BUF_INIT, doc = BUF_INIT;
	struct json_doc *versions_doc;
	struct json_error err;
	struct store_doc stored = *d;
	int rc = -1;

	versions_doc = json_parse(versions->data, versions->len, &err);
	if (!versions_doc) {
		log_error("api", "versions of actor %s are not valid JSON: %s",
			  d->id, err.message);
		resp_internal(r);
		goto out;
	}
	if (check_versions(r, json_root(versions_doc),
			   json_get(actor, "versions"), &checked))
		goto out;
	fixed_fields(&extra, d->id, r, 0);
	merge_actor(&doc, actor, NULL, &extra, &checked);
	stored.doc = doc.data;
	stored.doc_len = doc.len;
	if (store_doc_put(r->store, STORE_ACTOR, &stored)) {
		resp_internal(r);
		goto out;
	}
	if (stored_doc)
		buf_append(stored_doc, doc.data, doc.len);
	rc = 0;
out:
	json_doc_free(versions_doc);
	buf_release(&checked);
	buf_release(&extra);
	buf_release(&doc);
	return rc;
}

void api_create_actor(struct req *r)
{
	struct json_doc *body;
	const struct json *versions;
	struct buf checked = BUF_INIT;
	char id[ID_SIZE];

	if (api_body_object(r, 0, &body))
		return;
	versions = json_get(json_root(body), "versions");
	if (api_check_name(r, json_get(json_root(body), "name")) ||
	    (versions && check_versions(r, versions, NULL, &checked)) ||
	    api_check_run_options(r, json_get(json_root(body),
				  "defaultRunOptions"), "defaultRunOptions"))
		goto out;
	id_new(id);
	save_actor(r, NULL, json_root(body), versions ? &checked : NULL, id,
		   201);
out:
	buf_release(&checked);
	json_doc_free(body);
}

/* Parse a stored document; NULL with a 500 made if it is corrupt. */
static struct json_doc *parse_doc(struct req *r, const struct store_doc *d)
{
	struct json_error err;
	struct json_doc *doc = json_parse(d->doc, d->doc_len, &err);

	if (!doc) {
		log_error("api", "stored document of %s is not valid JSON: %s",
			  d->id, err.message);
		resp_internal(r);
	}
	return doc;
}

/* Return the stored object, without secret values, with taggedBuilds
 * added. The Apify CLI's push reads a tag's build from it once the build
 * has finished. */
void api_get_actor(struct req *r)
{
	struct buf out = BUF_INIT;
	struct json_doc *doc = NULL;
	struct store_doc d;
	char *tags = NULL;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	doc = parse_doc(r, &d);
	if (!doc)
		goto out;
	if (store_build_tags(r->store, d.id, &tags) ||
	    json_root(doc)->type != JSON_OBJECT) {
		resp_internal(r);
		goto out;
	}
	api_actor_write(&out, json_root(doc));
	out.len--;	/* the closing brace */
	buf_puts(&out, json_root(doc)->count ? ",\"taggedBuilds\":" :
		 "\"taggedBuilds\":");
	buf_puts(&out, tags);
	buf_putc(&out, '}');
	resp_data(r, 200, out.data, out.len);
out:
	free(tags);
	json_doc_free(doc);
	buf_release(&out);
	store_doc_release(&d);
}

void api_update_actor(struct req *r)
{
	struct json_doc *body = NULL, *base = NULL;
	const struct json *versions;
	struct buf checked = BUF_INIT;
	struct store_doc d;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	if (api_body_object(r, 0, &body))
		goto out;
	base = parse_doc(r, &d);
	if (!base)
		goto out;
	versions = json_get(json_root(body), "versions");
	if ((json_get(json_root(body), "name") &&
	     api_check_name(r, json_get(json_root(body), "name"))) ||
	    (versions && check_versions(r, versions, json_get(json_root(base),
				       "versions"), &checked)) ||
	    api_check_run_options(r, json_get(json_root(body),
				  "defaultRunOptions"), "defaultRunOptions"))
		goto out;
	save_actor(r, json_root(base), json_root(body), versions ? &checked :
		   NULL, d.id, 200);
out:
	buf_release(&checked);
	json_doc_free(base);
	json_doc_free(body);
	store_doc_release(&d);
}

/*
 * DELETE /v2/acts/:id. The files of its builds go too, but for those that
 * a run still going uses; the build objects and runs stay readable.
 */
void api_delete_actor(struct req *r)
{
	struct buf ids = BUF_INIT;
	struct store_doc d;
	const char *id;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	if (store_build_idle_ids(r->store, d.id, &ids) ||
	    store_doc_delete(r->store, STORE_ACTOR, d.id)) {
		resp_internal(r);
		goto out;
	}
	for (id = ids.data; id && id < ids.data + ids.len; id += strlen(id) + 1)
		build_remove_dir(id);
	resp_empty(r, 204);
out:
	buf_release(&ids);
	store_doc_release(&d);
}

/* Replace the actor documents of a list page with what clients see. */
static int show_actors(struct list_page *l)
{
	struct buf shown = BUF_INIT;
	struct json_doc *items;
	struct json_error err;
	const struct json *a;

	items = json_parse(l->items.data, l->items.len, &err);
	if (!items || json_root(items)->type != JSON_ARRAY) {
		log_error("api", "a list of actors is not a JSON array: %s",
			  items ? "another type" : err.message);
		json_doc_free(items);
		return -1;
	}
	buf_putc(&shown, '[');
	for (a = json_root(items)->child; a; a = a->next) {
		if (a != json_root(items)->child)
			buf_putc(&shown, ',');
		api_actor_write(&shown, a);
	}
	buf_putc(&shown, ']');
	json_doc_free(items);
	buf_release(&l->items);
	l->items = shown;
	return 0;
}

void api_list_actors(struct req *r)
{
	struct list_page l;

	if (api_list_begin(r, &l))
		return;
	if (store_doc_list(r->store, STORE_ACTOR, r->user.id, l.offset,
			   l.limit, l.desc, &l.items, &l.total, &l.count) ||
	    show_actors(&l))
		resp_internal(r);
	else
		api_list_respond(r, &l);
	api_list_release(&l);
}

void api_list_tasks(struct req *r)
{
	struct list_page l;

	if (api_list_begin(r, &l))
		return;
	if (store_doc_list(r->store, STORE_TASK, r->user.id, l.offset,
			   l.limit, l.desc, &l.items, &l.total, &l.count))
		resp_internal(r);
	else
		api_list_respond(r, &l);
	api_list_release(&l);
}
