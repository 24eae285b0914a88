/*
 * Fetching and unpacking the archive of a TARBALL version; see
 * build_source.h. Runs on a builder thread. The archive is held in memory
 * (at most BUILD_TARBALL_MAX_BYTES, or a record's 9437184 bytes) and read
 * twice by libarchive: once to find a common top folder, once to write.
 */
#include "runner/build_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/body_decode.h"
#include "http/request.h"
#include "util/fs.h"

int build_safe_path(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return 0;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

/* Fetching ---------------------------------------------------------------- */

struct url_parts {
	char *host;
	char *port;
	char *path;	/* URL-decoded */
};

static int parse_url(const char *url, struct url_parts *out)
{
	CURLU *u = curl_url();
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (u && !curl_url_set(u, CURLUPART_URL, url, 0) &&
	    !curl_url_get(u, CURLUPART_HOST, &out->host, 0) &&
	    !curl_url_get(u, CURLUPART_PORT, &out->port, CURLU_DEFAULT_PORT) &&
	    !curl_url_get(u, CURLUPART_PATH, &out->path, CURLU_URLDECODE))
		rc = 0;
	curl_url_cleanup(u);
	return rc;
}

static void url_parts_release(struct url_parts *p)
{
	curl_free(p->host);
	curl_free(p->port);
	curl_free(p->path);
}

static int is_loopback(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) ||
	       !strcmp(host, "[::1]");
}

/*
 * When url names a record of actord's own stores, set *store_id and *key
 * (pointing into parts->path, which is split) and return 1. The URL is
 * actord's own when its host and port are the API base URL's, or its
 * host is a loopback one and its port the API's.
 */
static int own_record(const char *api_base_url, const char *url,
		      struct url_parts *parts, char **store_id, char **key)
{
	static const char prefix[] = "/v2/key-value-stores/";
	struct url_parts base;
	char *slash;
	int same_origin;

	if (parse_url(url, parts))
		return 0;
	if (parse_url(api_base_url, &base)) {
		url_parts_release(&base);
		return 0;
	}
	same_origin = !strcmp(parts->port, base.port) &&
		      (!strcasecmp(parts->host, base.host) ||
		       is_loopback(parts->host));
	url_parts_release(&base);
	if (!same_origin)
		return 0;
	if (strncmp(parts->path, prefix, sizeof(prefix) - 1))
		return 0;
	*store_id = parts->path + sizeof(prefix) - 1;
	slash = strchr(*store_id, '/');
	if (!slash || strncmp(slash, "/records/", 9) || !slash[9] ||
	    strchr(slash + 9, '/'))
		return 0;
	*slash = '\0';
	*key = slash + 9;
	return 1;
}

/* Find the store named by an id or "username~name"; 0 or -1. */
static int find_store(struct store *st, const char *ref, struct storage *s)
{
	const char *tilde = strchr(ref, '~');
	struct user u;
	char *username;
	int rc;

	if (!tilde)
		return store_storage_get(st, STORAGE_KVS, ref, s) ? -1 : 0;
	username = xstrndup(ref, (size_t)(tilde - ref));
	rc = store_user_by_name(st, username, &u) ||
	     store_storage_find(st, STORAGE_KVS, u.id, tilde + 1, s) ? -1 : 0;
	free(username);
	return rc;
}

/* Read a record of user_id's store store_ref: 0, or -1 with a message. */
static int read_own_record(struct store *st, const char *user_id,
			   const char *store_ref, const char *key,
			   struct buf *out, struct buf *message)
{
	struct storage s;
	struct kv_record rec;
	struct body_decoder *d;
	const char *store_id = s.id;
	int rc;

	if (find_store(st, store_ref, &s)) {
		buf_printf(message, "The key-value store %s of tarballUrl was"
			   " not found.", store_ref);
		return -1;
	}
	if (strcmp(s.user_id, user_id)) {
		buf_printf(message, "The key-value store %s of tarballUrl"
			   " belongs to another user.", store_id);
		return -1;
	}
	rc = store_record_get(st, store_id, key, &rec);
	if (rc) {
		buf_printf(message, rc == STORE_NOT_FOUND ? "The key-value store"
			   " %s has no record '%s' (tarballUrl)." : "Cannot read"
			   " the record %s/%s.", store_id, key);
		return -1;
	}
	if (!*rec.content_encoding) {
		buf_append(out, rec.value, rec.len);
		store_record_release(&rec);
		return 0;
	}
	d = body_decoder_new(body_encoding_parse(rec.content_encoding));
	rc = d && body_decoder_feed(d, rec.value, rec.len, out,
				    MAX_BODY_BYTES) == BODY_DECODE_OK &&
	     body_decoder_finish(d) == BODY_DECODE_OK ? 0 : -1;
	if (rc)
		buf_printf(message, "The record %s/%s cannot be decoded from"
			   " %s.", store_id, key, rec.content_encoding);
	body_decoder_free(d);
	store_record_release(&rec);
	return rc;
}

