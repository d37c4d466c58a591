/*
 * dice_avx512.c: the AVX-512 comparison kernel (AVX-512F, AVX-512BW and
 * VPOPCNTDQ), compiled for those instructions alone through target
 * attributes; dice.c calls it only on a CPU that has them.
 *
 * A filter is two 512-bit registers. For each filter b: AND with a, count
 * the bits of each 64-bit lane (VPOPCNTQ), add the two halves: eight lanes
 * of at most 128. Four filters are reduced together: their lane vectors are
 * packed into the four 16-bit fields of each lane (no field can carry into
 * the next: a whole filter's count is at most 1024), then the eight lanes
 * are summed with three shuffles and adds, and one 64-bit value holds the
 * four counts.
 */
#include "dice_int.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define AVX512_TARGET __attribute__((target("avx512f,avx512vpopcntdq,avx512bw")))

AVX512_TARGET static inline __m512i lanes(__m512i a0, __m512i a1, const uint64_t *b)
{
	__m512i x = _mm512_popcnt_epi64(_mm512_and_si512(a0, _mm512_loadu_si512((const void *)b)));
	__m512i y = _mm512_popcnt_epi64(_mm512_and_si512(a1, _mm512_loadu_si512((const void *)(b + 8))));
	return _mm512_add_epi64(x, y);
}

AVX512_TARGET static unsigned avx512_popcount(const uint64_t *a)
{
	__m512i x = _mm512_popcnt_epi64(_mm512_loadu_si512((const void *)a));
	__m512i y = _mm512_popcnt_epi64(_mm512_loadu_si512((const void *)(a + 8)));
	return (unsigned)_mm512_reduce_add_epi64(_mm512_add_epi64(x, y));
}

AVX512_TARGET static void avx512_and_popcount_many(const uint64_t *a, const uint64_t *b, size_t n,
						  uint16_t *counts)
{
	const __m512i a0 = _mm512_loadu_si512((const void *)a);
	const __m512i a1 = _mm512_loadu_si512((const void *)(a + 8));
	size_t i = 0;
	for (; i + 4 <= n; i += 4, b += 4 * CLK_WORDS) {
		__m512i x0 = lanes(a0, a1, b);
		__m512i x1 = lanes(a0, a1, b + CLK_WORDS);
		__m512i x2 = lanes(a0, a1, b + 2 * CLK_WORDS);
		__m512i x3 = lanes(a0, a1, b + 3 * CLK_WORDS);
		__m512i packed = _mm512_or_si512(_mm512_or_si512(x0, _mm512_slli_epi64(x1, 16)),
						 _mm512_or_si512(_mm512_slli_epi64(x2, 32), _mm512_slli_epi64(x3, 48)));
		__m256i s = _mm256_add_epi64(_mm512_castsi512_si256(packed), _mm512_extracti64x4_epi64(packed, 1));
		__m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
		t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
		uint64_t four = (uint64_t)_mm_cvtsi128_si64(t);
		counts[i] = (uint16_t)four;
		counts[i + 1] = (uint16_t)(four >> 16);
		counts[i + 2] = (uint16_t)(four >> 32);
		counts[i + 3] = (uint16_t)(four >> 48);
	}
	for (; i < n; i++, b += CLK_WORDS)
		counts[i] = (uint16_t)_mm512_reduce_add_epi64(lanes(a0, a1, b));
}

const struct clk_kernel_ops clk_kernel_avx512 = {
	"avx512", avx512_popcount, avx512_and_popcount_many,
};

#else

/* Not an x86-64 build: never chosen (clk_kernel_available says no); the portable path stands in. */
const struct clk_kernel_ops clk_kernel_avx512 = {
	"avx512", NULL, NULL,
};

#endif
