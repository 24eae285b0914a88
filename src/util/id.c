/*
 * Random ids and tokens; see id.h.
 */
#include "util/id.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

void id_random(char *out, int len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char bytes[64];
	int i = 0;

	while (i < len) {
		ssize_t got = getrandom(bytes, sizeof(bytes), 0);
		ssize_t j;

		if (got <= 0) {
			perror("actord: getrandom");
			abort();
		}
		/* 248 = 62 * 4: reject the top bytes so every letter is equally likely. */
		for (j = 0; j < got && i < len; j++)
			if (bytes[j] < 248)
				out[i++] = alphabet[bytes[j] % 62];
	}
	out[len] = '\0';
}

void id_new(char out[ID_SIZE])
{
	id_random(out, ID_LEN);
}
