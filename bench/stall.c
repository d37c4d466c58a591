/*
 * bench/stall.c: how long the machine kept a thread from running while a
 * benchmark ran beside it. It asks to sleep 1 ms at a time for SECONDS and
 * counts each wake-up that came more than 5 ms late: a time when no CPU was
 * given to a ready thread, because the host took the virtual machine's
 * CPUs away or the scheduler let other threads run on. A request that was
 * being served then waited as long, so a run's p99 cannot be read without
 * knowing these (docs/benchmarks.md, "Stalls of the machine").
 *
 * usage: stall SECONDS
 * prints: stalls N longest MS total MS   (N wake-ups late by more than 5 ms)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	double secs = argc == 2 ? atof(argv[1]) : 0;
	if (secs <= 0) {
		fputs("usage: stall SECONDS\n", stderr);
		return 2;
	}
	const struct timespec tick = { 0, 1000000 };
	double start = now(), last = start, longest = 0, total = 0;
	long stalls = 0;
	while (last - start < secs) {
		nanosleep(&tick, NULL);
		double t = now(), late = t - last - 0.001;
		if (late > 0.005) {
			stalls++;
			total += late;
			if (late > longest)
				longest = late;
		}
		last = t;
	}
	printf("stalls %ld longest %.1f total %.0f\n", stalls, longest * 1e3, total * 1e3);
	return 0;
}
