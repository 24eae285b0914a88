/* Request ids from unique keys; see request_id.h for the derivation. */
#include "util/request_id.h"

#include <stdint.h>

#include "util/base64.h"
#include "util/sha256.h"

void request_id_from_key(const char *unique_key, size_t len,
			 char out[REQUEST_ID_SIZE])
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct buf b64 = BUF_INIT;
	size_t i, n = 0;

	sha256(unique_key, len, digest);
	base64_encode(digest, sizeof(digest), &b64);
	/* A digest whose 44 Base64 characters contain more than 29 of '+'
	 * and '/' gives a shorter id, as on the platform. */
	for (i = 0; i < b64.len && n < REQUEST_ID_LEN; i++)
		if (b64.data[i] != '+' && b64.data[i] != '/' &&
		    b64.data[i] != '=')
			out[n++] = b64.data[i];
	out[n] = '\0';
	buf_release(&b64);
}
