/*
 * Unit tests for src/export/zip_stream.c: archives written through it are
 * read back by python3's zipfile, which checks every CRC and size, and by
 * the entry list in their central directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "export/zip_stream.h"
#include "util/buf.h"

/* Print each entry as "name method size crc32-of-content". */
static const char LIST_PY[] =
	"import sys, zipfile, zlib\n"
	"z = zipfile.ZipFile(sys.argv[1])\n"
	"assert z.testzip() is None\n"
	"for i in z.infolist():\n"
	"    data = z.read(i)\n"
	"    print(i.filename, i.compress_type, len(data),\n"
	"          '%08x' % zlib.crc32(data))\n";

/* Write archive to a temporary file and return what LIST_PY prints. */
static char *list_archive(const struct buf *archive)
{
	char dir[] = "/tmp/test_zip_stream.XXXXXX";
	char zip[64], py[64], txt[64], cmd[256];
	struct buf result = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(zip, sizeof(zip), "%s/a.zip", dir);
	snprintf(py, sizeof(py), "%s/list.py", dir);
	snprintf(txt, sizeof(txt), "%s/out.txt", dir);

	f = fopen(zip, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(archive->data, 1, archive->len, f),
			 archive->len);
	assert_int_equal(fclose(f), 0);
	f = fopen(py, "w");
	assert_non_null(f);
	fputs(LIST_PY, f);
	assert_int_equal(fclose(f), 0);

	snprintf(cmd, sizeof(cmd), "python3 %s %s > %s", py, zip, txt);
	if (system(cmd) != 0)
		fail_msg("python3's zipfile cannot read %s", zip);
	f = fopen(txt, "rb");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&result, chunk, n);
	fclose(f);

	unlink(zip);
	unlink(py);
	unlink(txt);
	rmdir(dir);
	buf_append(&result, "", 0);
	return buf_detach(&result, NULL);
}

static void test_zip_stream_entries(void **state)
{
	struct zip_stream *z = zip_stream_new();
	struct buf archive = BUF_INIT, big = BUF_INIT, expected = BUF_INIT;
	uint32_t x = 1;
	size_t i;
	char *listing;

	(void)state;
	/* 3 MB that compress poorly, written in uneven pieces. */
	for (i = 0; i < 3000000; i++) {
		x = x * 1103515245u + 12345u;
		buf_putc(&big, (char)(x >> 24));
	}

	assert_int_equal(zip_store(z, &archive, "a.txt", "hello", 5), 0);
	assert_int_equal(zip_store(z, &archive, "dir/empty", "", 0), 0);
	assert_int_equal(zip_deflate_begin(z, &archive, "big.bin", 1), 0);
	for (i = 0; i < big.len; i += 7777) {
		size_t n = big.len - i < 7777 ? big.len - i : 7777;

		assert_int_equal(zip_deflate_write(z, &archive, big.data + i,
						   n), 0);
	}
	assert_int_equal(zip_deflate_end(z, &archive), 0);
	assert_int_equal(zip_deflate_begin(z, &archive, "none.txt", 6), 0);
	assert_int_equal(zip_deflate_end(z, &archive), 0);
	assert_int_equal(zip_finish(z, &archive), 0);
	zip_stream_free(z);

	buf_printf(&expected, "a.txt 0 5 %08lx\n",
		   crc32(0, (const Bytef *)"hello", 5));
	buf_puts(&expected, "dir/empty 0 0 00000000\n");
	buf_printf(&expected, "big.bin 8 3000000 %08lx\n",
		   crc32(0, (const Bytef *)big.data, (uInt)big.len));
	buf_puts(&expected, "none.txt 8 0 00000000\n");
	listing = list_archive(&archive);
	assert_string_equal(listing, expected.data);

	free(listing);
	buf_release(&archive);
	buf_release(&big);
	buf_release(&expected);
}

/* Calls out of order fail and leave the stream to be freed. */
static void test_zip_stream_misuse(void **state)
{
	struct zip_stream *z = zip_stream_new();
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(zip_deflate_write(z, &out, "x", 1), -1);
	assert_int_equal(zip_deflate_end(z, &out), -1);
	assert_int_equal(zip_deflate_begin(z, &out, "a", 99), -1);
	zip_stream_free(z);

	z = zip_stream_new();
	assert_int_equal(zip_deflate_begin(z, &out, "a", 1), 0);
	assert_int_equal(zip_store(z, &out, "b", "x", 1), -1);
	assert_int_equal(zip_finish(z, &out), -1);
	zip_stream_free(z);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zip_stream_entries),
		cmocka_unit_test(test_zip_stream_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