static size_t keep_download(char *data, size_t size, size_t n, void *ctx)
{
	struct buf *out = ctx;

	if (out->len + size * n > BUILD_TARBALL_MAX_BYTES)
		return 0;	/* curl fails with CURLE_WRITE_ERROR */
	buf_append(out, data, size * n);
	return size * n;
}

struct cancel_check {
	int (*cancelled)(void *ctx);
	void *ctx;
};

/* libcurl's progress callback: non-zero stops the transfer. */
static int check_cancel(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	struct cancel_check *c = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return c->cancelled && c->cancelled(c->ctx);
}

static int download(const char *url, struct cancel_check *cancel,
		    struct buf *out, struct buf *message)
{
	CURL *easy = curl_easy_init();
	char error[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;

	if (!easy) {
		buf_puts(message, "Cannot start the download of tarballUrl.");
		return -1;
	}
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long)BUILD_TARBALL_TIMEOUT_SECS);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep_download);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, check_cancel);
	curl_easy_setopt(easy, CURLOPT_XFERINFODATA, cancel);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(easy);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		buf_puts(message, "The download of tarballUrl was stopped"
			 " because the build was aborted.");
		return -2;
	}
	if (rc == CURLE_WRITE_ERROR)
		buf_printf(message, "The archive at tarballUrl is larger than"
			   " %u bytes.", BUILD_TARBALL_MAX_BYTES);
	else if (rc != CURLE_OK)
		buf_printf(message, "Cannot download tarballUrl %s: %s", url,
			   *error ? error : curl_easy_strerror(rc));
	else if (status != 200)
		buf_printf(message, "Downloading tarballUrl %s gave HTTP status"
			   " %ld, not 200.", url, status);
	return rc == CURLE_OK && status == 200 ? 0 : -1;
}

int build_fetch_archive(struct store *st, const char *user_id,
			const char *api_base_url, const char *url,
			int (*cancelled)(void *ctx), void *ctx,
			struct buf *out, struct buf *message)
{
	struct cancel_check cancel = { cancelled, ctx };
	struct url_parts parts;
	char *store_ref, *key;
	int rc;

	if (own_record(api_base_url, url, &parts, &store_ref, &key))
		rc = read_own_record(st, user_id, store_ref, key, out, message);
	else
		rc = download(url, &cancel, out, message);
	url_parts_release(&parts);
	return rc;
}

/* Unpacking ----------------------------------------------------------------- */

static struct archive *open_archive(const void *data, size_t len)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The entry's path without a leading "./" and trailing slashes, in buf. */
static const char *entry_path(struct archive_entry *e, struct buf *buf)
{
	const char *name = archive_entry_pathname(e);

	buf_reset(buf);
	if (!name)
		return NULL;
	while (!strncmp(name, "./", 2))
		name += 2;
	buf_puts(buf, name);
	while (buf->len && buf->data[buf->len - 1] == '/')
		buf->data[--buf->len] = '\0';
	return buf->data;
}

/*
 * Length of the top folder that contains every entry ("repo-main" of
 * "repo-main/src/x.js"), or 0 when there is none or an entry is a file
 * at the top.
 */
static size_t common_top(const void *data, size_t len)
{
	struct archive *a = open_archive(data, len);
	struct archive_entry *e;
	struct buf path = BUF_INIT, top = BUF_INIT;
	int below = 0, none = 0;
	size_t n;

	while (a && !none && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = entry_path(e, &path);
		const char *slash;
		size_t first;

		if (!p || !*p)
			continue;
		slash = strchr(p, '/');
		first = slash ? (size_t)(slash - p) : strlen(p);
		if (!slash && archive_entry_filetype(e) != AE_IFDIR)
			none = 1;	/* a file at the top */
		else if (!top.len)
			buf_append(&top, p, first);
		else if (top.len != first || memcmp(top.data, p, first))
			none = 1;
		below |= slash != NULL;
	}
	if (a)
		archive_read_free(a);
	n = none || !below ? 0 : top.len;
	buf_release(&path);
	buf_release(&top);
	return n;
}

/* Copy the data of the current entry to fd, counting *total bytes. */
static int copy_entry(struct archive *a, int fd, unsigned long long *total,
		      struct buf *message, const char *name)
{
	char chunk[65536];
	la_ssize_t n;

	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		*total += (unsigned long long)n;
		if (*total > BUILD_UNPACKED_MAX_BYTES) {
			buf_printf(message, "The archive unpacks to more than"
				   " %llu bytes.", BUILD_UNPACKED_MAX_BYTES);
			return -1;
		}
		if (fs_write_all(fd, chunk, (size_t)n)) {
			buf_printf(message, "Cannot write %s: %s", name,
				   strerror(errno));
			return -1;
		}
	}
	if (n < 0) {
		buf_printf(message, "Cannot read %s from the archive: %s", name,
			   archive_error_string(a));
		return -1;
	}
	return 0;
}

