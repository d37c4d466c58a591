/*
 * test_clk.c: CLK encodings, the comparison kernels and matching (clk.h).
 *
 *  - kernels: every kernel this CPU runs (the output says which ran and
 *    which were skipped) gives the same popcounts, intersections and Dice
 *    scores, bit for bit, as a bit-by-bit reference on random filters of
 *    every density, all zeros, all ones, single bits, odd batch lengths and
 *    unaligned addresses;
 *  - the threshold: need[] is exactly the least passing count, and the
 *    popcount bound never drops a pair that passes (candidates compared
 *    with brute force over all pairs, with scores right at the threshold);
 *  - encoding: deterministic, depends on the secret, spellings that
 *    names.h treats as equal encode equally, near spellings score high and
 *    other persons low, refused inputs;
 *  - the secret file: mode, owner, length, trailing newline;
 *  - the encoding file: round trip, no value in clear, mode 0600, and the
 *    parser refusing every kind of damage;
 *  - matching: greedy one-to-one, independence of the thread count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "domain/link/clk.h"

static const char secret[] = "a secret of at least sixteen bytes";

/* ---- helpers ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_random(void)
{
	/* xorshift64*: reproducible from the fixed seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

/* A filter whose bits are each set with probability about density/64. */
static void random_filter(uint64_t f[CLK_WORDS], unsigned density)
{
	for (int w = 0; w < CLK_WORDS; w++) {
		uint64_t v = 0;
		for (int b = 0; b < 64; b++)
			if (next_random() % 64 < density)
				v |= (uint64_t)1 << b;
		f[w] = v;
	}
}

/* The reference: one bit at a time, nothing shared with the kernels. */
static unsigned ref_count(const uint64_t *a, const uint64_t *b)
{
	unsigned n = 0;
	for (int w = 0; w < CLK_WORDS; w++)
		for (int bit = 0; bit < 64; bit++)
			n += (unsigned)(((b ? a[w] & b[w] : a[w]) >> bit) & 1);
	return n;
}

static struct clk_key *key_of(const char *s)
{
	struct clk_key *k;
	assert_int_equal(clk_key_new(&k, (const unsigned char *)s, strlen(s)), 0);
	return k;
}

static struct clk_key *shared_key;

static int setup(void **state)
{
	(void)state;
	shared_key = key_of(secret);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clk_key_free(shared_key);
	return 0;
}

/* ---- kernels ---- */

enum { N_FILTERS = 203 };   /* odd: the 4-at-a-time loops have a tail */

