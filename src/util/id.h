/*
 * Resource ids: 17 characters from [A-Za-z0-9], as on the Apify platform,
 * drawn from getrandom(2) so they cannot be guessed (a run id alone grants
 * read access to the run).
 */
#ifndef ACTORD_UTIL_ID_H
#define ACTORD_UTIL_ID_H

#define ID_LEN 17
#define ID_SIZE (ID_LEN + 1)

void id_new(char out[ID_SIZE]);
/* A random token of len characters from the same alphabet, NUL-terminated. */
void id_random(char *out, int len);

#endif
