/*
 * Byte search eight bytes at a time in a 64-bit word ("SIMD within a
 * register"), for the scanning loops of the JSON parser and the export
 * writers. A mask has the high bit set in each byte that matches. The
 * formulas can also flag a byte after a real match, but never one before
 * it, so swar_first() of a nonzero mask is exact.
 */
#ifndef ACTORD_UTIL_SWAR_H
#define ACTORD_UTIL_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SWAR_ONES UINT64_C(0x0101010101010101)
#define SWAR_HIGHS (SWAR_ONES * 0x80)

/* The 8 bytes at p, the first one in the lowest bits on any CPU. */
static inline uint64_t swar_load(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* Bytes of w equal to c. */
static inline uint64_t swar_eq(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (SWAR_ONES * c);

	return (x - SWAR_ONES) & ~x & SWAR_HIGHS;
}

/* Bytes of w below c, for c at most 0x80. */
static inline uint64_t swar_below(uint64_t w, unsigned char c)
{
	return (w - SWAR_ONES * c) & ~w & SWAR_HIGHS;
}

/* Index (0 to 7) of the first byte a nonzero mask flags. */
static inline size_t swar_first(uint64_t mask)
{
	return (size_t)__builtin_ctzll(mask) / 8;
}

#endif