static void test_kernels_agree(void **state)
{
	(void)state;
	/* Filters of every density plus the edge cases, at an unaligned address. */
	uint64_t *store = calloc((N_FILTERS + 1) * CLK_WORDS + 1, sizeof(uint64_t));
	assert_non_null(store);
	uint64_t *b = store + 1;   /* 8-byte, not 64-byte, aligned */
	for (int i = 0; i < N_FILTERS; i++)
		random_filter(b + i * CLK_WORDS, (unsigned)(i % 65));
	memset(b, 0, CLK_BYTES);                        /* all zeros */
	memset(b + CLK_WORDS, 0xFF, CLK_BYTES);         /* all ones */
	memset(b + 2 * CLK_WORDS, 0, CLK_BYTES);
	b[2 * CLK_WORDS + 15] = (uint64_t)1 << 63;      /* the last bit alone */
	memset(b + 3 * CLK_WORDS, 0, CLK_BYTES);
	b[3 * CLK_WORDS] = 1;                           /* the first bit alone */

	/* The reference counts, once. */
	uint16_t *want_and = calloc((size_t)N_FILTERS * N_FILTERS, sizeof(*want_and));
	unsigned want_pop[N_FILTERS];
	assert_non_null(want_and);
	for (int i = 0; i < N_FILTERS; i++) {
		want_pop[i] = ref_count(b + i * CLK_WORDS, NULL);
		for (int j = 0; j < N_FILTERS; j++)
			want_and[i * N_FILTERS + j] = (uint16_t)ref_count(b + i * CLK_WORDS, b + j * CLK_WORDS);
	}
	static const char *const names[] = { "portable", "avx2", "avx512" };
	enum clk_kernel was = clk_kernel_current();
	int ran = 0;
	char said[128] = "";
	for (int k = CLK_KERNEL_PORTABLE; k <= CLK_KERNEL_AVX512; k++) {
		if (!clk_kernel_available((enum clk_kernel)k)) {
			snprintf(said + strlen(said), sizeof(said) - strlen(said), " %s:skipped", names[k]);
			continue;
		}
		assert_int_equal(clk_kernel_force((enum clk_kernel)k), 0);
		assert_string_equal(clk_kernel_name(), names[k]);
		ran++;
		snprintf(said + strlen(said), sizeof(said) - strlen(said), " %s:ran", names[k]);
		uint16_t counts[N_FILTERS];
		/* Every filter as a, against all of them in one batch and one at a time. */
		for (int i = 0; i < N_FILTERS; i++) {
			const uint64_t *a = b + i * CLK_WORDS;
			assert_int_equal(clk_popcount(a), want_pop[i]);
			clk_and_popcount_many(a, b, N_FILTERS, counts);
			for (int j = 0; j < N_FILTERS; j++) {
				const uint64_t *bj = b + j * CLK_WORDS;
				unsigned want = want_and[i * N_FILTERS + j];
				assert_int_equal(counts[j], want);
				assert_int_equal(clk_and_popcount(a, bj), want);
				double expect = clk_dice_counts(want, want_pop[i], want_pop[j]);
				double got = clk_dice(a, bj);
				assert_memory_equal(&got, &expect, sizeof(got));
			}
			/* Short batches: every tail length. */
			for (size_t n = 0; n < 9; n++) {
				uint16_t few[9] = { 0 };
				clk_and_popcount_many(a, b + (size_t)i % 50 * CLK_WORDS, n, few);
				for (size_t j = 0; j < n; j++)
					assert_int_equal(few[j], want_and[i * N_FILTERS + i % 50 + (int)j]);
			}
		}
		/* The edge cases by value. */
		assert_int_equal(clk_popcount(b), 0);
		assert_int_equal(clk_popcount(b + CLK_WORDS), CLK_BITS);
		assert_int_equal(clk_and_popcount(b + CLK_WORDS, b + CLK_WORDS), CLK_BITS);
		assert_true(clk_dice(b + CLK_WORDS, b + CLK_WORDS) == 1.0);
		assert_true(clk_dice(b, b) == 0.0);   /* two empty filters: 0, not NaN */
		assert_true(clk_dice(b + 2 * CLK_WORDS, b + 3 * CLK_WORDS) == 0.0);
	}
	printf("# kernels:%s\n", said);
	assert_true(ran >= 1);
	assert_int_equal(clk_kernel_force(was), 0);
	assert_int_equal(clk_kernel_force((enum clk_kernel)7), ERR_INVALID);
	enum clk_kernel parsed;
	assert_int_equal(clk_kernel_parse("avx512", &parsed), 0);
	assert_int_equal(parsed, CLK_KERNEL_AVX512);
	assert_int_equal(clk_kernel_parse("sse", &parsed), ERR_INVALID);
	free(want_and);
	free(store);
}

/* ---- the threshold and the popcount bound ---- */

static void test_threshold_need(void **state)
{
	(void)state;
	struct clk_threshold th;
	assert_int_equal(clk_threshold_init(&th, 0.0), ERR_INVALID);
	assert_int_equal(clk_threshold_init(&th, 1.5), ERR_INVALID);
	assert_int_equal(clk_threshold_init(&th, -0.1), ERR_INVALID);
	static const double ts[] = { 0.1, 0.5, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0 };
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		assert_int_equal(clk_threshold_init(&th, ts[i]), 0);
		assert_int_equal(th.need[0], CLK_NEVER);
		for (unsigned s = 1; s <= 2 * CLK_BITS; s++) {
			/* The least c (c <= s / 2) that passes, by brute force. */
			unsigned want = CLK_NEVER;
			for (unsigned c = 0; c <= s / 2; c++)
				if (clk_dice_counts(c, s, 0) >= ts[i]) {
					want = c;
					break;
				}
			assert_int_equal(th.need[s], want);
		}
		/* at_least[s] is the least need[] from s on. */
		for (unsigned s = 0; s <= 2 * CLK_BITS; s += 3) {
			unsigned least = CLK_NEVER;
			for (unsigned x = s; x <= 2 * CLK_BITS; x++)
				least = th.need[x] < least ? th.need[x] : least;
			assert_int_equal(th.at_least[s], least);
		}
		/* lo..hi is exactly the set of popcounts whose best case passes. */
		for (unsigned p = 0; p <= CLK_BITS; p += 7)
			for (unsigned q = 0; q <= CLK_BITS; q++) {
				unsigned m = p < q ? p : q;
				bool can = clk_dice_counts(m, p, q) >= ts[i];
				assert_int_equal(can, q >= th.lo[p] && q <= th.hi[p]);
			}
	}
	/* A score exactly at the threshold passes: 2 * 8 / 20 = 0.8. */
	assert_int_equal(clk_threshold_init(&th, 0.8), 0);
	assert_int_equal(th.need[20], 8);
}

