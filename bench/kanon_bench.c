/*
 * kanon_bench.c: the time of k-anonymity by local suppression (kanon.h) on
 * synthetic records of the CTDC export's six quasi-identifiers (gender,
 * ageBroad, majorityStatus, citizenship, CountryOfExploitation,
 * yearOfRegistration). Built and run by bench/kanon.sh.
 *
 *	kanon_bench N KIND [K]
 *
 * KIND: national (most persons exploited in the country itself, a few
 * citizenships common and many rare, two genders common, majority from the
 * age band, a dozen years) or uniform (every value equally likely: almost
 * every record unique, the worst case). Prints key=value lines: records, k,
 * at_risk (records in groups below k before), values, dropped, steps,
 * restored, seconds (kanon_apply alone, wall clock), check_s (the
 * independent check kanon_smallest_group), smallest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/stats/kanon.h"

static uint64_t state = 20261123;

static uint64_t rnd(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* 0..n-1, each value about twice as likely as the next. */
static uint16_t zipf(unsigned n)
{
	unsigned v = 0;
	while (v + 1 < n && (rnd() & 1))
		v++;
	return (uint16_t)v;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kanon_bench N national|uniform [K]\n");
		return 2;
	}
	size_t n = strtoul(argv[1], NULL, 10), k = argc > 3 ? strtoul(argv[3], NULL, 10) : KANON_DEFAULT_K;
	int uniform = !strcmp(argv[2], "uniform");
	uint16_t *codes = malloc(n * 6 * sizeof(*codes));
	unsigned char *dropped = malloc(n ? n : 1);
	if (!codes || !dropped)
		return 1;
	const uint16_t M = KANON_MISSING;
	for (size_t i = 0; i < n; i++) {
		uint16_t *r = codes + i * 6;
		if (uniform) {
			r[0] = (uint16_t)below(3);
			r[1] = (uint16_t)below(9);
			r[2] = r[1] < 2 ? 0 : 1;
			r[3] = (uint16_t)below(200);
			r[4] = (uint16_t)below(200);
			r[5] = (uint16_t)(2000 + below(25));
			continue;
		}
		unsigned g = below(100);
		r[0] = g < 3 ? M : g < 70 ? 0 : g < 98 ? 1 : 2;
		r[1] = below(100) < 4 ? M : zipf(9);
		r[2] = r[1] == M ? M : r[1] < 2 ? 0 : 1;
		r[3] = below(100) < 5 ? M : below(100) < 60 ? zipf(6) : (uint16_t)below(120);
		r[4] = below(100) < 10 ? M : below(100) < 85 ? 0 : (uint16_t)below(60);
		r[5] = (uint16_t)(2014 + below(12));
	}
	size_t smallest_before = 0, groups_before = 0;
	if (kanon_smallest_group(codes, n, 6, NULL, &smallest_before, &groups_before) < 0)
		return 1;
	struct kanon_report rep;
	double t0 = now_s();
	int rc = kanon_apply(codes, n, 6, k, dropped, &rep);
	double t1 = now_s();
	if (rc < 0) {
		fprintf(stderr, "kanon_apply: %d\n", rc);
		return 1;
	}
	size_t smallest = 0, groups = 0;
	double t2 = now_s();
	if (kanon_smallest_group(codes, n, 6, dropped, &smallest, &groups) < 0)
		return 1;
	double t3 = now_s();
	printf("records=%zu\nkind=%s\nk=%zu\ngroups_before=%zu\nvalues=%zu\ndropped=%zu\nsteps=%zu\nrestored=%zu\n"
	       "masks_tried=%zu\nseconds=%.3f\ncheck_s=%.3f\ngroups_after=%zu\nsmallest=%zu\n",
	       n, argv[2], k, groups_before, rep.suppressed_values, rep.suppressed_records, rep.steps,
	       rep.restored_values, rep.masks_tried, t1 - t0, t3 - t2, groups, smallest);
	free(codes);
	free(dropped);
	return smallest && smallest < k ? 1 : 0;
}
