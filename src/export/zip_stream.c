/*
 * The streaming zip writer; see zip_stream.h. The records (local file
 * header, data descriptor, central directory header, end of central
 * directory) are those of the zip format, PKWARE's APPNOTE.TXT, and every
 * number in them is little-endian.
 */
#include "export/zip_stream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#define LOCAL_HEADER_SIGNATURE 0x04034b50u
#define DESCRIPTOR_SIGNATURE 0x08074b50u
#define CENTRAL_HEADER_SIGNATURE 0x02014b50u
#define END_SIGNATURE 0x06054b50u

#define VERSION_NEEDED 20		/* 2.0: deflate, data descriptors */
#define FLAG_DESCRIPTOR 0x0008u		/* CRC and sizes follow the data */
#define METHOD_STORED 0
#define METHOD_DEFLATED 8

/* Sizes and offsets are 32-bit without ZIP64. */
#define ZIP32_MAX UINT64_C(0xffffffff)

/* Deflate output is appended in steps of this many bytes. */
#define DEFLATE_STEP (64 * 1024)

struct zip_entry {
	char *name;
	uint32_t crc;
	uint64_t compressed, uncompressed;
	uint64_t offset;		/* of its local header */
	uint16_t method, flags;
};

struct zip_stream {
	struct zip_entry *entries;
	size_t count, cap;
	uint64_t written;		/* bytes of the archive so far */
	uint16_t dos_time, dos_date;	/* of every entry: creation time */
	z_stream deflate;
	int deflating;			/* deflate is initialized */
	int failed;
};

static void put16(struct buf *out, unsigned v)
{
	unsigned char b[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	buf_append(out, b, 2);
}

static void put32(struct buf *out, uint64_t v)
{
	unsigned char b[4] = {
		(unsigned char)v, (unsigned char)(v >> 8),
		(unsigned char)(v >> 16), (unsigned char)(v >> 24),
	};

	buf_append(out, b, 4);
}

/* MS-DOS date and time fields of now (UTC), as zip entries keep them. */
static void dos_now(uint16_t *dos_time, uint16_t *dos_date)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || tm.tm_year < 80) {
		*dos_time = 0;
		*dos_date = (0 << 9) | (1 << 5) | 1;	/* 1980-01-01 */
		return;
	}
	*dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 |
			       tm.tm_sec / 2);
	*dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
			       tm.tm_mday);
}

struct zip_stream *zip_stream_new(void)
{
	struct zip_stream *z = xcalloc(1, sizeof(*z));

	dos_now(&z->dos_time, &z->dos_date);
	return z;
}

void zip_stream_free(struct zip_stream *z)
{
	size_t i;

	if (!z)
		return;
	if (z->deflating)
		deflateEnd(&z->deflate);
	for (i = 0; i < z->count; i++)
		free(z->entries[i].name);
	free(z->entries);
	free(z);
}

/* Start an entry: record it and append its local file header. */
static struct zip_entry *begin_entry(struct zip_stream *z, struct buf *out,
				     const char *name, uint16_t method,
				     uint16_t flags, uint32_t crc,
				     uint64_t size)
{
	struct zip_entry *e;
	size_t name_len = strlen(name);
	uint32_t header_size = flags & FLAG_DESCRIPTOR ? 0 : (uint32_t)size;

	if (z->count == z->cap) {
		z->cap = z->cap ? 2 * z->cap : 8;
		z->entries = xrealloc(z->entries, z->cap * sizeof(*z->entries));
	}
	e = &z->entries[z->count++];
	e->name = xstrdup(name);
	e->crc = crc;
	e->compressed = size;
	e->uncompressed = size;
	e->offset = z->written;
	e->method = method;
	e->flags = flags;

	put32(out, LOCAL_HEADER_SIGNATURE);
	put16(out, VERSION_NEEDED);
	put16(out, flags);
	put16(out, method);
	put16(out, z->dos_time);
	put16(out, z->dos_date);
	put32(out, flags & FLAG_DESCRIPTOR ? 0 : crc);
	put32(out, header_size);
	put32(out, header_size);
	put16(out, (unsigned)name_len);
	put16(out, 0);
	buf_append(out, name, name_len);
	z->written += 30 + name_len;
	return e;
}

int zip_store(struct zip_stream *z, struct buf *out, const char *name,
	      const void *data, size_t len)
{
	uint32_t crc = (uint32_t)crc32_z(0, data, len);

	if (z->failed || z->deflating || z->written + len + 1024 > ZIP32_MAX)
		return -1;
	begin_entry(z, out, name, METHOD_STORED, 0, crc, len);
	buf_append(out, data, len);
	z->written += len;
	return 0;
}

