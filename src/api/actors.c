/*
 * Actors: /v2/acts (also /v2/actors). An actor is stored as its API
 * object; its builds are in builds.c.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "util/timeutil.h"

static const char *const actor_fields[] = {
	"name", "title", "description", "versions", "defaultRunOptions",
	"isPublic", "seoTitle", "seoDescription", "categories", "exampleRunInput",
	"restartOnError", NULL,
};
static const char *const actor_fixed[] = {
	"id", "userId", "username", "modifiedAt", NULL,
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

/* Versions: an array of objects, each with a "MAJOR.MINOR" versionNumber,
 * sourceType SOURCE_FILES (the only one actord builds) and sourceFiles. */
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

static int check_versions(struct req *r, const struct json *versions)
{
	const struct json *v = NULL, *got;
	struct buf shown = BUF_INIT;

	if (!versions)
		return 0;
	if (versions->type != JSON_ARRAY)
		goto bad;
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
	}
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

/* Store the doc built from base and body; makes the response. */
static void save_actor(struct req *r, const struct json *base,
		       const struct json *body, const char *id, unsigned status)
{
	struct buf extra = BUF_INIT;
	struct buf doc = BUF_INIT;
	const struct json *name;

	fixed_fields(&extra, id, r, base == NULL);
	if (!base && !json_get(body, "defaultRunOptions"))
		buf_puts(&extra, ",\"defaultRunOptions\":{\"build\":\"latest\","
			 "\"timeoutSecs\":3600,\"memoryMbytes\":1024}");
	api_merge_object(&doc, base, body, actor_fields, actor_fixed, extra.data);
	name = json_get(body, "name") ? json_get(body, "name") :
	       json_get(base, "name");
	api_store_doc(r, STORE_ACTOR, id, "", name->str, &doc, status);
	buf_release(&extra);
	buf_release(&doc);
}

int api_actor_set_versions(struct req *r, const struct store_doc *d,
			   const struct json *actor, const struct buf *versions)
{
	struct buf text = BUF_INIT, extra = BUF_INIT, doc = BUF_INIT;
	struct json_doc *body = NULL;
	struct json_error err;
	struct store_doc stored = *d;
	int rc = -1;

	buf_puts(&text, "{\"versions\":");
	buf_append(&text, versions->data, versions->len);
	buf_putc(&text, '}');
	body = json_parse(text.data, text.len, &err);
	if (!body) {
		log_error("api", "versions of actor %s are not valid JSON: %s",
			  d->id, err.message);
		resp_internal(r);
		goto out;
	}
	if (check_versions(r, json_get(json_root(body), "versions")))
		goto out;
	fixed_fields(&extra, d->id, r, 0);
	api_merge_object(&doc, actor, json_root(body), actor_fields,
			 actor_fixed, extra.data);
	stored.doc = doc.data;
	stored.doc_len = doc.len;
	if (store_doc_put(r->store, STORE_ACTOR, &stored)) {
		resp_internal(r);
		goto out;
	}
	rc = 0;
out:
	json_doc_free(body);
	buf_release(&text);
	buf_release(&extra);
	buf_release(&doc);
	return rc;
}

void api_create_actor(struct req *r)
{
	struct json_doc *body;
	char id[ID_SIZE];

	if (api_body_object(r, 0, &body))
		return;
	if (api_check_name(r, json_get(json_root(body), "name")) ||
	    check_versions(r, json_get(json_root(body), "versions")) ||
	    api_check_run_options(r, json_get(json_root(body),
				  "defaultRunOptions"), "defaultRunOptions"))
		goto out;
	id_new(id);
	save_actor(r, NULL, json_root(body), id, 201);
out:
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

/* Return the stored object with taggedBuilds added. The Apify CLI's push
 * reads a tag's build from it once the build has finished. */
void api_get_actor(struct req *r)
{
	struct buf out = BUF_INIT;
	struct store_doc d;
	char *tags = NULL;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	if (store_build_tags(r->store, d.id, &tags) || d.doc_len < 2) {
		resp_internal(r);
		goto out;
	}
	buf_append(&out, d.doc, d.doc_len - 1);
	buf_puts(&out, ",\"taggedBuilds\":");
	buf_puts(&out, tags);
	buf_putc(&out, '}');
	resp_data(r, 200, out.data, out.len);
out:
	free(tags);
	buf_release(&out);
	store_doc_release(&d);
}

void api_update_actor(struct req *r)
{
	struct json_doc *body = NULL, *base = NULL;
	struct store_doc d;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	if (api_body_object(r, 0, &body))
		goto out;
	if ((json_get(json_root(body), "name") &&
	     api_check_name(r, json_get(json_root(body), "name"))) ||
	    check_versions(r, json_get(json_root(body), "versions")) ||
	    api_check_run_options(r, json_get(json_root(body),
				  "defaultRunOptions"), "defaultRunOptions"))
		goto out;
	base = parse_doc(r, &d);
	if (base)
		save_actor(r, json_root(base), json_root(body), d.id, 200);
out:
	json_doc_free(base);
	json_doc_free(body);
	store_doc_release(&d);
}

void api_delete_actor(struct req *r)
{
	struct store_doc d;

	if (api_find_doc(r, STORE_ACTOR, r->params[0], &d))
		return;
	if (store_doc_delete(r->store, STORE_ACTOR, d.id))
		resp_internal(r);
	else
		resp_empty(r, 204);
	store_doc_release(&d);
}

static void list_docs(struct req *r, enum store_kind kind)
{
	struct list_page l;

	if (api_list_begin(r, &l))
		return;
	if (store_doc_list(r->store, kind, r->user.id, l.offset, l.limit,
			   l.desc, &l.items, &l.total, &l.count))
		resp_internal(r);
	else
		api_list_respond(r, &l);
	api_list_release(&l);
}

void api_list_actors(struct req *r)
{
	list_docs(r, STORE_ACTOR);
}

void api_list_tasks(struct req *r)
{
	list_docs(r, STORE_TASK);
}
