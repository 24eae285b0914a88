/*
 * actord push DIR: upload an actor directory as a SOURCE_FILES version
 * (name and version from .actor/actor.json), create or update the actor,
 * build it, and print the build number. The server address and token come
 * from ACTORD_URL and ACTORD_TOKEN.
 */
#include "cli/cli.h"

#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/base64.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

/* Folders that are local state, not source. */
static const char *const skipped_dirs[] = {
	".git", "node_modules", "storage", "apify_storage", "__pycache__",
	".venv", "venv", NULL,
};

struct http_result {
	long status;
	struct buf body;
};

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	buf_append(ctx, data, size * n);
	return size * n;
}

static int http(const char *method, const char *url, const char *token,
		const struct buf *body, struct http_result *res)
{
	struct curl_slist *headers = NULL;
	struct buf auth = BUF_INIT;
	CURL *curl = curl_easy_init();
	CURLcode rc;

	if (!curl)
		return -1;
	buf_printf(&auth, "Authorization: Bearer %s", token);
	headers = curl_slist_append(headers, auth.data);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &res->body);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body->len);
	}
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK)
		fprintf(stderr, "actord push: %s %s failed: %s\n", method, url,
			curl_easy_strerror(rc));
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	buf_release(&auth);
	if (!res->body.data)
		buf_grow(&res->body, 0);
	return rc == CURLE_OK ? 0 : -1;
}

