/*
 * dice.c: the comparison kernel's dispatch, its portable path, the Dice
 * score and the threshold bounds; see clk.h.
 *
 * The portable path uses __builtin_popcountll, which the compiler turns into
 * the POPCNT instruction where the build targets it and into a library call
 * elsewhere; the vector paths (dice_avx2.c, dice_avx512.c) are chosen at
 * run time. Whatever the path, only integers come out of a kernel, and the
 * one floating-point formula below turns them into scores, so the results
 * are the same bit for bit.
 */
#include "dice_int.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/log.h"

/* ---- portable ---- */

static unsigned portable_popcount(const uint64_t *a)
{
	unsigned n = 0;
	for (int i = 0; i < CLK_WORDS; i++)
		n += (unsigned)__builtin_popcountll(a[i]);
	return n;
}

static void portable_and_popcount_many(const uint64_t *a, const uint64_t *b, size_t n, uint16_t *counts)
{
	for (size_t i = 0; i < n; i++, b += CLK_WORDS) {
		unsigned c = 0;
		for (int w = 0; w < CLK_WORDS; w++)
			c += (unsigned)__builtin_popcountll(a[w] & b[w]);
		counts[i] = (uint16_t)c;
	}
}

const struct clk_kernel_ops clk_kernel_portable = {
	"portable", portable_popcount, portable_and_popcount_many,
};

/* ---- dispatch ---- */

static const struct clk_kernel_ops *kernels[] = {
	[CLK_KERNEL_PORTABLE] = &clk_kernel_portable,
	[CLK_KERNEL_AVX2] = &clk_kernel_avx2,
	[CLK_KERNEL_AVX512] = &clk_kernel_avx512,
};
static enum clk_kernel current;
static pthread_once_t chosen = PTHREAD_ONCE_INIT;

bool clk_kernel_available(enum clk_kernel k)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	switch (k) {
	case CLK_KERNEL_PORTABLE:
		return true;
	case CLK_KERNEL_AVX2:
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
	case CLK_KERNEL_AVX512:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vpopcntdq");
	}
	return false;
#else
	return k == CLK_KERNEL_PORTABLE;
#endif
}

int clk_kernel_parse(const char *name, enum clk_kernel *k)
{
	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		if (name && !strcmp(name, kernels[i]->name)) {
			*k = (enum clk_kernel)i;
			return 0;
		}
	return ERR_INVALID;
}

static void choose(void)
{
	current = clk_kernel_available(CLK_KERNEL_AVX512) ? CLK_KERNEL_AVX512
		: clk_kernel_available(CLK_KERNEL_AVX2)   ? CLK_KERNEL_AVX2
							  : CLK_KERNEL_PORTABLE;
	const char *want = getenv("IHALA_CLK_KERNEL");
	enum clk_kernel k;
	if (!want || !*want)
		return;
	if (clk_kernel_parse(want, &k) < 0 || !clk_kernel_available(k))
		log_warn("IHALA_CLK_KERNEL names no kernel this CPU runs; using the best one", "kernel=%s",
			 kernels[current]->name);
	else
		current = k;
}

static const struct clk_kernel_ops *ops(void)
{
	pthread_once(&chosen, choose);
	return kernels[current];
}

enum clk_kernel clk_kernel_current(void)
{
	pthread_once(&chosen, choose);
	return current;
}

const char *clk_kernel_name(void)
{
	return ops()->name;
}

int clk_kernel_force(enum clk_kernel k)
{
	pthread_once(&chosen, choose);
	if ((unsigned)k >= sizeof(kernels) / sizeof(kernels[0]) || !clk_kernel_available(k))
		return ERR_INVALID;
	current = k;
	return 0;
}

unsigned clk_popcount(const uint64_t a[CLK_WORDS])
{
	return ops()->popcount(a);
}

unsigned clk_and_popcount(const uint64_t a[CLK_WORDS], const uint64_t b[CLK_WORDS])
{
	uint16_t c;
	ops()->and_popcount_many(a, b, 1, &c);
	return c;
}