/* A set of n random filters with popcounts spread widely, references PREFIX-i. */
static void random_set(struct clk_set *s, const char *prefix, size_t n)
{
	clk_set_init(s);
	for (size_t i = 0; i < n; i++) {
		uint64_t f[CLK_WORDS];
		random_filter(f, (unsigned)(2 + next_random() % 40));
		char ref[32];
		snprintf(ref, sizeof(ref), "%s-%zu", prefix, i);
		assert_int_equal(clk_set_add(s, ref, f), 0);
	}
}

/* b[j] := a[i] with some bits flipped, so that pairs near any threshold exist. */
static void plant_near(struct clk_set *a, struct clk_set *b, size_t n)
{
	for (size_t x = 0; x < n; x++) {
		size_t i = next_random() % a->n, j = next_random() % b->n;
		uint64_t *f = b->filters + j * CLK_WORDS;
		memcpy(f, clk_set_filter(a, i), CLK_BYTES);
		unsigned flips = (unsigned)(next_random() % 120);
		for (unsigned k = 0; k < flips; k++) {
			unsigned bit = (unsigned)(next_random() % CLK_BITS);
			f[bit / 64] ^= (uint64_t)1 << (bit % 64);
		}
		b->pops[j] = (uint16_t)clk_popcount(f);
	}
}

