/* host/cli/bench_bandwidth.h - `alexnet bench --kernels` in inference: the bytes per second the
 * fc layers read their weights at, against the device's copy bandwidth measured with a simple
 * copy kernel (an_copy_floats), so that "memory bound at batch 1" can be checked. */
#ifndef ALEXNET_CLI_BENCH_BANDWIDTH_H
#define ALEXNET_CLI_BENCH_BANDWIDTH_H

#include "cli/bench_impl.h"

/* Measure each device's copy bandwidth and print it with every fc layer's weight bandwidth
 * (weights' bytes over the layer's forward device time). */
an_status bench_bandwidth_print(const bench *b);

#endif
