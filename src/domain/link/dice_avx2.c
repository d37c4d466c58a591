/*
 * dice_avx2.c: the AVX2 comparison kernel (AVX2 and POPCNT), compiled for
 * those instructions alone through target attributes; dice.c calls it only
 * on a CPU that has them.
 *
 * AVX2 has no vector popcount. The vector units count bits with a 16-entry
 * table held in a register (VPSHUFB looks up the count of each half byte)
 * and VPSADBW; the integer units have the POPCNT instruction. The two use
 * different execution ports, so each filter is split: words 0..7 are
 * counted with POPCNT, words 8..15 (two 256-bit registers) with the table,
 * and the two run side by side. Measured on the reference machine this is
 * about 15 % faster than POPCNT alone and twice the table alone. Four
 * filters' vector halves are reduced together: each one's four 64-bit lanes
 * (at most 128 each) packed into a 16-bit field, the lanes summed, one
 * 64-bit value holding the four partial counts.
 */
#include "dice_int.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2,popcnt")))

AVX2_TARGET static inline __m256i nibble_counts(__m256i v)
{
	const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
					       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	const __m256i low = _mm256_set1_epi8(0x0f);
	__m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low));
	__m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
	return _mm256_add_epi8(lo, hi);
}

/* The four 64-bit lanes of the count of words 8..15 of a & b. */
AVX2_TARGET static inline __m256i high_lanes(__m256i a2, __m256i a3, const uint64_t *b)
{
	__m256i x = nibble_counts(_mm256_and_si256(a2, _mm256_loadu_si256((const __m256i *)(b + 8))));
	__m256i y = nibble_counts(_mm256_and_si256(a3, _mm256_loadu_si256((const __m256i *)(b + 12))));
	return _mm256_sad_epu8(_mm256_add_epi8(x, y), _mm256_setzero_si256());
}

/* The count of words 0..7 of a & b. */
AVX2_TARGET static inline unsigned low_count(const uint64_t a[8], const uint64_t *b)
{
	unsigned s0 = (unsigned)(__builtin_popcountll(a[0] & b[0]) + __builtin_popcountll(a[1] & b[1]));
	unsigned s1 = (unsigned)(__builtin_popcountll(a[2] & b[2]) + __builtin_popcountll(a[3] & b[3]));
	unsigned s2 = (unsigned)(__builtin_popcountll(a[4] & b[4]) + __builtin_popcountll(a[5] & b[5]));
	unsigned s3 = (unsigned)(__builtin_popcountll(a[6] & b[6]) + __builtin_popcountll(a[7] & b[7]));
	return s0 + s1 + s2 + s3;
}

AVX2_TARGET static inline uint64_t hsum(__m256i v)
{
	__m128i t = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
	return (uint64_t)_mm_cvtsi128_si64(t);
}

AVX2_TARGET static unsigned avx2_popcount(const uint64_t *a)
{
	unsigned n = 0;
	for (int i = 0; i < CLK_WORDS; i++)
		n += (unsigned)__builtin_popcountll(a[i]);
	return n;
}

AVX2_TARGET static void avx2_and_popcount_many(const uint64_t *a, const uint64_t *b, size_t n, uint16_t *counts)
{
	uint64_t lo[8];
	for (int w = 0; w < 8; w++)
		lo[w] = a[w];
	const __m256i a2 = _mm256_loadu_si256((const __m256i *)(a + 8));
	const __m256i a3 = _mm256_loadu_si256((const __m256i *)(a + 12));
	size_t i = 0;
	for (; i + 4 <= n; i += 4, b += 4 * CLK_WORDS) {
		unsigned s0 = low_count(lo, b), s1 = low_count(lo, b + CLK_WORDS);
		unsigned s2 = low_count(lo, b + 2 * CLK_WORDS), s3 = low_count(lo, b + 3 * CLK_WORDS);
		__m256i x0 = high_lanes(a2, a3, b);
		__m256i x1 = high_lanes(a2, a3, b + CLK_WORDS);
		__m256i x2 = high_lanes(a2, a3, b + 2 * CLK_WORDS);
		__m256i x3 = high_lanes(a2, a3, b + 3 * CLK_WORDS);
		__m256i packed = _mm256_or_si256(_mm256_or_si256(x0, _mm256_slli_epi64(x1, 16)),
						 _mm256_or_si256(_mm256_slli_epi64(x2, 32), _mm256_slli_epi64(x3, 48)));
		uint64_t four = hsum(packed);
		counts[i] = (uint16_t)(s0 + (unsigned)(four & 0xFFFF));
		counts[i + 1] = (uint16_t)(s1 + (unsigned)((four >> 16) & 0xFFFF));
		counts[i + 2] = (uint16_t)(s2 + (unsigned)((four >> 32) & 0xFFFF));
		counts[i + 3] = (uint16_t)(s3 + (unsigned)(four >> 48));
	}
	for (; i < n; i++, b += CLK_WORDS)
		counts[i] = (uint16_t)(low_count(lo, b) + hsum(high_lanes(a2, a3, b)));
}

const struct clk_kernel_ops clk_kernel_avx2 = {
	"avx2", avx2_popcount, avx2_and_popcount_many,
};

#else

/* Not an x86-64 build: never chosen (clk_kernel_available says no). */
const struct clk_kernel_ops clk_kernel_avx2 = {
	"avx2", NULL, NULL,
};

#endif
