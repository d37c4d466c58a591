/*
 * dp.c: the two-sided geometric (discrete Laplace) mechanism of
 * stats_table.h: P(noise = k) = (1 - q) / (1 + q) * q^|k| with
 * q = exp(-epsilon / sensitivity).
 *
 * Sampling is exact and uses integers only. The textbook way (the log of a
 * uniform double, divided by log q) rounds: a floating-point sampler leaves
 * holes and biases in the tails that an observer can use to tell the true
 * count (Mironov's attack on the Laplace mechanism, 2012), and log(0) needs
 * its own care. Here epsilon / sensitivity is written as a fraction s / t
 * of integers (epsilon rounded to millionths; the release ledger keeps
 * thousandths, so nothing is lost there), and every coin is a comparison of
 * a uniform integer with a numerator, after the method of Canonne, Kamath
 * and Steinke ("The Discrete Gaussian for Differential Privacy", 2020):
 *
 *  - a coin that is heads with probability exp(-g), g = a/b in [0, 1]:
 *    flip coins of probability g/1, g/2, g/3, ... until one is tails; the
 *    number of coins flipped is odd with probability exactly exp(-g);
 *    exp(-g) for g > 1 is that many exp(-1) coins in a row, then the rest;
 *  - X = U + t * V, with U uniform in [0, t) kept with probability
 *    exp(-U/t) and V the number of exp(-1) heads before a tails, has
 *    P(X = x) proportional to exp(-x / t); floor(X / s) is then geometric
 *    with q = exp(-s / t); a random sign, drawing again on "minus zero",
 *    makes it two-sided.
 *
 * Uniform integers come from libsodium's randombytes_buf, eight bytes at a
 * time, with rejection of the top remainder so that no value is more likely
 * than another. The buffer is wiped after use: the noise is what stands
 * between a release and the exact counts.
 */
#include "stats_table.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "../../core/err.h"

#define EPS_SCALE 1000000u      /* epsilon in millionths */
#define EPS_MAX 1000000.0       /* far beyond any meaningful epsilon; keeps the fractions in range */
#define SENS_MAX ((int64_t)1 << 31)

struct rng {
	uint64_t buf[32];
	size_t left;
};

static uint64_t rand64(struct rng *r)
{
	if (r->left == 0) {
		randombytes_buf(r->buf, sizeof(r->buf));
		r->left = sizeof(r->buf) / sizeof(r->buf[0]);
	}
	return r->buf[--r->left];
}

/* Uniform in [0, n), n >= 1, without bias. */
static uint64_t below(struct rng *r, uint64_t n)
{
	uint64_t reject = (0 - n) % n;   /* 2^64 mod n: the values past the last whole multiple of n */
	for (;;) {
		uint64_t x = rand64(r);
		if (x >= reject)
			return x % n;
	}
}

/* Heads with probability exp(-a/b), 0 <= a <= b, b >= 1. */
static bool coin_exp_le1(struct rng *r, uint64_t a, uint64_t b)
{
	uint64_t k = 1;
	for (;;) {
		if (b > UINT64_MAX / k)
			break;   /* a/(b k) is below 2^-64 * a: tails */
		if (below(r, b * k) >= a)
			break;   /* tails with probability 1 - a/(b k) */
		k++;
	}
	return k & 1;
}

/* Heads with probability exp(-a/b), a >= 0, b >= 1. */
static bool coin_exp(struct rng *r, uint64_t a, uint64_t b)
{
	while (a > b) {
		if (!coin_exp_le1(r, 1, 1))
			return false;
		a -= b;
	}
	return coin_exp_le1(r, a, b);
}

/* One two-sided geometric draw with q = exp(-s/t), s, t >= 1. */
static int64_t draw(struct rng *r, uint64_t s, uint64_t t)
{
	for (;;) {
		uint64_t u = below(r, t);
		if (!coin_exp(r, u, t))
			continue;
		uint64_t v = 0;
		while (coin_exp_le1(r, 1, 1))
			v++;
		if (v > (UINT64_MAX - u) / t)
			continue;   /* beyond 2^64: probability exp(-2^64 / t), never in practice */
		uint64_t y = (u + t * v) / s;
		bool minus = rand64(r) & 1;
		if (minus && y == 0)
			continue;
		if (y > (uint64_t)INT64_MAX)
			continue;
		return minus ? -(int64_t)y : (int64_t)y;
	}
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t x = a % b;
		a = b;
		b = x;
	}
	return a;
}

/* epsilon / sensitivity as s / t in lowest terms; ERR_INVALID outside the accepted ranges. */
static int fraction(double epsilon, int64_t sensitivity, uint64_t *s, uint64_t *t)
{
	if (!(epsilon > 0 && epsilon <= EPS_MAX) || sensitivity < 1 || sensitivity > SENS_MAX)
		return ERR_INVALID;
	uint64_t num = (uint64_t)(epsilon * EPS_SCALE + 0.5);
	if (num == 0)
		return ERR_INVALID;
	uint64_t den = (uint64_t)sensitivity * EPS_SCALE;
	uint64_t g = gcd(num, den);
	*s = num / g;
	*t = den / g;
	return 0;
}

int64_t stats_dp_draw(double epsilon, int64_t sensitivity)
{
	uint64_t s, t;
	if (fraction(epsilon, sensitivity, &s, &t) < 0)
		return 0;
	struct rng r = { .left = 0 };
	int64_t x = draw(&r, s, t);
	sodium_memzero(&r, sizeof(r));
	return x;
}

int stats_dp_noise(struct stats_table *t, double epsilon, int64_t sensitivity)
{
	uint64_t s, q;
	if (fraction(epsilon, sensitivity, &s, &q) < 0)
		return ERR_INVALID;
	struct rng r = { .left = 0 };
	size_t cells = stats_table_cells(t);
	for (size_t i = 0; i < cells; i++) {
		int64_t noise = draw(&r, s, q), c = t->count[i] < 0 ? 0 : t->count[i];
		if (noise > 0 && c > INT64_MAX - noise)
			t->count[i] = INT64_MAX;
		else
			t->count[i] = c + noise < 0 ? 0 : c + noise;
	}
	sodium_memzero(&r, sizeof(r));
	return 0;
}