void clk_and_popcount_many(const uint64_t a[CLK_WORDS], const uint64_t *b, size_t n, uint16_t *counts)
{
	if (n)
		ops()->and_popcount_many(a, b, n, counts);
}

/* ---- scores and bounds ---- */

double clk_dice_counts(unsigned both, unsigned pop_a, unsigned pop_b)
{
	unsigned sum = pop_a + pop_b;
	if (sum == 0)
		return 0.0;
	return (2.0 * (double)both) / (double)sum;
}

double clk_dice(const uint64_t a[CLK_WORDS], const uint64_t b[CLK_WORDS])
{
	const struct clk_kernel_ops *k = ops();
	uint16_t both;
	k->and_popcount_many(a, b, 1, &both);
	return clk_dice_counts(both, k->popcount(a), k->popcount(b));
}

int clk_threshold_init(struct clk_threshold *th, double t)
{
	if (!(t > 0.0 && t <= 1.0))   /* also refuses NaN */
		return ERR_INVALID;
	th->t = t;
	/* need[s]: the least c in 0..s/2 that passes; the score grows with c, so bisect. */
	th->need[0] = CLK_NEVER;
	for (unsigned s = 1; s <= 2 * CLK_BITS; s++) {
		unsigned lo = 0, hi = s / 2 + 1;   /* the answer is in [lo, hi); hi: none */
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (clk_dice_counts(mid, s, 0) >= t)
				hi = mid;
			else
				lo = mid + 1;
		}
		th->need[s] = lo <= s / 2 ? (uint16_t)lo : CLK_NEVER;
	}
	/* at_least[s]: the least need from s on (a suffix minimum; need itself dips after a CLK_NEVER). */
	th->at_least[2 * CLK_BITS] = th->need[2 * CLK_BITS];
	for (int s = 2 * CLK_BITS - 1; s >= 0; s--)
		th->at_least[s] = th->need[s] < th->at_least[s + 1] ? th->need[s] : th->at_least[s + 1];
	/* lo[p]..hi[p]: the popcounts q with min(p, q) >= need[p + q]. */
	for (unsigned p = 0; p <= CLK_BITS; p++) {
		int first = -1, last = -1;
		for (unsigned q = 0; q <= CLK_BITS; q++) {
			unsigned m = p < q ? p : q, need = th->need[p + q];
			if (need != CLK_NEVER && m >= need) {
				if (first < 0)
					first = (int)q;
				last = (int)q;
			}
		}
		if (first < 0) {
			th->lo[p] = 1;
			th->hi[p] = 0;
		} else {
			th->lo[p] = (uint16_t)first;
			th->hi[p] = (uint16_t)last;
		}
	}
	return 0;
}

size_t clk_dice_batch(const uint64_t a[CLK_WORDS], unsigned pop_a, const uint64_t *b, const uint16_t *pop_b,
		      size_t n, const struct clk_threshold *th, uint32_t *hits, uint16_t *hit_counts,
		      size_t *compared)
{
	enum { RUN = 256 };
	const struct clk_kernel_ops *k = ops();
	unsigned lo = th->lo[pop_a], hi = th->hi[pop_a];
	uint16_t counts[RUN];
	size_t n_hits = 0, n_compared = 0, i = 0;
	assert(pop_a <= CLK_BITS);
	while (i < n) {
		if (pop_b[i] < lo || pop_b[i] > hi) {
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < n && j - i < RUN && pop_b[j] >= lo && pop_b[j] <= hi)
			j++;
		k->and_popcount_many(a, b + i * CLK_WORDS, j - i, counts);
		n_compared += j - i;
		for (size_t x = 0; x < j - i; x++) {
			if (counts[x] >= th->need[pop_a + pop_b[i + x]]) {
				hits[n_hits] = (uint32_t)(i + x);
				hit_counts[n_hits++] = counts[x];
			}
		}
		i = j;
	}
	if (compared)
		*compared = n_compared;
	return n_hits;
}