/* Write one entry at rel (already stripped and checked) under dir. */
static int write_entry(struct archive *a, struct archive_entry *e,
		       const char *dir, const char *rel,
		       unsigned long long *total, struct buf *message)
{
	struct buf path = BUF_INIT;
	char *slash;
	int fd, rc = -1;
	mode_t mode = archive_entry_perm(e) & 0111 ? 0750 : 0640;

	buf_printf(&path, "%s/%s", dir, rel);
	if (archive_entry_filetype(e) == AE_IFDIR) {
		rc = fs_mkdir_p(path.data);
		if (rc)
			buf_printf(message, "Cannot create %s: %s", rel,
				   strerror(errno));
		goto out;
	}
	slash = strrchr(path.data, '/');
	*slash = '\0';
	if (fs_mkdir_p(path.data)) {
		buf_printf(message, "Cannot create the folder of %s: %s", rel,
			   strerror(errno));
		goto out;
	}
	*slash = '/';
	fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		  O_NOFOLLOW, mode);
	if (fd < 0) {
		buf_printf(message, "Cannot write %s: %s", rel, strerror(errno));
		goto out;
	}
	rc = copy_entry(a, fd, total, message, rel);
	if (close(fd) && !rc) {
		buf_printf(message, "Cannot write %s: %s", rel, strerror(errno));
		rc = -1;
	}
out:
	buf_release(&path);
	return rc;
}

/*
 * A tar hard link: a second name for a file written earlier, with no data
 * of its own. It becomes a hard link to that file in the build, so both
 * names have the content. rel is the entry's checked path.
 */
static int write_hardlink(struct archive_entry *e, const char *dir,
			  size_t strip, const char *rel, struct buf *message)
{
	const char *target = archive_entry_hardlink(e);
	struct buf from = BUF_INIT, to = BUF_INIT;
	int rc = -1;

	while (!strncmp(target, "./", 2))
		target += 2;
	if (strlen(target) <= strip || !build_safe_path(target + strip +
							(strip ? 1 : 0))) {
		buf_printf(message, "The archive has a link to an unsafe path:"
			   " %s", archive_entry_hardlink(e));
		goto out;
	}
	buf_printf(&from, "%s/%s", dir, target + strip + (strip ? 1 : 0));
	buf_printf(&to, "%s/%s", dir, rel);
	rc = link(from.data, to.data);
	if (rc)
		buf_printf(message, "Cannot link %s to %s: %s", rel,
			   target, strerror(errno));
out:
	buf_release(&from);
	buf_release(&to);
	return rc;
}

long build_unpack_archive(const void *data, size_t len, const char *dir,
			  unsigned *skipped, struct buf *message)
{
	size_t strip = common_top(data, len);
	struct archive *a = open_archive(data, len);
	struct archive_entry *e;
	struct buf path = BUF_INIT;
	unsigned long long total = 0;
	long files = 0, entries = 0;
	int rc;

	*skipped = 0;
	if (!a) {
		buf_puts(message, "The tarballUrl archive is not a zip or tar"
			 " archive that actord can read.");
		return -1;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *p = entry_path(e, &path);
		unsigned type = archive_entry_filetype(e);

		if (++entries > BUILD_UNPACKED_MAX_ENTRIES) {
			buf_printf(message, "The archive has more than %d"
				   " entries.", BUILD_UNPACKED_MAX_ENTRIES);
			goto fail;
		}
		if (!p || strlen(p) <= strip)
			continue;	/* the top folder itself */
		p += strip ? strip + 1 : 0;
		if (!build_safe_path(p)) {
			buf_printf(message, "The archive has an entry with an"
				   " unsafe path: %s", archive_entry_pathname(e));
			goto fail;
		}
		if (archive_entry_hardlink(e)) {
			if (write_hardlink(e, dir, strip, p, message))
				goto fail;
			files++;
			continue;
		}
		if (type != AE_IFREG && type != AE_IFDIR) {
			(*skipped)++;
			continue;
		}
		if (write_entry(a, e, dir, p, &total, message))
			goto fail;
		files += type == AE_IFREG;
	}
	if (rc != ARCHIVE_EOF) {
		buf_printf(message, "The tarballUrl archive cannot be read: %s",
			   archive_error_string(a));
		goto fail;
	}
	archive_read_free(a);
	buf_release(&path);
	return files;
fail:
	archive_read_free(a);
	buf_release(&path);
	return -1;
}