static int pair_cmp(const void *x, const void *y)
{
	const struct clk_pair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static void test_bound_drops_nothing(void **state)
{
	(void)state;
	struct clk_set a, b;
	random_set(&a, "a", 300);
	random_set(&b, "b", 400);
	plant_near(&a, &b, 200);
	static const double ts[] = { 0.3, 0.6, 0.8, 0.9, 1.0 };
	for (size_t t = 0; t < sizeof(ts) / sizeof(ts[0]); t++) {
		/* Brute force: every pair, the exact score. */
		size_t n_brute = 0;
		struct clk_pair *brute = calloc(a.n * b.n, sizeof(*brute));
		assert_non_null(brute);
		for (size_t i = 0; i < a.n; i++)
			for (size_t j = 0; j < b.n; j++) {
				double d = clk_dice(clk_set_filter(&a, i), clk_set_filter(&b, j));
				if (d >= ts[t])
					brute[n_brute++] = (struct clk_pair){ (uint32_t)i, (uint32_t)j, d };
			}
		struct clk_match_opts o = { .threshold = ts[t], .threads = 2, .per_record = 1000 };
		struct clk_pair *got;
		size_t n_got;
		struct clk_match_stats st;
		assert_int_equal(clk_candidates(&a, &b, &o, &got, &n_got, &st), 0);
		assert_int_equal(st.pairs, a.n * b.n);
		assert_true(st.compared <= st.pairs);
		if (ts[t] >= 0.8)
			assert_true(st.compared < st.pairs);   /* the bound did skip pairs */
		assert_int_equal(n_got, n_brute);
		assert_int_equal(st.candidates, n_brute);
		/* Sorted best first... */
		for (size_t k = 1; k < n_got; k++)
			assert_true(got[k - 1].score >= got[k].score);
		/* ...and the same pairs with the same scores, bit for bit. */
		if (n_got) {
			qsort(got, n_got, sizeof(*got), pair_cmp);
			assert_memory_equal(got, brute, n_brute * sizeof(*brute));
		}
		free(got);

		/* clk_dice_batch over the unsorted b: the same hits for a few records of a. */
		struct clk_threshold th;
		assert_int_equal(clk_threshold_init(&th, ts[t]), 0);
		uint32_t *hits = calloc(b.n, sizeof(*hits));
		uint16_t *hit_counts = calloc(b.n, sizeof(*hit_counts));
		for (size_t i = 0; i < a.n; i += 37) {
			size_t compared;
			size_t n = clk_dice_batch(clk_set_filter(&a, i), a.pops[i], b.filters, b.pops, b.n, &th, hits,
						  hit_counts, &compared);
			size_t want = 0;
			for (size_t k = 0; k < n_brute; k++)
				want += brute[k].a == i;
			assert_int_equal(n, want);
			for (size_t k = 0; k < n; k++) {
				double d = clk_dice_counts(hit_counts[k], a.pops[i], b.pops[hits[k]]);
				assert_true(d >= ts[t]);
				assert_true(d == clk_dice(clk_set_filter(&a, i), clk_set_filter(&b, hits[k])));
			}
		}
		free(hits);
		free(hit_counts);
		free(brute);
	}
	clk_set_release(&a);
	clk_set_release(&b);
}

/* ---- matching ---- */

static void test_greedy_one_to_one(void **state)
{
	(void)state;
	/* a0 and a1 both like b0 best; a0 more. a1 must then take b1. */
	uint64_t base[CLK_WORDS] = { 0 }, f[CLK_WORDS];
	for (int w = 0; w < 4; w++)
		base[w] = ~(uint64_t)0;   /* 256 bits */
	struct clk_set a, b;
	clk_set_init(&a);
	clk_set_init(&b);
	assert_int_equal(clk_set_add(&b, "b0", base), 0);
	memcpy(f, base, sizeof(f));
	f[3] = 0;                    /* 192 of b0's bits: Dice 0.857 */
	assert_int_equal(clk_set_add(&a, "a1", f), 0);
	memcpy(f, base, sizeof(f));
	f[3] = 0xFFFFFFFF;           /* 224: Dice 0.933 */
	assert_int_equal(clk_set_add(&a, "a0", f), 0);
	memcpy(f, base, sizeof(f));
	f[3] = 0;
	f[4] = 0xFFFF;               /* 208 bits: a1 vs b1 = 2*192/400 = 0.96 */
	assert_int_equal(clk_set_add(&b, "b1", f), 0);
	memset(f, 0, sizeof(f));
	f[10] = ~(uint64_t)0;        /* nobody's */
	assert_int_equal(clk_set_add(&b, "b2", f), 0);

	struct clk_match_opts o = { .threshold = 0.8, .threads = 1 };
	struct clk_pair *pairs;
	size_t n;
	struct clk_match_stats st;
	assert_int_equal(clk_match(&a, &b, &o, &pairs, &n, &st), 0);
	assert_int_equal(n, 2);
	/* Best first: a1-b1 (0.96), then a0-b0 (0.933); a1-b0 (0.857) lost to both. */
	assert_string_equal(clk_set_ref(&a, pairs[0].a), "a1");
	assert_string_equal(clk_set_ref(&b, pairs[0].b), "b1");
	assert_true(pairs[0].score == 0.96);
	assert_string_equal(clk_set_ref(&a, pairs[1].a), "a0");
	assert_string_equal(clk_set_ref(&b, pairs[1].b), "b0");
	free(pairs);

	/* Above every score: nothing. */
	o.threshold = 0.99;
	assert_int_equal(clk_match(&a, &b, &o, &pairs, &n, &st), 0);
	assert_int_equal(n, 0);
	assert_null(pairs);
	o.threshold = 0;
	assert_int_equal(clk_match(&a, &b, &o, &pairs, &n, &st), ERR_INVALID);
	clk_set_release(&a);
	clk_set_release(&b);

	/*
	 * 40 equal records on each side (a common name with a placeholder birth
	 * date): each keeps only 16 candidates, yet nearly all are paired,
	 * because each keeps a different sample of the other group.
	 */
	clk_set_init(&a);
	clk_set_init(&b);
	for (int i = 0; i < 40; i++) {
		char ref[16];
		snprintf(ref, sizeof(ref), "a%d", i);
		assert_int_equal(clk_set_add(&a, ref, base), 0);
		snprintf(ref, sizeof(ref), "b%d", i);
		assert_int_equal(clk_set_add(&b, ref, base), 0);
	}
	o.threshold = 0.8;
	assert_int_equal(clk_match(&a, &b, &o, &pairs, &n, &st), 0);
	printf("# 40 equal records on each side: %zu pairs\n", n);
	assert_true(n >= 34);
	assert_int_equal(st.candidates, 40 * CLK_MATCH_PER_RECORD);
	free(pairs);
	clk_set_release(&a);
	clk_set_release(&b);
}

static void test_threads_do_not_change_the_result(void **state)
{
	(void)state;
	struct clk_set a, b;
	random_set(&a, "a", 700);
	random_set(&b, "b", 900);
	plant_near(&a, &b, 500);
	struct clk_pair *one, *many;
	size_t n_one, n_many;
	struct clk_match_stats st;
	struct clk_match_opts o = { .threshold = 0.7, .threads = 1 };
	assert_int_equal(clk_match(&a, &b, &o, &one, &n_one, &st), 0);
	o.threads = 5;
	assert_int_equal(clk_match(&a, &b, &o, &many, &n_many, &st), 0);
	assert_true(n_one > 100);
	assert_int_equal(n_one, n_many);
	assert_memory_equal(one, many, n_one * sizeof(*one));
	/* One-to-one: no record twice. */
	char *seen_a = calloc(a.n, 1), *seen_b = calloc(b.n, 1);
	for (size_t i = 0; i < n_one; i++) {
		assert_false(seen_a[one[i].a]);
		assert_false(seen_b[one[i].b]);
		seen_a[one[i].a] = seen_b[one[i].b] = 1;
	}
	free(seen_a);
	free(seen_b);
	free(one);
	free(many);
	clk_set_release(&a);
	clk_set_release(&b);
}

/* ---- encoding ---- */

static void encode(const struct clk_key *k, const char *given, const char *family, const char *birth,
		   const char *sex, uint64_t out[CLK_WORDS])
{
	struct clk_person p = { .given = { given, NULL }, .family = { family, NULL }, .birth_date = birth, .sex = sex };
	assert_int_equal(clk_encode(k, CLK_FIELDS_DEFAULT, &p, out), 0);
}

static void test_encoding(void **state)
{
	(void)state;
	uint64_t x[CLK_WORDS], y[CLK_WORDS];
	/* Deterministic, and a key made again from the same secret gives the same. */
	encode(shared_key, "Mohammed", "Al-Hassan", "1990-04-12", "Masculine", x);
	struct clk_key *again = key_of(secret);
	encode(again, "Mohammed", "Al-Hassan", "1990-04-12", "Masculine", y);
	assert_memory_equal(x, y, CLK_BYTES);
	char c1[17], c2[17];
	clk_key_check(shared_key, c1);
	clk_key_check(again, c2);
	assert_string_equal(c1, c2);
	clk_key_free(again);
	unsigned pop = clk_popcount(x);
	assert_true(pop > 100 && pop < 400);

	/* Another secret: other positions, another check. */
	struct clk_key *other = key_of("another secret, sixteen+ bytes");
	encode(other, "Mohammed", "Al-Hassan", "1990-04-12", "Masculine", y);
	assert_true(clk_dice(x, y) < 0.5);
	clk_key_check(other, c2);
	assert_string_not_equal(c1, c2);
	clk_key_free(other);

	/* names.h: case, accents, punctuation, Arabic diacritics and letter forms meet. */
	encode(shared_key, "MOHAMMED", "al hassan", "1990-04-12", "Masculine", y);
	assert_memory_equal(x, y, CLK_BYTES);
	encode(shared_key, "José", "O'Brien", "1985", NULL, x);
	encode(shared_key, "jose", "o brien", "1985", NULL, y);
	assert_memory_equal(x, y, CLK_BYTES);
	encode(shared_key, "مُحَمَّد", "الحسن", "1990-04-12", "Masculine", x);
	encode(shared_key, "محمد", "الحسن", "1990-04-12", "Masculine", y);
	assert_memory_equal(x, y, CLK_BYTES);

	/* Near spellings score high, another person low. */
	encode(shared_key, "Mohammed", "Hassan", "1990-04-12", "Masculine", x);
	encode(shared_key, "Mohamed", "Hasan", "1990-04-12", "Masculine", y);
	assert_true(clk_dice(x, y) >= 0.75);
	encode(shared_key, "Fatima", "Nouri", "1972-11-03", "Feminine", y);
	assert_true(clk_dice(x, y) < 0.4);
	/* A different birth day alone still scores high; sex changes little but something. */
	encode(shared_key, "Mohammed", "Hassan", "1990-04-21", "Masculine", y);
	assert_true(clk_dice(x, y) >= 0.8 && clk_dice(x, y) < 1.0);
	encode(shared_key, "Mohammed", "Hassan", "1990-04-12", "Feminine", y);
	assert_true(clk_dice(x, y) >= 0.9 && clk_dice(x, y) < 1.0);
	/* Unknown sex counts as absent. */
	encode(shared_key, "Mohammed", "Hassan", "1990-04-12", NULL, x);
	encode(shared_key, "Mohammed", "Hassan", "1990-04-12", "NonSpecifiedUnknown", y);
	assert_memory_equal(x, y, CLK_BYTES);

	/* Fields not chosen are not encoded; chosen ones are. */
	struct clk_person p = { .given = { "Amina", "" }, .family = { "Yusuf", NULL }, .document = "AB 123-456",
				.address = { "12 Nile Street", "Cairo", NULL, "11511" } };
	assert_int_equal(clk_encode(shared_key, CLK_F_NAMES, &p, x), 0);
	assert_int_equal(clk_encode(shared_key, CLK_F_NAMES | CLK_F_DOCUMENT, &p, y), 0);
	assert_true(clk_popcount(y) > clk_popcount(x));
	p.document = "ab123456";   /* the same document number, normalised */
	uint64_t z[CLK_WORDS];
	assert_int_equal(clk_encode(shared_key, CLK_F_NAMES | CLK_F_DOCUMENT, &p, z), 0);
	assert_memory_equal(y, z, CLK_BYTES);
	assert_int_equal(clk_encode(shared_key, CLK_F_NAMES | CLK_F_ADDRESS, &p, z), 0);
	assert_true(clk_popcount(z) > clk_popcount(x));
	/* Both spellings of a name go into the same key. */
	struct clk_person two = { .given = { "أمينة", "Amina" }, .family = { "Yusuf", NULL } };
	assert_int_equal(clk_encode(shared_key, CLK_F_NAMES, &two, z), 0);
	assert_int_equal(clk_and_popcount(z, x), clk_popcount(x));   /* x's bits all there */

	/* Refusals. */
	struct clk_person none = { .sex = "Feminine" };
	assert_int_equal(clk_encode(shared_key, CLK_FIELDS_DEFAULT, &none, x), ERR_NOT_FOUND);
	assert_int_equal(clk_popcount(x), 0);
	struct clk_person bad_date = { .given = { "Amina", NULL }, .birth_date = "12/04/1990" };
	assert_int_equal(clk_encode(shared_key, CLK_FIELDS_DEFAULT, &bad_date, x), ERR_INVALID);
	assert_int_equal(clk_popcount(x), 0);
	struct clk_person bad_utf8 = { .given = { "Am\xC3(ina", NULL } };
	assert_int_equal(clk_encode(shared_key, CLK_FIELDS_DEFAULT, &bad_utf8, x), ERR_INVALID);
	/* A date alone is enough; a year alone too. */
	struct clk_person year = { .birth_date = "1990" };
	assert_int_equal(clk_encode(shared_key, CLK_FIELDS_DEFAULT, &year, x), 0);
	assert_true(clk_popcount(x) > 0);

	/* Secrets of the wrong length. */
	struct clk_key *k;
	assert_int_equal(clk_key_new(&k, (const unsigned char *)"fifteen bytes!!", 15), ERR_INVALID);
	assert_null(k);
}

static void test_fields(void **state)
{
	(void)state;
	unsigned f;
	char text[CLK_FIELDS_TEXT_MAX];
	assert_int_equal(clk_fields_parse("names,birth,sex", &f), 0);
	assert_int_equal(f, CLK_FIELDS_DEFAULT);
	assert_int_equal(clk_fields_parse("birth", &f), 0);   /* names always */
	assert_int_equal(f, CLK_F_NAMES | CLK_F_BIRTH);
	assert_int_equal(clk_fields_parse("address,document,names", &f), 0);
	clk_fields_format(f, text);
	assert_string_equal(text, "names,document,address");
	clk_fields_format(CLK_FIELDS_ALL, text);
	assert_string_equal(text, "names,birth,sex,document,address");
	assert_int_equal(clk_fields_parse("names,phone", &f), ERR_INVALID);
	assert_int_equal(clk_fields_parse("names,names", &f), ERR_INVALID);
	assert_int_equal(clk_fields_parse("names,", &f), ERR_INVALID);
	assert_int_equal(clk_fields_parse("Names", &f), ERR_INVALID);
	/* Each choice of fields has its own parameters. */
	char p1[33], p2[33];
	clk_params_digest(CLK_FIELDS_DEFAULT, p1);
	clk_params_digest(CLK_FIELDS_DEFAULT | CLK_F_DOCUMENT, p2);
	assert_int_equal(strlen(p1), 32);
	assert_string_not_equal(p1, p2);
}

/* ---- the secret file ---- */

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	unlink(path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_secret_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/ihala-clk-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/secret", dir);
	struct clk_key *k;
	char c1[17], c2[17];

	write_file(path, secret, strlen(secret), 0600);
	assert_int_equal(clk_key_from_file(&k, path, err, sizeof(err)), 0);
	clk_key_check(k, c1);
	clk_key_free(k);
	clk_key_check(shared_key, c2);
	assert_string_equal(c1, c2);

	/* A trailing newline (echo) or CRLF changes nothing. */
	char with_nl[128];
	snprintf(with_nl, sizeof(with_nl), "%s\r\n", secret);
	write_file(path, with_nl, strlen(with_nl), 0600);
	assert_int_equal(clk_key_from_file(&k, path, err, sizeof(err)), 0);
	clk_key_check(k, c1);
	clk_key_free(k);
	assert_string_equal(c1, c2);

	/* Readable by the group or others: refused, and the secret is not in the message. */
	write_file(path, secret, strlen(secret), 0640);
	assert_int_equal(clk_key_from_file(&k, path, err, sizeof(err)), ERR_INVALID);
	assert_null(k);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, secret));
	write_file(path, secret, strlen(secret), 0604);
	assert_int_equal(clk_key_from_file(&k, path, err, sizeof(err)), ERR_INVALID);

	/* Too short (newline not counted), empty, missing. */
	write_file(path, "fifteen bytes!!\n", 16, 0600);
	assert_int_equal(clk_key_from_file(&k, path, err, sizeof(err)), ERR_INVALID);
	assert_non_null(strstr(err, "16 to 4096 bytes"));
	write_file(path, "", 0, 0600);
	assert_int_equal(clk_key_from_file(&k, path, err, sizeof(err)), ERR_INVALID);
	unlink(path);
	assert_int_equal(clk_key_from_file(&k, path, err, sizeof(err)), ERR_INVALID);
	/* A folder is not a secret file. */
	assert_int_equal(clk_key_from_file(&k, dir, err, sizeof(err)), ERR_INVALID);
	rmdir(dir);
}

