/*
 * link_bench.c: the figures of bench/link.sh (CLK linkage, issue 6), built by
 * that script against build/release/libihala.a. Prints key=value lines.
 *
 *   link_bench kernel SECONDS
 *	Dice comparisons per second on one thread, for every kernel this CPU
 *	runs: one filter against 2048 others (256 KiB, held in the L2 cache)
 *	over and over, through clk_and_popcount_many, SECONDS each.
 *	kernel_<name>_mps=<millions per second>, kernel_default=<name>.
 *
 *   link_bench match NA NB THREADS
 *	clk_match of NA x NB random-ish encodings at the default threshold
 *	(0.75) on THREADS threads with the default kernel. The filters have the
 *	popcounts of real CLKs of the default fields (uniform 150..330 bits,
 *	which the popcount bound hardly prunes at 0.75: the figure is close to
 *	the all-pairs worst case); one record of b in ten is a copy of a record
 *	of a with about 4 % of its popcount in bits flipped, so there are real pairs
 *	to find. match_s (wall time of clk_match), match_compared, match_pairs,
 *	match_found (planted pairs found), match_mps_per_thread.
 *
 *   link_bench encode N
 *	clk_encode of N synthetic persons (default fields) on one thread:
 *	encode_per_s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/link/clk.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void random_filter(uint64_t f[CLK_WORDS], unsigned bits)
{
	memset(f, 0, CLK_BYTES);
	for (unsigned i = 0; i < bits; i++) {
		unsigned pos = (unsigned)(next_random() % CLK_BITS);
		f[pos / 64] |= (uint64_t)1 << (pos % 64);
	}
}

static int bench_kernel(double seconds)
{
	enum { N = 2048 };
	static const char *const names[] = { "portable", "avx2", "avx512" };
	uint64_t *b = aligned_alloc(64, (size_t)N * CLK_BYTES), a[CLK_WORDS];
	uint16_t *counts = malloc(N * sizeof(*counts));
	if (!b || !counts)
		return 1;
	for (int i = 0; i < N; i++)
		random_filter(b + (size_t)i * CLK_WORDS, 150 + (unsigned)(next_random() % 180));
	random_filter(a, 240);
	enum clk_kernel def = clk_kernel_current();
	printf("kernel_default=%s\n", clk_kernel_name());
	for (int k = CLK_KERNEL_PORTABLE; k <= CLK_KERNEL_AVX512; k++) {
		if (clk_kernel_force((enum clk_kernel)k) < 0) {
			printf("kernel_%s_mps=-\n", names[k]);
			continue;
		}
		uint64_t done = 0, sink = 0;
		double t0 = now(), t;
		do {
			for (int r = 0; r < 64; r++) {
				a[r & 15] ^= (uint64_t)r << 7;   /* keep the compiler from hoisting */
				clk_and_popcount_many(a, b, N, counts);
				sink += counts[r];
			}
			done += 64 * (uint64_t)N;
			t = now() - t0;
		} while (t < seconds);
		printf("kernel_%s_mps=%.1f\n", names[k], (double)done / t / 1e6);
		if (sink == 42)
			puts("#");
	}
	clk_kernel_force(def);
	free(b);
	free(counts);
	return 0;
}

static int fill(struct clk_set *s, const char *prefix, size_t n)
{
	uint64_t f[CLK_WORDS];
	char ref[32];
	for (size_t i = 0; i < n; i++) {
		random_filter(f, 150 + (unsigned)(next_random() % 180));
		snprintf(ref, sizeof(ref), "%s%zu", prefix, i);
		if (clk_set_add(s, ref, f) < 0)
			return -1;
	}
	return 0;
}

