/*
 * The source of a TARBALL actor version: a zip or tar archive (tar may be
 * gzip-, bzip2- or xz-compressed) at tarballUrl, unpacked into the build
 * directory. The Apify CLI's `apify push` sends sources over 3 MB this
 * way: it stores a zip in a key-value store and gives the record's URL,
 * which actord reads from its own store rather than over HTTP.
 */
#ifndef ACTORD_RUNNER_BUILD_SOURCE_H
#define ACTORD_RUNNER_BUILD_SOURCE_H

#include <stddef.h>

#include "store/store.h"
#include "util/buf.h"

/* Largest archive downloaded from another server, in bytes. */
#define BUILD_TARBALL_MAX_BYTES (256u << 20)
/* Time limit of that download, in seconds. */
#define BUILD_TARBALL_TIMEOUT_SECS 300
/* Largest total of unpacked files, in bytes, and most entries. */
#define BUILD_UNPACKED_MAX_BYTES (2ull << 30)
#define BUILD_UNPACKED_MAX_ENTRIES 200000

/* 1 when name is a relative path with no "..", "." or empty parts. */
int build_safe_path(const char *name);

/*
 * Read the archive at url into out. A URL of a record of actord's own
 * key-value stores is read from st: its path is
 * /v2/key-value-stores/ID/records/KEY, and its host is the API's or a
 * loopback one. The store must belong to user_id. A record kept
 * compressed is decoded. Any other http
 * or https URL is downloaded, following up to 5 redirects; the download
 * stops as soon as cancelled(ctx) returns non-zero (cancelled may be
 * NULL). Returns 0, -1 with the reason appended to message, or -2 when
 * cancelled.
 */
int build_fetch_archive(struct store *st, const char *user_id,
			const char *api_base_url, const char *url,
			int (*cancelled)(void *ctx), void *ctx,
			struct buf *out, struct buf *message);

/*
 * Unpack the archive of len bytes into dir (which exists). When every
 * entry is inside one top folder, as in the archives GitHub serves, that
 * folder is left out. Regular files, folders and hard links between the
 * archive's files are written; other entries (symbolic links, devices)
 * are skipped and counted in *skipped. Returns the number of files
 * written, or -1 with the reason appended to message: an archive
 * libarchive cannot read, an unsafe path, or past the limits.
 */
long build_unpack_archive(const void *data, size_t len, const char *dir,
			  unsigned *skipped, struct buf *message);

#endif