/* 1 if data is UTF-8 text without NUL bytes, so it can go as TEXT. */
static int is_text(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
			   (c >> 3) == 30 ? 4 : 0;
		size_t k;

		if (c == 0 || n == 0 || i + n > len)
			return 0;
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

static void add_file(struct buf *files, const char *rel, const struct buf *data)
{
	int text = is_text((const unsigned char *)data->data, data->len);

	if (files->len > 1)
		buf_putc(files, ',');
	buf_puts(files, "{\"name\":");
	buf_put_json_cstr(files, rel);
	buf_printf(files, ",\"format\":\"%s\",\"content\":",
		   text ? "TEXT" : "BASE64");
	if (text) {
		buf_put_json_string(files, data->data, data->len);
	} else {
		buf_putc(files, '"');
		base64_encode(data->data, data->len, files);
		buf_putc(files, '"');
	}
	buf_putc(files, '}');
}

/* Append every file under dir/rel as a sourceFiles entry. */
static int walk(const char *dir, const char *rel, struct buf *files)
{
	struct buf path = BUF_INIT;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	buf_printf(&path, "%s%s%s", dir, *rel ? "/" : "", rel);
	d = opendir(path.data);
	if (!d) {
		fprintf(stderr, "actord push: cannot read %s\n", path.data);
		buf_release(&path);
		return -1;
	}
	while (rc == 0 && (e = readdir(d))) {
		struct buf child = BUF_INIT, full = BUF_INIT, data = BUF_INIT;
		const char *const *skip;
		struct stat st;
		int skipped = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");

		for (skip = skipped_dirs; *skip; skip++)
			skipped |= !strcmp(e->d_name, *skip);
		buf_printf(&child, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		buf_printf(&full, "%s/%s", dir, child.data);
		if (!skipped && stat(full.data, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = walk(dir, child.data, files);
			else if (S_ISREG(st.st_mode) && fs_read_file(full.data, &data) == 0)
				add_file(files, child.data, &data);
			else if (S_ISREG(st.st_mode))
				rc = -1, fprintf(stderr, "actord push: cannot read %s\n", full.data);
		}
		buf_release(&child);
		buf_release(&full);
		buf_release(&data);
	}
	closedir(d);
	buf_release(&path);
	return rc;
}

/* A string field of a JSON object, or NULL. */
static const char *string_field(const struct json *obj, const char *key)
{
	const struct json *v = obj ? json_get(obj, key) : NULL;

	return v && v->type == JSON_STRING ? v->str : NULL;
}

/* Read .actor/actor.json; returns the document, NULL with a message. */
static struct json_doc *read_actor_json(const char *dir, struct buf *text)
{
	struct buf path = BUF_INIT;
	struct json_error err;
	struct json_doc *doc = NULL;

	buf_printf(&path, "%s/.actor/actor.json", dir);
	if (fs_read_file(path.data, text))
		fprintf(stderr, "actord push: cannot read %s; an actor directory"
			" needs .actor/actor.json with a name\n", path.data);
	else if (!(doc = json_parse(text->data, text->len, &err)))
		fprintf(stderr, "actord push: %s is not valid JSON: %s at byte"
			" %zu\n", path.data, err.message, err.offset);
	else if (!string_field(json_root(doc), "name")) {
		fprintf(stderr, "actord push: %s has no \"name\"\n", path.data);
		json_doc_free(doc);
		doc = NULL;
	}
	buf_release(&path);
	return doc;
}

/* Send body with method to url; 0 with the response's data.id in id. */
static int send_actor(const char *method, const char *url, const char *token,
		      struct buf *body, const char *what, char *id,
		      size_t id_size)
{
	struct http_result res = { 0, BUF_INIT };
	struct json_doc *doc = NULL;
	struct json_error err;
	const char *got;
	int rc = -1;

	if (http(method, url, token, body, &res))
		goto out;
	if (res.status != 200 && res.status != 201) {
		fprintf(stderr, "actord push: %s failed (%ld): %s\n", what,
			res.status, res.body.data);
		goto out;
	}
	doc = json_parse(res.body.data, res.body.len, &err);
	got = doc ? string_field(json_get(json_root(doc), "data"), "id") : NULL;
	if (id && got)
		snprintf(id, id_size, "%s", got);
	rc = id && !got ? -1 : 0;
out:
	json_doc_free(doc);
	buf_release(&res.body);
	return rc;
}

/*
 * Create the actor with the version, or change that one version of an
 * existing actor (its other versions, and its variables when the version
 * sends none, stay). Writes the actor's id.
 */
static int upload(const char *url, const char *token, const char *name,
		  const char *number, struct buf *version, char *id,
		  size_t id_size)
{
	struct http_result res = { 0, BUF_INIT };
	struct buf path = BUF_INIT, body = BUF_INIT;
	struct json_doc *doc = NULL;
	struct json_error err;
	char *escaped;
	int rc = -1;

	/* Escaped, so that a name actord refuses gets actord's 400 with
	 * the naming rule, not a malformed URL. */
	escaped = curl_easy_escape(NULL, name, 0);
	buf_printf(&path, "%s/v2/acts/~%s", url, escaped ? escaped : name);
	curl_free(escaped);
	if (http("GET", path.data, token, NULL, &res))
		goto out;
	if (res.status == 404) {
		buf_reset(&path);
		buf_printf(&path, "%s/v2/acts", url);
		buf_puts(&body, "{\"name\":");
		buf_put_json_cstr(&body, name);
		buf_printf(&body, ",\"versions\":[%s]}", version->data);
		rc = send_actor("POST", path.data, token, &body,
				"creating the actor", id, id_size);
		goto out;
	}
	doc = res.status == 200 ? json_parse(res.body.data, res.body.len,
					     &err) : NULL;
	if (!doc || !string_field(json_get(json_root(doc), "data"), "id")) {
		fprintf(stderr, "actord push: looking up the actor failed (HTTP"
			" %ld): %s\n", res.status, res.body.data);
		goto out;
	}
	snprintf(id, id_size, "%s",
		 string_field(json_get(json_root(doc), "data"), "id"));
	buf_reset(&path);
	buf_printf(&path, "%s/v2/acts/%s/versions/%s", url, id, number);
	buf_reset(&res.body);
	if (http("GET", path.data, token, NULL, &res))
		goto out;
	if (res.status == 200) {
		rc = send_actor("PUT", path.data, token, version,
				"updating the version", NULL, 0);
	} else {
		buf_reset(&path);
		buf_printf(&path, "%s/v2/acts/%s/versions", url, id);
		rc = send_actor("POST", path.data, token, version,
				"adding the version", NULL, 0);
	}
out:
	json_doc_free(doc);
	buf_release(&res.body);
	buf_release(&path);
	buf_release(&body);
	return rc;
}

/*
 * The environmentVariables of actor.json as envVars, appended to out as
 * ",\"envVars\":[...]"; nothing when it has none. A value "@name" names a
 * secret of the Apify CLI, which actord push cannot read: -1 with a
 * message.
 */
static int env_vars(const struct json *actor, struct buf *out)
{
	const struct json *vars = json_get(actor, "environmentVariables");
	const struct json *v;
	int first = 1;

	if (!vars || vars->type == JSON_NULL)
		return 0;
	if (vars->type != JSON_OBJECT) {
		fprintf(stderr, "actord push: environmentVariables in"
			" .actor/actor.json must be an object of names and"
			" string values\n");
		return -1;
	}
	buf_puts(out, ",\"envVars\":[");
	for (v = vars->child; v; v = v->next) {
		if (v->type != JSON_STRING) {
			fprintf(stderr, "actord push: environmentVariables.%s in"
				" .actor/actor.json must be a string\n", v->key);
			return -1;
		}
		if (v->str[0] == '@') {
			fprintf(stderr, "actord push: environmentVariables.%s"
				" names the Apify CLI secret %s, which actord"
				" push cannot read; leave it out and create it"
				" with POST /v2/acts/ID/versions/VERSION/env-vars"
				" and {\"name\": \"%s\", \"value\": ...,"
				" \"isSecret\": true}\n", v->key, v->str, v->key);
			return -1;
		}
		buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
		buf_put_json_cstr(out, v->key);
		buf_puts(out, ",\"value\":");
		buf_put_json_string(out, v->str, v->len);
		buf_putc(out, '}');
		first = 0;
	}
	buf_putc(out, ']');
	return 0;
}

/* The build object in a response body, parsed into *doc; NULL when the
 * response is not a 2xx build. */
static const struct json *build_of(const struct http_result *res,
				   struct json_doc **doc)
{
	struct json_error err;
	const struct json *data;

	json_doc_free(*doc);
	*doc = json_parse(res->body.data, res->body.len, &err);
	data = *doc ? json_get(json_root(*doc), "data") : NULL;
	if (res->status / 100 != 2 || !data || !string_field(data, "id") ||
	    !string_field(data, "status"))
		return NULL;
	return data;
}

static int build_has_ended(const struct json *build)
{
	static const char *const ends[] = { "SUCCEEDED", "FAILED", "ABORTED",
					     "TIMED-OUT", NULL };
	const char *status = string_field(build, "status");
	size_t i;

	for (i = 0; ends[i]; i++)
		if (!strcmp(status, ends[i]))
			return 1;
	return 0;
}

/* Start a build and wait for its end: builds run in the background, so
 * the build is polled with waitForFinish, as the API clients do. */
static int build(const char *url, const char *token, const char *id,
		 const char *version)
{
	struct http_result res = { 0, BUF_INIT };
	struct buf path = BUF_INIT;
	struct json_doc *doc = NULL;
	const struct json *data;
	char build_id[64];
	int rc = -1;

	buf_printf(&path, "%s/v2/acts/%s/builds?version=%s&tag=latest"
		   "&waitForFinish=60", url, id, version);
	if (http("POST", path.data, token, NULL, &res))
		goto out;
	data = build_of(&res, &doc);
	if (!data) {
		fprintf(stderr, "actord push: the build request failed (%ld): %s\n",
			res.status, res.body.data);
		goto out;
	}
	snprintf(build_id, sizeof(build_id), "%s", string_field(data, "id"));
	while (!build_has_ended(data)) {
		buf_reset(&path);
		buf_reset(&res.body);
		buf_printf(&path, "%s/v2/actor-builds/%s?waitForFinish=60", url,
			   build_id);
		if (http("GET", path.data, token, NULL, &res))
			goto out;
		data = build_of(&res, &doc);
		if (!data) {
			fprintf(stderr, "actord push: cannot read build %s (%ld):"
				" %s\n", build_id, res.status, res.body.data);
			goto out;
		}
	}
	if (!json_is_string(json_get(data, "status"), "SUCCEEDED")) {
		buf_reset(&path);
		buf_reset(&res.body);
		buf_printf(&path, "%s/v2/logs/%s", url, build_id);
		http("GET", path.data, token, NULL, &res);
		fprintf(stderr, "actord push: build %s %s; its log:\n%s",
			string_field(data, "buildNumber"),
			string_field(data, "status"), res.body.data);
		goto out;
	}
	printf("%s\n", string_field(data, "buildNumber"));
	rc = 0;
out:
	json_doc_free(doc);
	buf_release(&res.body);
	buf_release(&path);
	return rc;
}

int cli_push(int argc, char **argv)
{
	const char *url = getenv("ACTORD_URL");
	const char *token = getenv("ACTORD_TOKEN");
	struct buf text = BUF_INIT, files = BUF_INIT, version = BUF_INIT;
	struct json_doc *actor = NULL;
	const char *name, *number;
	char id[64];
	int rc = 1;

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "Usage: ACTORD_URL=http://127.0.0.1:8080"
			" ACTORD_TOKEN=... actord push DIR\n");
		return 2;
	}
	if (!url || !*url || !token || !*token) {
		fprintf(stderr, "actord push: set ACTORD_URL (such as"
			" http://127.0.0.1:8080) and ACTORD_TOKEN\n");
		return 2;
	}
	actor = read_actor_json(argv[1], &text);
	if (!actor)
		goto out;
	name = string_field(json_root(actor), "name");
	number = string_field(json_root(actor), "version");
	if (!number)
		number = "0.0";
	buf_puts(&files, "[");
	if (walk(argv[1], "", &files))
		goto out;
	buf_putc(&files, ']');
	buf_puts(&version, "{\"versionNumber\":");
	buf_put_json_cstr(&version, number);
	buf_printf(&version, ",\"sourceType\":\"SOURCE_FILES\",\"buildTag\":"
		   "\"latest\",\"sourceFiles\":%s", files.data);
	if (env_vars(json_root(actor), &version))
		goto out;
	buf_putc(&version, '}');
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (upload(url, token, name, number, &version, id, sizeof(id)) == 0 &&
	    build(url, token, id, number) == 0)
		rc = 0;
	curl_global_cleanup();
out:
	json_doc_free(actor);
	buf_release(&text);
	buf_release(&files);
	buf_release(&version);
	return rc;
}