/* ---- the encoding file ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *text = calloc(1 << 20, 1);
	*len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	return text;
}

/* Parse text and expect failure with err containing what. */
static void expect_refused(const char *text, const char *what)
{
	struct clk_set s;
	char err[512] = "";
	clk_set_init(&s);
	int rc = clk_set_parse(&s, text, strlen(text), err, sizeof(err));
	if (rc == 0 || !strstr(err, what))
		fail_msg("parse gave %d, \"%s\"; expected failure with \"%s\"", rc, err, what);
	clk_set_release(&s);
}

static void test_file_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/ihala-clk-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/enc.clk", dir);

	struct clk_set s;
	clk_set_init(&s);
	s.fields = CLK_FIELDS_DEFAULT;
	static const char *const names[][2] = { { "Mohammed", "Hassan" }, { "Fatima", "Nouri" }, { "Amina", "Yusuf" } };
	for (int i = 0; i < 3; i++) {
		uint64_t f[CLK_WORDS];
		encode(shared_key, names[i][0], names[i][1], "1990-04-12", "Feminine", f);
		char ref[32];
		snprintf(ref, sizeof(ref), "BH-2026-%05d", i + 1);
		assert_int_equal(clk_set_add(&s, ref, f), 0);
	}
	char check[17];
	clk_key_check(shared_key, check);
	assert_int_equal(clk_file_write(path, &s, check, err, sizeof(err)), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(err, sizeof(err), "%s.partial", path);
	assert_int_not_equal(access(err, F_OK), 0);

	/* No value in clear. */
	size_t len;
	char *text = slurp(path, &len);
	for (int i = 0; i < 3; i++) {
		assert_null(strcasestr(text, names[i][0]));
		assert_null(strcasestr(text, names[i][1]));
	}
	assert_null(strstr(text, "1990"));
	assert_null(strcasestr(text, "feminine"));
	assert_true(!strncmp(text, "ihala-clk 1 bits=1024 fields=names,birth,sex params=", 52));

	/* Read back: the same references, filters, fields and check. */
	struct clk_set r;
	clk_set_init(&r);
	assert_int_equal(clk_file_read(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.fields, CLK_FIELDS_DEFAULT);
	assert_string_equal(r.check, check);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(clk_set_ref(&r, i), clk_set_ref(&s, i));
		assert_memory_equal(clk_set_filter(&r, i), clk_set_filter(&s, i), CLK_BYTES);
		assert_int_equal(r.pops[i], s.pops[i]);
	}
	clk_set_release(&r);
	/* And from memory, with CRLF line ends. */
	char *crlf = calloc(2 * len + 1, 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = text[i];
	}
	clk_set_init(&r);
	assert_int_equal(clk_set_parse(&r, crlf, k, err, sizeof(err)), 0);
	assert_int_equal(r.n, 3);
	clk_set_release(&r);
	free(crlf);

	/* Damage of every kind. */
	char *nl = strchr(text, '\n');
	*nl = '\0';
	char header[256], line1[512];
	snprintf(header, sizeof(header), "%s", text);
	char *second = nl + 1, *nl2 = strchr(second, '\n');
	snprintf(line1, sizeof(line1), "%.*s", (int)(nl2 - second), second);
	char bad[4096];
	expect_refused("", "empty");
	expect_refused("hello\n", "not an ihala CLK file header");
	/* Other parameters: a changed digest. */
	snprintf(bad, sizeof(bad), "%s\n", header);
	char *params = strstr(bad, "params=") + 7;
	params[0] = params[0] == '0' ? '1' : '0';
	expect_refused(bad, "other parameters");
	/* Another version. */
	snprintf(bad, sizeof(bad), "ihala-clk 2%s\n", header + 11);
	expect_refused(bad, "format version 2");
	/* Truncated: the header says 3. */
	snprintf(bad, sizeof(bad), "%s\n%s\n", header, line1);
	expect_refused(bad, "1 records where the header says 3");
	/* Extra text on the header, an unknown field, a bad count. */
	snprintf(bad, sizeof(bad), "%s extra\n", header);
	expect_refused(bad, "not an ihala CLK file header");
	snprintf(bad, sizeof(bad), "%s\n", header);
	memcpy(strstr(bad, "fields=") + 7, "nomes", 5);
	expect_refused(bad, "not an ihala CLK file header");
	/* Record lines: a repeated reference, bad base64, a bad reference, no tab. */
	char one[512];
	snprintf(one, sizeof(one), "%s", header);
	memcpy(strstr(one, "records=") + 8, "2", 1);
	snprintf(bad, sizeof(bad), "%s\n%s\n%s\n", one, line1, line1);
	expect_refused(bad, "line 3: a reference seen on an earlier line");
	memcpy(strstr(one, "records=") + 8, "1", 1);
	snprintf(bad, sizeof(bad), "%s\n%s\n", one, line1);
	bad[strlen(bad) - 5] = '*';
	expect_refused(bad, "line 2: the encoding is not 172 base64 characters");
	snprintf(bad, sizeof(bad), "%s\n%sA\n", one, line1);
	expect_refused(bad, "line 2: the encoding");
	snprintf(bad, sizeof(bad), "%s\n-x%s\n", one, line1);
	expect_refused(bad, "line 2: a reference is");
	snprintf(bad, sizeof(bad), "%s\nno-tab-here\n", one);
	expect_refused(bad, "line 2: expected REFERENCE<TAB>BASE64");
	snprintf(bad, sizeof(bad), "%s\n%s\n%s\n", one, line1, line1);
	expect_refused(bad, "more records than the header's 1");
	/* The valid one-record file is accepted (so the refusals above are about their damage). */
	snprintf(bad, sizeof(bad), "%s\n%s\n", one, line1);
	clk_set_init(&r);
	assert_int_equal(clk_set_parse(&r, bad, strlen(bad), err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	clk_set_release(&r);

	/* A write that cannot happen leaves nothing behind. */
	snprintf(path, sizeof(path), "%s/missing/enc.clk", dir);
	assert_int_not_equal(clk_file_write(path, &s, check, err, sizeof(err)), 0);
	free(text);
	clk_set_release(&s);
	snprintf(path, sizeof(path), "%s/enc.clk", dir);
	unlink(path);
	rmdir(dir);
}

static void test_references(void **state)
{
	(void)state;
	assert_true(clk_ref_valid("BH-2026-00042"));
	assert_true(clk_ref_valid("rec-1-dup-0"));
	assert_true(clk_ref_valid("a.b_c:d"));
	assert_false(clk_ref_valid(""));
	assert_false(clk_ref_valid("-1"));          /* a spreadsheet formula */
	assert_false(clk_ref_valid("=HYPERLINK"));
	assert_false(clk_ref_valid("a,b"));
	assert_false(clk_ref_valid("a b"));
	assert_false(clk_ref_valid("a\tb"));
	assert_false(clk_ref_valid("محمد"));
	char long_ref[CLK_REF_MAX + 2];
	memset(long_ref, 'x', sizeof(long_ref) - 1);
	long_ref[CLK_REF_MAX + 1] = '\0';
	assert_false(clk_ref_valid(long_ref));
	long_ref[CLK_REF_MAX] = '\0';
	assert_true(clk_ref_valid(long_ref));

	struct clk_set s;
	uint64_t f[CLK_WORDS] = { 1 };
	clk_set_init(&s);
	/* Many references: the uniqueness index grows and still finds each. */
	for (int i = 0; i < 5000; i++) {
		char ref[32];
		snprintf(ref, sizeof(ref), "r%d", i);
		assert_int_equal(clk_set_add(&s, ref, f), 0);
	}
	assert_int_equal(clk_set_add(&s, "r4999", f), ERR_CONFLICT);
	assert_int_equal(clk_set_add(&s, "r0", f), ERR_CONFLICT);
	assert_int_equal(clk_set_add(&s, "bad ref", f), ERR_INVALID);
	assert_int_equal(s.n, 5000);
	assert_string_equal(clk_set_ref(&s, 1234), "r1234");
	assert_int_equal(s.pops[0], 1);
	clk_set_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernels_agree),
		cmocka_unit_test(test_threshold_need),
		cmocka_unit_test(test_bound_drops_nothing),
		cmocka_unit_test(test_greedy_one_to_one),
		cmocka_unit_test(test_threads_do_not_change_the_result),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_references),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
