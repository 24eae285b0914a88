/*
 * Wall-clock time in milliseconds since the Unix epoch, and its ISO 8601
 * form with milliseconds in UTC ("2026-12-04T19:56:11.123Z"), the form
 * every timestamp in the Apify API takes.
 */
#ifndef ACTORD_UTIL_TIMEUTIL_H
#define ACTORD_UTIL_TIMEUTIL_H

#include <stdint.h>

#define TIME_ISO_LEN 32	/* buffer size; the text itself is 24 bytes */

int64_t time_now_ms(void);
/* Milliseconds from CLOCK_MONOTONIC, for deadlines. */
int64_t time_mono_ms(void);
void time_format_iso(int64_t ms, char out[TIME_ISO_LEN]);

#endif
