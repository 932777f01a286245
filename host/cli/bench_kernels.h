/* host/cli/bench_kernels.h - `alexnet bench --kernels`: device time summed per (layer, phase,
 * kernel function) over the timed iterations, printed as a table, largest first. */
#ifndef ALEXNET_CLI_BENCH_KERNELS_H
#define ALEXNET_CLI_BENCH_KERNELS_H

#include "runtime/runtime.h"

typedef struct bench_kernels bench_kernels;

/* Add one collected profile row of a phase (backward != 0 for backward + SGD). *k starts NULL. */
an_status bench_kernels_add(bench_kernels **k, int backward, const an_profile_row *row);
/* Print the rows as ms per iteration (over iters iterations), each with its share of the sum. */
void bench_kernels_print(const bench_kernels *k, int iters);
void bench_kernels_free(bench_kernels *k);

#endif
