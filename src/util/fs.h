/*
 * Small file helpers: whole-file read and write, and mkdir -p.
 */
#ifndef ACTORD_UTIL_FS_H
#define ACTORD_UTIL_FS_H

#include "util/buf.h"

/* Read a whole file into out (appended). -1 with errno set on failure. */
int fs_read_file(const char *path, struct buf *out);
/* Write data to path, creating parent directories; mode for the file. */
int fs_write_file(const char *path, const void *data, size_t len, int mode);
/* Write all len bytes to fd, retrying short writes and EINTR. -1 with
 * errno set on failure. */
int fs_write_all(int fd, const void *data, size_t len);
/* Create dir and its parents (mode 0750); existing ones are fine. */
int fs_mkdir_p(const char *dir);
/*
 * Remove dir and everything below it, not following symbolic links. A
 * missing dir is fine. -1 with errno set on the first failure.
 */
int fs_remove_tree(const char *dir);
/* 1 if path exists as a regular file. */
int fs_is_file(const char *path);

#endif