static int bench_match(size_t na, size_t nb, unsigned threads)
{
	struct clk_set a, b;
	clk_set_init(&a);
	clk_set_init(&b);
	if (fill(&a, "a", na) < 0 || fill(&b, "b", nb) < 0) {
		fprintf(stderr, "link_bench: out of memory\n");
		return 1;
	}
	/* Plant copies: b[10j] := a[j'] with about 8 % of its bits moved. */
	size_t planted = 0;
	uint32_t *twin = calloc(nb, sizeof(*twin));   /* index of a + 1, or 0 */
	for (size_t j = 0; j < nb && twin; j += 10) {
		size_t i = (size_t)(next_random() % na);
		uint64_t *f = b.filters + j * CLK_WORDS;
		memcpy(f, clk_set_filter(&a, i), CLK_BYTES);
		unsigned moves = a.pops[i] / 25;
		for (unsigned m = 0; m < moves; m++) {
			unsigned pos = (unsigned)(next_random() % CLK_BITS);
			f[pos / 64] ^= (uint64_t)1 << (pos % 64);
		}
		b.pops[j] = (uint16_t)clk_popcount(f);
		twin[j] = (uint32_t)(i + 1);
		planted++;
	}
	struct clk_match_opts o = { .threshold = 0.75, .threads = threads };
	struct clk_pair *pairs;
	size_t n;
	struct clk_match_stats st;
	double t0 = now();
	if (clk_match(&a, &b, &o, &pairs, &n, &st) < 0) {
		fprintf(stderr, "link_bench: clk_match failed\n");
		return 1;
	}
	double took = now() - t0;
	size_t found = 0;
	for (size_t k = 0; k < n && twin; k++)
		found += twin[pairs[k].b] == pairs[k].a + 1;
	printf("match_kernel=%s\nmatch_threads=%u\nmatch_s=%.2f\nmatch_pairs_total=%llu\nmatch_compared=%llu\n"
	       "match_pairs=%zu\nmatch_planted=%zu\nmatch_found=%zu\nmatch_mps_per_thread=%.1f\n",
	       clk_kernel_name(), threads, took, (unsigned long long)st.pairs, (unsigned long long)st.compared, n,
	       planted, found, (double)st.compared / took / 1e6 / threads);
	free(pairs);
	free(twin);
	clk_set_release(&a);
	clk_set_release(&b);
	return 0;
}

static int bench_encode(size_t n)
{
	static const char *const given[] = { "Mohammed", "Fatima", "Amina", "Tesfaye", "Maryam", "Yusuf", "Selam",
					     "Ahmed", "محمد", "فاطمة" };
	static const char *const family[] = { "Hassan", "Nouri", "Bekele", "Al-Rashid", "Haile", "Osman", "حسن",
					      "Abdelrahman" };
	struct clk_key *key;
	const char secret[] = "benchmark secret, long enough";
	if (clk_key_new(&key, (const unsigned char *)secret, strlen(secret)) < 0)
		return 1;
	uint64_t f[CLK_WORDS], sink = 0;
	char date[16];
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		snprintf(date, sizeof(date), "%04d-%02d-%02d", 1950 + (int)(i % 60), 1 + (int)(i % 12), 1 + (int)(i % 28));
		struct clk_person p = { .given = { given[i % 10], NULL }, .family = { family[i % 8], NULL },
					.birth_date = date, .sex = i % 2 ? "Feminine" : "Masculine" };
		if (clk_encode(key, CLK_FIELDS_DEFAULT, &p, f) < 0)
			return 1;
		sink += f[i % CLK_WORDS];
	}
	double took = now() - t0;
	printf("encode_per_s=%.0f\n", (double)n / took);
	clk_key_free(key);
	return sink == 42;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "kernel"))
		return bench_kernel(strtod(argv[2], NULL));
	if (argc == 5 && !strcmp(argv[1], "match"))
		return bench_match(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
				   (unsigned)strtoul(argv[4], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "encode"))
		return bench_encode(strtoul(argv[2], NULL, 10));
	fprintf(stderr, "usage: link_bench kernel SECONDS | match NA NB THREADS | encode N\n");
	return 2;
}
