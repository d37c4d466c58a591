/*
 * dice_int.h: private to src/domain/link/: the comparison kernels that
 * dice.c dispatches to. Each computes counts[i] = |a & b_i| for n filters
 * b (CLK_WORDS words each, one after the other, any alignment) and
 * popcounts of single filters; all give the same integers. The vector ones
 * are compiled with their own target attributes (the rest of the build
 * keeps its flags) and may only be called when the CPU has the features
 * (dice.c checks with __builtin_cpu_supports).
 */
#ifndef IHALA_LINK_DICE_INT_H
#define IHALA_LINK_DICE_INT_H

#include "clk.h"

struct clk_kernel_ops {
	const char *name;
	unsigned (*popcount)(const uint64_t *a);
	void (*and_popcount_many)(const uint64_t *a, const uint64_t *b, size_t n, uint16_t *counts);
};

extern const struct clk_kernel_ops clk_kernel_portable;
extern const struct clk_kernel_ops clk_kernel_avx2;     /* dice_avx2.c */
extern const struct clk_kernel_ops clk_kernel_avx512;   /* dice_avx512.c */

#endif