int zip_deflate_begin(struct zip_stream *z, struct buf *out,
		      const char *name, int level)
{
	if (z->failed || z->deflating)
		return -1;
	memset(&z->deflate, 0, sizeof(z->deflate));
	/* Negative window bits: a raw deflate stream, as zip entries hold. */
	if (deflateInit2(&z->deflate, level, Z_DEFLATED, -15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		z->failed = 1;
		return -1;
	}
	z->deflating = 1;
	begin_entry(z, out, name, METHOD_DEFLATED, FLAG_DESCRIPTOR, 0, 0);
	return 0;
}

/* Run deflate() with flush over the pending input, appending to out. */
static int run_deflate(struct zip_stream *z, struct buf *out, int flush)
{
	struct zip_entry *e = &z->entries[z->count - 1];
	size_t room, produced;
	int rc;

	do {
		buf_grow(out, DEFLATE_STEP);
		room = out->cap - out->len - 1;
		z->deflate.next_out = (Bytef *)out->data + out->len;
		z->deflate.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX :
					      room);
		room = z->deflate.avail_out;
		rc = deflate(&z->deflate, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
		produced = room - z->deflate.avail_out;
		out->len += produced;
		out->data[out->len] = '\0';
		e->compressed += produced;
		z->written += produced;
	} while (z->deflate.avail_out == 0 ||
		 (flush == Z_FINISH && rc != Z_STREAM_END));
	return z->written > ZIP32_MAX ? -1 : 0;
}

int zip_deflate_write(struct zip_stream *z, struct buf *out,
		      const void *data, size_t len)
{
	struct zip_entry *e;

	if (z->failed || !z->deflating)
		return -1;
	e = &z->entries[z->count - 1];
	e->uncompressed += len;
	if (e->uncompressed > ZIP32_MAX) {
		z->failed = 1;
		return -1;
	}
	e->crc = (uint32_t)crc32_z(e->crc, data, len);
	z->deflate.next_in = (Bytef *)data;
	z->deflate.avail_in = (uInt)len;
	if (len > UINT32_MAX || run_deflate(z, out, Z_NO_FLUSH)) {
		z->failed = 1;
		return -1;
	}
	return 0;
}

int zip_deflate_end(struct zip_stream *z, struct buf *out)
{
	struct zip_entry *e;

	if (z->failed || !z->deflating)
		return -1;
	e = &z->entries[z->count - 1];
	z->deflate.next_in = NULL;
	z->deflate.avail_in = 0;
	if (run_deflate(z, out, Z_FINISH)) {
		z->failed = 1;
		return -1;
	}
	deflateEnd(&z->deflate);
	z->deflating = 0;

	put32(out, DESCRIPTOR_SIGNATURE);
	put32(out, e->crc);
	put32(out, e->compressed);
	put32(out, e->uncompressed);
	z->written += 16;
	return 0;
}

int zip_finish(struct zip_stream *z, struct buf *out)
{
	uint64_t start = z->written;
	struct zip_entry *e;
	size_t i, name_len;

	if (z->failed || z->deflating)
		return -1;
	for (i = 0; i < z->count; i++) {
		e = &z->entries[i];
		name_len = strlen(e->name);
		put32(out, CENTRAL_HEADER_SIGNATURE);
		put16(out, VERSION_NEEDED);	/* made by: MS-DOS, 2.0 */
		put16(out, VERSION_NEEDED);
		put16(out, e->flags);
		put16(out, e->method);
		put16(out, z->dos_time);
		put16(out, z->dos_date);
		put32(out, e->crc);
		put32(out, e->compressed);
		put32(out, e->uncompressed);
		put16(out, (unsigned)name_len);
		put16(out, 0);		/* extra field length */
		put16(out, 0);		/* comment length */
		put16(out, 0);		/* disk number */
		put16(out, 0);		/* internal attributes */
		put32(out, 0);		/* external attributes */
		put32(out, e->offset);
		buf_append(out, e->name, name_len);
		z->written += 46 + name_len;
	}
	if (z->written > ZIP32_MAX || z->count > 0xffff)
		return -1;

	put32(out, END_SIGNATURE);
	put16(out, 0);			/* this disk */
	put16(out, 0);			/* disk with the central directory */
	put16(out, (unsigned)z->count);
	put16(out, (unsigned)z->count);
	put32(out, z->written - start);
	put32(out, start);
	put16(out, 0);			/* comment length */
	z->written += 22;
	return 0;
}
