/*
 * A zip archive written front to back into a buffer that the caller sends
 * as it fills, for the xlsx export (write_xlsx.c). Small entries are
 * stored whole. One entry at a time can be deflated as its data arrives,
 * with its CRC and sizes in a data descriptor after the data (general
 * purpose flag bit 3 of PKWARE's APPNOTE.TXT), so nothing written is ever
 * changed. There are no ZIP64 records, so an entry or an archive past
 * 4 GiB - 1 bytes is an error. Usage:
 *
 *   zip_store(z, out, "a.xml", data, len);
 *   zip_deflate_begin(z, out, "big.xml", Z_DEFAULT_COMPRESSION);
 *   zip_deflate_write(z, out, chunk, len);   (as often as needed)
 *   zip_deflate_end(z, out);
 *   zip_finish(z, out);                       (central directory)
 */
#ifndef ACTORD_EXPORT_ZIP_STREAM_H
#define ACTORD_EXPORT_ZIP_STREAM_H

#include <stddef.h>

#include "util/buf.h"

struct zip_stream;

struct zip_stream *zip_stream_new(void);
/* Free z, an archive finished or not. */
void zip_stream_free(struct zip_stream *z);

/*
 * Append a stored (uncompressed) entry named name holding len bytes of
 * data. Returns 0, or -1 when the archive would pass 4 GiB.
 */
int zip_store(struct zip_stream *z, struct buf *out, const char *name,
	      const void *data, size_t len);

/*
 * Start a deflated entry; its data then goes through
 * zip_deflate_write() and ends with zip_deflate_end(). level is zlib's
 * (0 to 9, or Z_DEFAULT_COMPRESSION). Each returns 0, or -1 on a zlib
 * error or an entry past 4 GiB, after which z only accepts
 * zip_stream_free().
 */
int zip_deflate_begin(struct zip_stream *z, struct buf *out,
		      const char *name, int level);
int zip_deflate_write(struct zip_stream *z, struct buf *out,
		      const void *data, size_t len);
int zip_deflate_end(struct zip_stream *z, struct buf *out);

/* Append the central directory and its end record. Returns 0 or -1. */
int zip_finish(struct zip_stream *z, struct buf *out);

#endif
