/* host/cli/bench_memory.h - `alexnet bench`'s memory report: per device, what the model holds
 * against the device's (effective, see runtime/limits.h) global memory, and the largest single
 * buffer made on it against the largest allocation. */
#ifndef ALEXNET_CLI_BENCH_MEMORY_H
#define ALEXNET_CLI_BENCH_MEMORY_H

#include "net/model.h"
#include "runtime/runtime.h"

/* Print the report for the ndev devices of m (after its run: the backward's workspace is
 * allocated at the first backward). Returns the number of devices over a limit (0: all fit). */
int bench_memory_print(const an_model *m, const an_dev *devs, int ndev);

#endif
